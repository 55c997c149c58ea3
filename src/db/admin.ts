/**
 * Administration of a database: create or reset a local file, back it up while it is in use,
 * and migrate it (check.ts checks it).
 */
import './quiet-driver.js'
import { existsSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { NoDatabaseError } from '../errors.js'
import {
  type DatabaseConfig,
  DEFAULT_BUSY_TIMEOUT,
  type ResolvedDatabaseConfig,
  resolveDatabaseConfig
} from './config.js'
import type { Connection } from './connection.js'
import { explainOpenError } from './driver-errors.js'
import { prepareLocalFile } from './local-file.js'
import { migrate } from './migrate.js'
import { NativeDatabase } from './native.js'
import { openConnection } from './open.js'

export { type CheckReport, checkDatabase, type ForeignKeyProblem } from './check.js'

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
 *
 * @example
 * await backupDatabase('/home/me/.agor/agor.db', '/backups/agor-2025-11-22.db')
 */
export async function backupDatabase(path: string, target: string): Promise<void> {
  prepareLocalFile(path, false)
  if (existsSync(target)) throw new Error(`${target} already exists`)
  const folder = dirname(resolve(target))
  if (!existsSync(folder)) throw new Error(`There is no folder ${folder}`)
  // A short-lived connection of its own, whatever else has the file open.
  let connection: NativeDatabase | undefined
  try {
    connection = new NativeDatabase(path, DEFAULT_BUSY_TIMEOUT)
    connection.run({ sql: 'VACUUM INTO ?', args: [target] })
  } catch (error) {
    throw explainOpenError(path, error)
  } finally {
    connection?.close()
  }
}

/**
 * Creates the database file at `path` (folders included) and applies the migrations. With
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
    return { path: file, backup, applied: await migrate(db) }
  } finally {
    db.close()
  }
}

/**
 * Opens a database for administration without migrating it. A local file must exist already
 * (NoDatabaseError otherwise): looking at a database must not create an empty one.
 */
export async function openExistingDatabase(
  config: DatabaseConfig | ResolvedDatabaseConfig
): Promise<Connection> {
  const resolved = 'mode' in config ? config : resolveDatabaseConfig(config)
  // a replica's file too: looking at it must not start a new copy
  if (resolved.mode === 'replica' && !existsSync(resolved.path!)) throw new NoDatabaseError(resolved.path!)
  return openConnection(resolved, { create: false })
}
