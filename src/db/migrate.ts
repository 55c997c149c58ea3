/**
 * Applies the migrations drizzle-kit generated into drizzle/, keeping drizzle's own bookkeeping
 * table, so that `drizzle-kit migrate` and `studio` see the same state.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type MigrationMeta, readMigrationFiles } from 'drizzle-orm/migrator'
import { SchemaTooNewError } from '../errors.js'
import { counted } from '../words.js'
import type { Connection, Row } from './connection.js'

/** The folder that holds the generated migrations (it ships with the package). */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))
const TABLE = '__drizzle_migrations'

export interface AppliedMigration {
  hash: string
  createdAt: number
}

export interface MigrationStatus {
  /** Migrations of this version that the database has. */
  applied: LocalMigration[]
  /** Migrations of this version that the database lacks. */
  pending: LocalMigration[]
  /** Migrations the database has from a newer version of agor-store. */
  unknown: AppliedMigration[]
}

type LocalMigration = MigrationMeta & { tag: string }

/**
 * What migrations run on: a Connection (its queue, clean errors, and a replica's local copy synced
 * when the primary refuses a write) or a bare driver client.
 */
export type MigrationTarget = Pick<Connection, 'execute' | 'migrate'>

interface JournalEntry {
  tag: string
  /** The migration's time: drizzle's `folderMillis`, the `created_at` of its bookkeeping row. */
  when: number
}

let journalEntries: JournalEntry[] | undefined
let cached: LocalMigration[] | undefined

/**
 * This version's migrations as drizzle-kit's journal lists them: enough to tell which ones a
 * database has (by time), without reading and hashing every migration's SQL.
 */
function journal(): JournalEntry[] {
  journalEntries ??= (
    JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: JournalEntry[] }
  ).entries
  return journalEntries
}

/** This version's migrations, in order, each with its drizzle-kit tag (`0000_init`). */
export function localMigrations(): LocalMigration[] {
  if (!cached) {
    const entries = journal()
    const metas = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER })
    cached = metas.map((meta, i) => ({ ...meta, tag: entries[i]?.tag ?? String(meta.folderMillis) }))
  }
  return cached
}

/**
 * Compares the database's bookkeeping with the migrations of this version. One statement (one
 * round trip to a remote database): a database without the bookkeeping table has none applied.
 */
export async function migrationStatus(client: MigrationTarget): Promise<MigrationStatus> {
  let rows: Row[]
  try {
    rows = (await client.execute(APPLIED_MIGRATIONS)).rows
  } catch (error) {
    if (!isMissingTable(error)) throw error
    rows = []
  }
  return statusOf(rows)
}

/** The statement that reads the migrations a database has (rows for statusOf). */
export const APPLIED_MIGRATIONS = `SELECT hash, created_at FROM "${TABLE}" ORDER BY created_at`

/** True for the error of a statement on a table that is not there (a database not migrated yet). */
export function isMissingTable(error: unknown): boolean {
  return /no such table/i.test(String((error as Error)?.message))
}

/** The migrations of this version against those a database has (rows of APPLIED_MIGRATIONS). */
export function statusOf(rows: readonly Row[]): MigrationStatus {
  const { has, unknown } = compareApplied(rows)
  const local = localMigrations()
  return {
    applied: local.filter((m) => has(m.folderMillis)),
    pending: local.filter((m) => !has(m.folderMillis)),
    unknown
  }
}

/**
 * How many of this version's migrations a database lacks, and the ones it has from a newer version
 * (rows of APPLIED_MIGRATIONS): statusOf without the migrations' SQL, which an open that finds the
 * database current does not need.
 */
export function standingOf(rows: readonly Row[]): { pending: number; unknown: AppliedMigration[] } {
  const { has, unknown } = compareApplied(rows)
  return { pending: journal().filter((entry) => !has(entry.when)).length, unknown }
}

function compareApplied(rows: readonly Row[]) {
  const applied = rows.map((r) => ({ hash: String(r.hash), createdAt: Number(r.created_at) }))
  const appliedMillis = new Set(applied.map((a) => a.createdAt))
  const newest = journal().at(-1)?.when ?? 0
  return {
    has: (millis: number) => appliedMillis.has(millis),
    unknown: applied.filter((a) => a.createdAt > newest)
  }
}

/**
 * Brings the database up to this version's schema, in one transaction that runs `before` first.
 * Refuses a database that a newer version has migrated. Safe when several processes open a new database at once: the loser's transaction
 * fails, and it then finds the work done.
 */
export async function migrate(client: MigrationTarget, before: readonly string[] = []): Promise<number> {
  const status = await migrationStatus(client)
  assertNotNewer(status)
  if (status.pending.length === 0) return 0
  const statements = [
    `CREATE TABLE IF NOT EXISTS "${TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
    ...before
  ]
  const inserts = []
  for (const migration of status.pending) {
    statements.push(...migration.sql.map((s) => s.trim()).filter(Boolean))
    inserts.push({
      sql: `INSERT INTO "${TABLE}" ("hash", "created_at") VALUES (?, ?)`,
      args: [migration.hash, migration.folderMillis]
    })
  }
  try {
    await client.migrate([...statements, ...inserts])
  } catch (error) {
    const again = await migrationStatus(client)
    if (again.pending.length === 0) return 0
    throw error
  }
  return status.pending.length
}

/** Throws SchemaTooNewError for a database a newer agor-store migrated. */
export function assertNotNewer(status: Pick<MigrationStatus, 'unknown'>): void {
  if (status.unknown.length > 0) {
    throw new SchemaTooNewError(
      `The database was migrated by a newer agor-store (${counted(status.unknown.length, 'migration')} this version does not know). Upgrade agor-store to open it.`
    )
  }
}
