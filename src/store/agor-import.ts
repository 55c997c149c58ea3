/**
 * `agor db import-agor`: moves a database of agor itself (its SQLite file, as agor's migrations
 * leave it) into this store. Every row of every table is mapped (agor-rows.ts) and checked first:
 * against its collection's schema, against the unique keys, and for references to documents that
 * exist neither in the file nor in the store. Any problem refuses the whole import with a report
 * of them; otherwise everything is written in one transaction, ids, timestamps and authorship
 * kept, users' bcrypt password hashes included. A document whose id the store holds already is
 * left as it is, so a second run changes nothing.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BadRequest, FeathersError, NotFound } from '@feathersjs/errors'
import Libsql from 'libsql'
import { type CollectionName, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { CREDENTIALS_TABLE } from '../schema/users.js'
import { type AgorProblem, dangling, duplicates, existing, invalid, taken } from './agor-checks.js'
import { AGOR_TABLES, type AgorTable } from './agor-rows.js'
import type { AgorRow } from './agor-values.js'
import type { Database } from './database.js'
import { importDocuments } from './import.js'
import type { Document } from './row.js'
import { EXPORT_FORMAT, MANIFEST, type Manifest } from './transfer-files.js'

/** What an import did (or, dry, would do) per agor table. */
export interface AgorTableReport {
  table: string
  collection: CollectionName
  rows: number
  /** Documents written (dry: that would be). */
  imported: number
  /** Documents whose id the store holds already: left as they are. */
  skipped: number
  /** agor's columns and `data` keys that no field keeps, with the number of rows that had them. */
  leftOut: Record<string, number>
}

export type { AgorProblem } from './agor-checks.js'

export interface AgorImportReport {
  dryRun: boolean
  tables: AgorTableReport[]
  /** Users whose password (agor's bcrypt hash) was kept. */
  passwords: number
}

/** Problems listed in a refusal: the first ones say enough, the count says how many. */
const PROBLEMS_SHOWN = 100
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/

interface Planned {
  spec: AgorTable
  rows: number
  /** The rows that could be read, as documents. */
  docs: Document[]
  leftOut: Record<string, number>
  /** Rows that could not be read at all. */
  unreadable: AgorProblem[]
}

/**
 * Imports the agor database at `path` into `database` (its default workspace).
 *
 * @example
 * const report = await importAgor(store.database, '~/.agor/agor.db', { dryRun: true })
 */
export async function importAgor(
  database: Database,
  path: string,
  options: { dryRun?: boolean } = {}
): Promise<AgorImportReport> {
  const { tables, passwords } = readAgor(path)
  const planned = AGOR_TABLES.map((spec) => plan(spec, tables.get(spec.table) ?? []))
  const problems = planned.flatMap(({ unreadable }) => unreadable)
  problems.push(...planned.flatMap(({ spec, docs }) => docs.flatMap((doc) => invalid(spec, doc))))
  problems.push(...duplicates(planned), ...(await dangling(database, planned)))
  problems.push(...(await taken(database, planned)))
  if (problems.length > 0) {
    throw new BadRequest(
      `The agor database does not fit: ${problems.length} problem${problems.length === 1 ? '' : 's'}, nothing was written`,
      { problems: problems.slice(0, PROBLEMS_SHOWN), total: problems.length }
    )
  }
  const stored = await storedIds(database, planned)
  const kept = [...passwords].filter(([id, hash]) => BCRYPT.test(hash) && !stored.has(id))
  const report = (imported: (p: Planned) => number): AgorImportReport => ({
    dryRun: options.dryRun === true,
    tables: planned.map((p) => ({
      table: p.spec.table,
      collection: p.spec.collection,
      rows: p.rows,
      imported: imported(p),
      skipped: p.docs.length - imported(p),
      leftOut: p.leftOut
    })),
    passwords: kept.length
  })
  const fresh = (p: Planned) => p.docs.filter((doc) => !stored.has(idOf(p, doc))).length
  if (options.dryRun) return report(fresh)
  const result = await writeAll(database, planned, kept)
  return report((p) => result[p.spec.collection] ?? 0)
}

const idOf = (p: Planned, doc: Document) => String(doc[collections[p.spec.collection].idField])

