/**
 * "No database is made by a slip": a command that may create a local database file (agor serve,
 * agor db import) and then fails removes what it created in this run: the file, its -wal, -shm
 * and -journal companions, and the folders made for it. An empty file that was there (no database
 * yet, to every other command) is emptied again rather than removed: it is someone's file, with its
 * owner and mode. A database that was there before the command started is never touched, nor is a
 * folder that holds anything else.
 */
import { existsSync, rmdirSync, rmSync, statSync, truncateSync } from 'node:fs'
import { dirname } from 'node:path'

export interface NewDatabase {
  /** Removes the database and its folders if this run created them; does nothing otherwise. */
  discard(): void
}

const COMPANIONS = ['', '-wal', '-shm', '-journal']

/** Notes, before a command opens `path` (a local file, or undefined for others), what it would create. */
/** An empty file made a database by this run goes back to empty, losing only what this run added. */
function emptyAgain(path: string): NewDatabase {
  const companions = COMPANIONS.slice(1).filter((suffix) => !existsSync(`${path}${suffix}`))
  return {
    discard() {
      for (const suffix of companions) rmSync(`${path}${suffix}`, { force: true })
      truncateSync(path, 0)
    }
  }
}

function isEmptyFile(path: string): boolean {
  try {
    const stat = statSync(path)
    return stat.isFile() && stat.size === 0
  } catch {
    return false
  }
}

/**
 * Whether the folder was made while this process ran: by another command that created the same
 * new database at the same moment (and found the folder missing before this one made it, or made it
 * first). The last of them to fail removes it. False where the file system keeps no birth time.
 */
function madeSinceStart(dir: string): boolean {
  try {
    const { birthtimeMs } = statSync(dir)
    return birthtimeMs > 0 && birthtimeMs >= performance.timeOrigin
  } catch {
    return false
  }
}

export function beforeCreating(path: string | undefined): NewDatabase {
  if (path !== undefined && isEmptyFile(path)) return emptyAgain(path)
  if (path === undefined || existsSync(path)) return { discard: () => {} }
  // the folders that do not exist yet, deepest first: opening the database makes them
  const folders: string[] = []
  for (let dir = dirname(path); !existsSync(dir) && dirname(dir) !== dir; dir = dirname(dir)) {
    folders.push(dir)
  }
  return {
    discard() {
      for (const suffix of COMPANIONS) rmSync(`${path}${suffix}`, { force: true })
      for (let dir = dirname(path); dirname(dir) !== dir; dir = dirname(dir)) {
        if (!folders.includes(dir) && !madeSinceStart(dir)) return
        try {
          rmdirSync(dir)
        } catch {
          // not empty: something else lives there now, so it and its parents stay
          return
        }
      }
    }
  }
}
