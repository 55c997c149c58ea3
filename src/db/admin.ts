/**
 * Administration of a database: back a local file up while it is in use, open one without
 * migrating it (check.ts checks it; store/setup.ts creates or resets one).
 */
import './quiet-driver.js'
import { existsSync } from 'node:fs'
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
import { NativeDatabase } from './native.js'
import { openConnection } from './open.js'

export { type CheckReport, checkDatabase, type ForeignKeyProblem } from './check.js'

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
