/**
 * "No database is made by a slip": a command that may create a local database file (agor serve,
 * agor db import) and then fails removes what it created in this run: the file, its -wal, -shm
 * and -journal companions, and the folders made for it. A database that was there before the
 * command started is never touched, nor is a folder that holds anything else.
 */
import { existsSync, rmdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'

export interface NewDatabase {
  /** Removes the database and its folders if this run created them; does nothing otherwise. */
  discard(): void
}

const COMPANIONS = ['', '-wal', '-shm', '-journal']

/** Notes, before a command opens `path` (a local file, or undefined for others), what it would create. */
export function beforeCreating(path: string | undefined): NewDatabase {
  if (path === undefined || existsSync(path)) return { discard: () => {} }
  // the folders that do not exist yet, deepest first: opening the database makes them
  const folders: string[] = []
  for (let dir = dirname(path); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) {
    folders.push(dir)
  }
  return {
    discard() {
      for (const suffix of COMPANIONS) rmSync(`${path}${suffix}`, { force: true })
      for (const folder of folders) {
        try {
          rmdirSync(folder)
        } catch {
          // not empty: something else lives there now, so it and its parents stay
          return
        }
      }
    }
  }
}
