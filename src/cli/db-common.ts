/**
 * What the `agor db` commands share: the database they work on (never a daemon), and how they
 * open it and show migrations.
 */
import type { ResolvedDatabaseConfig } from '../db/config.js'
import type { Connection } from '../db/connection.js'
import type { MigrationStatus } from '../db/migrate.js'
import type { Context } from './context.js'
import { UsageError } from './errors.js'
import type { Output } from './output.js'
import { databaseConfig } from './source.js'

export async function configOf(context: Context): Promise<ResolvedDatabaseConfig> {
  if (context.options.url) throw new UsageError('agor db works on a database (--db), not on a daemon (--url)')
  return databaseConfig(context.options.db)
}

export async function localPathOf(context: Context, what: string): Promise<string> {
  const config = await configOf(context)
  if (!config.path)
    throw new UsageError(`${what} works on a local database file, not on ${config.mode} databases`)
  return config.path
}

export function report(output: Output, lines: string[]): void {
  for (const line of lines) output.out(line)
}

export async function withDatabase<T>(
  config: ResolvedDatabaseConfig,
  work: (db: Connection) => Promise<T>
): Promise<T> {
  const { openExistingDatabase } = await import('../db/admin.js')
  const db = await openExistingDatabase(config)
  try {
    return await work(db)
  } finally {
    db.close()
  }
}

export function migrationRows(status: MigrationStatus) {
  const row = (m: { tag: string; hash: string; folderMillis: number }) => ({
    tag: m.tag,
    hash: m.hash,
    created_at: new Date(m.folderMillis).toISOString()
  })
  return {
    applied: status.applied.map(row),
    pending: status.pending.map(row),
    unknown: status.unknown.map((u) => ({ hash: u.hash, created_at: new Date(u.createdAt).toISOString() }))
  }
}
