/**
 * Explains a write that the database refused. SQLite reports which constraint failed but not for
 * which value, so the documents of the write are checked to name the culprit. A trigger's refusal
 * of an ancestor loop is explained in its words too (ancestor-loops.ts).
 */
import { BadRequest } from '@feathersjs/errors'
import type { Executor } from '../db/connection.js'
import { driverCode } from '../db/driver-errors.js'
import { MissingReferenceError, UniqueViolationError } from '../errors.js'
import type { AnyDefinition } from '../schema/collection.js'
import { columnsInJsonTuples, quoteIdent } from '../schema/sql.js'
import { IN_WORKSPACE, WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { explainLoop, refusedLoop } from './ancestor-loops.js'
import type { Document } from './row.js'
import { STALE_WRITE } from './write-views.js'

const FAILED_COLUMNS = /([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)/g

/**
 * True when an update through a write view found its row changed (or gone) since it was read: the
 * view's trigger refuses it (see write-views.ts).
 */
export function isStaleWrite(error: unknown): boolean {
  return (
    driverCode(error)?.startsWith('SQLITE_CONSTRAINT') === true &&
    String((error as Error).message).includes(STALE_WRITE)
  )
}

/** The collection and workspace a write was for: the values are looked for there. */
export interface WriteScope {
  definition: AnyDefinition
  workspace: string
}

/** Where the explaining queries run: the database, or the transaction the write failed in. */
type Reader = Executor

/**
 * Returns the error to throw for a failed write of `docs`: a 409 or 400 that names the value.
 * Inside a transaction pass the transaction: the queries must see its writes (and the database
 * itself waits until the transaction ends).
 */
export async function explainWriteError(
  error: unknown,
  db: Reader,
  { definition: def, workspace }: WriteScope,
  docs: readonly Document[]
): Promise<unknown> {
  const code = driverCode(error)
  if (!code?.startsWith('SQLITE_CONSTRAINT')) return error
  const message = String((error as Error).message)
  const loop = refusedLoop(message, def)
  if (loop) return explainLoop(db, def, workspace, loop, docs)
  if (/UNIQUE|PRIMARY KEY/.test(message) || code.endsWith('UNIQUE') || code.endsWith('PRIMARYKEY')) {
    // a unique key within a workspace is reported as `t.workspace, t.key`: the key is the culprit
    const fields = [...message.matchAll(FAILED_COLUMNS)]
      .map((m) => m[2]!)
      .filter((c) => c !== WORKSPACE_COLUMN)
    if (fields.length > 1) {
      const values = await duplicateValues(db, def, fields, docs, workspace)
      return new UniqueViolationError(def.singular, fields, values)
    }
    const field = fields[0] ?? def.idField
    const value = await duplicateValue(db, def, field, docs, workspace)
    return new UniqueViolationError(def.singular, field, value)
  }
  if (/FOREIGN KEY/.test(message) || code.endsWith('FOREIGNKEY')) {
    for (const key of def.keyColumns) {
      if (!key.relation) continue
      const target = key.relation.target()
      const values = [...new Set(docs.map((d) => d[key.name]).filter((v) => typeof v === 'string'))]
      if (values.length === 0) continue
      const { rows } = await db.execute({
        sql: `SELECT value FROM json_each(?) WHERE value NOT IN (SELECT ${quoteIdent(target.idField)} FROM ${quoteIdent(target.name)} WHERE ${IN_WORKSPACE})`,
        args: [JSON.stringify(values), workspace]
      })
      if (rows.length > 0) return new MissingReferenceError(key.name, target.singular, rows[0]!.value)
    }
    return new BadRequest(`The ${def.singular} refers to a document that does not exist`)
  }
  return new BadRequest(`The ${def.singular} breaks a database constraint`)
}

async function duplicateValue(
  db: Reader,
  def: AnyDefinition,
  field: string,
  docs: readonly Document[],
  workspace: string
) {
  const seen = new Set<unknown>()
  for (const doc of docs) {
    if (seen.has(doc[field])) return doc[field]
    seen.add(doc[field])
  }
  // UUIDs are unique in the whole table (the caller gave the one it collides with); text keys and
  // unique keys per workspace
  const scoped = field !== def.idField || def.key === 'text'
  const { rows } = await db.execute({
    sql: `SELECT ${quoteIdent(field)} AS value FROM ${quoteIdent(def.name)} WHERE ${quoteIdent(field)} IN (SELECT value FROM json_each(?))${scoped ? ` AND ${IN_WORKSPACE}` : ''} LIMIT 1`,
    args: scoped ? [JSON.stringify([...seen]), workspace] : [JSON.stringify([...seen])]
  })
  return rows[0]?.value ?? null
}

/** The values of a unique key of several columns that a document of `docs` shares with another. */
async function duplicateValues(
  db: Reader,
  def: AnyDefinition,
  fields: readonly string[],
  docs: readonly Document[],
  workspace: string
): Promise<unknown[]> {
  const tuples = docs.map((doc) => fields.map((field) => doc[field] ?? null))
  const seen = new Set<string>()
  for (const tuple of tuples) {
    const key = JSON.stringify(tuple)
    if (seen.has(key)) return tuple
    seen.add(key)
  }
  const { rows } = await db.execute({
    sql: `SELECT ${fields.map(quoteIdent).join(', ')} FROM ${quoteIdent(def.name)} WHERE ${columnsInJsonTuples(fields)} AND ${IN_WORKSPACE} LIMIT 1`,
    args: [JSON.stringify(tuples), workspace]
  })
  const row = rows[0]
  return row ? fields.map((field) => row[field] ?? null) : (tuples[0] ?? [])
}
