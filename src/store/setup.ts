/**
 * Creating (or resetting) a local database file: its schema, write views and triggers, all of them
 * (what a store makes when it opens, so that another tool's writes are recorded from the start).
 */
import { existsSync, rmSync } from 'node:fs'
import { backupDatabase, backupName } from '../db/admin.js'
import { resolveDatabaseConfig } from '../db/config.js'
import { openConnection } from '../db/open.js'
import { prepareSchema } from './schema-sync.js'

export interface SetupResult {
  path: string
  /** Where the previous file was copied before a reset. */
  backup?: string
  /** Migrations applied now. */
  applied: number
}

/**
 * Creates the database file at `path` (folders included) and brings it to this version's schema. With
 * `reset`, an existing file is first backed up next to itself, then replaced by an empty one.
 *
 * @example
 * const { backup, applied } = await setupDatabase('/home/me/.agor/agor.db', { reset: true })
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
  const db = await openConnection(config)
  try {
    return { path: file, backup, applied: await prepareSchema(db, file) }
  } finally {
    db.close()
  }
}