/** agor's tables, read whole, and its users' password hashes; a file of another kind is refused. */
function readAgor(path: string): { tables: Map<string, AgorRow[]>; passwords: Map<string, string> } {
  if (!existsSync(path)) throw new NotFound(`There is no agor database at ${path}`)
  if (statSync(path).isDirectory()) throw new BadRequest(`${path} is a folder, not agor's database file`)
  try {
    return readTables(path)
  } catch (error) {
    if (error instanceof FeathersError) throw error
    throw new BadRequest(`${path} cannot be read as agor's database: ${(error as Error).message}`)
  }
}

function readTables(path: string): { tables: Map<string, AgorRow[]>; passwords: Map<string, string> } {
  const db = new Libsql(path, { readonly: true, fileMustExist: true })
  try {
    const present = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (r) => r.name
      )
    )
    const missing = AGOR_TABLES.map((t) => t.table).filter((table) => !present.has(table))
    if (missing.length > 0)
      throw new BadRequest(`${path} is not an agor database: it has no ${missing.join(', ')} table`)
    // this store's own tables have the same names: agor's sessions name their agent in a column
    const columns = db.prepare("SELECT name FROM pragma_table_info('sessions')").all() as { name: string }[]
    if (!columns.some((c) => c.name === 'agentic_tool'))
      throw new BadRequest(
        `${path} is not an agor database (its sessions have no agentic_tool): an agor-store database moves with agor db export and import`
      )
    const tables = new Map<string, AgorRow[]>()
    for (const { table } of AGOR_TABLES)
      tables.set(table, db.prepare(`SELECT * FROM ${quoteIdent(table)}`).all() as AgorRow[])
    const passwords = new Map<string, string>()
    for (const user of tables.get('users') ?? [])
      if (typeof user.password === 'string') passwords.set(String(user.user_id), user.password)
    return { tables, passwords }
  } finally {
    db.close()
  }
}

/** A table's rows as documents, with what they left out counted. */
function plan(spec: AgorTable, rows: readonly AgorRow[]): Planned {
  const leftOut: Record<string, number> = {}
  const unreadable: AgorProblem[] = []
  const docs: Document[] = []
  for (const row of rows) {
    const mapped = spec.map(row)
    for (const key of mapped.leftOut) leftOut[key] = (leftOut[key] ?? 0) + 1
    const id = String(mapped.doc[collections[spec.collection].idField] ?? '(none)')
    for (const { field, message } of mapped.unreadable ?? [])
      unreadable.push({ table: spec.table, id, field, message })
    if (!mapped.unreadable) docs.push(mapped.doc)
  }
  if (spec.table === 'users') {
    // the password is kept (apart from the document), an unreadable one is reported
    const unreadable = rows.filter((row) => typeof row.password !== 'string' || !BCRYPT.test(row.password))
    if (unreadable.length > 0) leftOut['password (not a bcrypt hash)'] = unreadable.length
  }
  return { spec, rows: rows.length, docs, leftOut, unreadable }
}

/** The ids among the planned documents that the store holds already. */
async function storedIds(database: Database, planned: readonly Planned[]): Promise<Set<string>> {
  const stored = new Set<string>()
  for (const p of planned) {
    const def = collections[p.spec.collection]
    for (const id of await existing(
      database,
      def,
      p.docs.map((doc) => idOf(p, doc))
    ))
      stored.add(String(id))
  }
  return stored
}

/** Writes every document (an export folder of them, imported) and the kept passwords, in one transaction. */
async function writeAll(
  database: Database,
  planned: readonly Planned[],
  passwords: readonly [string, string][]
): Promise<Partial<Record<CollectionName, number>>> {
  const dir = mkdtempSync(join(tmpdir(), 'agor-import-'))
  try {
    const counts: Manifest['counts'] = {}
    for (const { spec, docs } of planned) {
      writeFileSync(
        join(dir, `${spec.collection}.jsonl`),
        docs.map((doc) => `${JSON.stringify(doc)}\n`).join('')
      )
      counts[spec.collection] = docs.length
    }
    const manifest: Manifest = {
      format: EXPORT_FORMAT,
      version: 1,
      exported_at: new Date().toISOString(),
      counts
    }
    writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest))
    const result = await importDocuments(database, dir, {
      onConflict: 'skip',
      alongside: async (tx) => {
        for (const [userId, hash] of passwords)
          await tx.execute({
            sql: `INSERT INTO ${CREDENTIALS_TABLE} (user_id, hash, updated_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING`,
            args: [userId, hash, Date.now()]
          })
      }
    })
    return result.imported
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
