/**
 * Checking a database: SQLite's integrity check, the foreign keys, and the migrations. Damage is
 * what a check is for, so it is reported, not thrown: what can be checked is, and what cannot be
 * read says so. Other failures (an unreachable server) still throw.
 */
import { DatabaseFileError } from '../errors.js'
import { quoteIdent } from '../schema/sql.js'
import { driverCode } from './driver-errors.js'
import { type MigrationStatus, type MigrationTarget, migrationStatus } from './migrate.js'

/** A row whose foreign key names a document that does not exist. */
export interface ForeignKeyProblem {
  table: string
  /** The primary key of the row (its rowid when the table has no single-column key). */
  id: string
  /** The table the key should point into. */
  parent: string
}

export interface CheckReport {
  /** `['ok']`, or what SQLite's integrity check found (at most 100 problems), or why it could not run. */
  integrity: string[]
  foreignKeys: ForeignKeyProblem[]
  /** The migrations applied against this version's; null when they could not be read. */
  migrations: MigrationStatus | null
  /** False when nothing in the file can be read: it is not a database, or its first page is damaged. */
  readable: boolean
  /** The file is damaged: the integrity check found problems, or a part of it could not be read. */
  damaged: boolean
  /** What else could not be checked, and why (the integrity check says so in `integrity`). */
  unchecked: string[]
  /** Readable, not damaged, no foreign key problem, and no migration from a newer version. */
  ok: boolean
}

/** True for a failure that means the file is damaged or is no database. */
export function isDamage(error: unknown): boolean {
  if (error instanceof DatabaseFileError)
    return error.problem === 'damaged' || error.problem === 'not-a-database'
  return /^SQLITE_(CORRUPT|NOTADB)/.test(driverCode(error) ?? '')
}

/** Runs one check; damage makes it a line of `unchecked` instead of an error. */
export async function attempt<T>(
  what: string,
  unchecked: string[],
  work: () => Promise<T>
): Promise<T | undefined> {
  try {
    return await work()
  } catch (error) {
    if (!isDamage(error)) throw error
    unchecked.push(`${what}: a damaged part of the file cannot be read`)
    return undefined
  }
}

/**
 * Checks a database: `PRAGMA integrity_check` (or, when damage stops it, the lighter
 * `quick_check`), `PRAGMA foreign_key_check`, and the migrations applied against this version's.
 *
 * @example
 * const report = await checkDatabase(db)
 * if (!report.ok) console.error(report.integrity, report.foreignKeys, report.unchecked)
 */
export async function checkDatabase(client: MigrationTarget): Promise<CheckReport> {
  const unchecked: string[] = []
  const lines = async (pragma: string) =>
    (await client.execute(pragma)).rows.flatMap((r) => String(r[0]).split('\n'))
  // integrity_check stops at some damage that quick_check (no index contents) reports in words
  const full = await attempt('integrity check', [], () => lines('PRAGMA integrity_check(100)'))
  const integrity = full ??
    (await attempt('integrity check', [], () => lines('PRAGMA quick_check(100)'))) ?? [
      'the check could not finish: a damaged part of the file cannot be read'
    ]
  const foreignKeys = (await attempt('foreign keys', unchecked, () => foreignKeyProblems(client))) ?? []
  const migrations = (await attempt('migrations', unchecked, () => migrationStatus(client))) ?? null
  const damaged = !full || !(integrity.length === 1 && integrity[0] === 'ok') || unchecked.length > 0
  const ok = !damaged && foreignKeys.length === 0 && migrations !== null && migrations.unknown.length === 0
  return { integrity, foreignKeys, migrations, readable: true, damaged, unchecked, ok }
}

/** The report on a file that could not be opened because of `damage` (see isDamage). */
export function unreadableReport(damage: Error): CheckReport {
  return {
    integrity: [damage.message],
    foreignKeys: [],
    migrations: null,
    readable: false,
    damaged: true,
    unchecked: ['foreign keys', 'migrations'].map((what) => `${what}: nothing in the file can be read`),
    ok: false
  }
}

async function foreignKeyProblems(client: MigrationTarget): Promise<ForeignKeyProblem[]> {
  const { rows } = await client.execute('PRAGMA foreign_key_check')
  const problems: ForeignKeyProblem[] = []
  for (const row of rows.slice(0, 100)) {
    const table = String(row.table)
    problems.push({
      table,
      id: await primaryKeyOf(client, table, Number(row.rowid)),
      parent: String(row.parent)
    })
  }
  return problems
}

async function primaryKeyOf(client: MigrationTarget, table: string, rowid: number): Promise<string> {
  const info = await client.execute({
    sql: 'SELECT name FROM pragma_table_info(?) WHERE pk > 0',
    args: [table]
  })
  if (info.rows.length !== 1) return `rowid ${rowid}`
  const column = quoteIdent(String(info.rows[0]!.name))
  const { rows } = await client.execute({
    sql: `SELECT ${column} AS id FROM ${quoteIdent(table)} WHERE rowid = ?`,
    args: [rowid]
  })
  return String(rows[0]?.id ?? `rowid ${rowid}`)
}
