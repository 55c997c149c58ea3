/**
 * Administration of a local database file: create or reset it, back it up while it is in use.
 */
import { existsSync, rmSync } from 'node:fs'
import { createClient } from '@libsql/client'
import { resolveDatabaseConfig } from './client.js'
import { Database } from './database.js'
import { migrate } from './migrate.js'

export interface SetupResult {
  path: string
  /** Where the previous file was copied before a reset. */
  backup?: string
  /** Migrations applied now. */
  applied: number
}

/** A file name for a backup of `path` taken now: `agor.db.2026-11-22T03-55-53-027Z.bak`. */
export function backupName(path: string, now = new Date()): string {
  return `${path}.${now.toISOString().replaceAll(':', '-').replace('.', '-')}.bak`
}

/**
 * Makes a consistent copy of a local database, even while other processes write to it: SQLite's
 * VACUUM INTO reads one snapshot and writes a compact new file.
 */
export async function backupDatabase(path: string, target: string): Promise<void> {
  if (existsSync(target)) throw new Error(`${target} already exists`)
  // A short-lived client of its own: VACUUM must not run on a pooled connection that others use.
  const client = createClient({ url: `file:${path}` })
  try {
    await client.execute({ sql: 'VACUUM INTO ?', args: [target] })
  } finally {
    client.close()
  }
}

/**
 * Creates the database file at `path` (folders included) and applies the migrations. With
 * `reset`, an existing file is first backed up next to itself, then replaced by an empty one.
 */
export async function setupDatabase(path: string, options: { reset?: boolean } = {}): Promise<SetupResult> {
  const config = resolveDatabaseConfig({ url: path })
  if (config.mode !== 'file') throw new Error('setup works on a local database file')
  const file = config.path!
  let backup: string | undefined
  if (options.reset && existsSync(file)) {
    backup = backupName(file)
    await backupDatabase(file, backup)
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true })
  }
  const db = await Database.open(config)
  try {
    return { path: file, backup, applied: await migrate(db.client) }
  } finally {
    db.close()
  }
}
