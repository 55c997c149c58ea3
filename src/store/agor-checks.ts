/**
 * What refuses an import of agor's database (agor-import.ts): a document its collection's schema
 * refuses, two rows with one id or unique key, a reference to a row that exists neither in the
 * file nor in the store, a unique key a document of the store holds. Each is named by its table,
 * its row's id and its field.
 */
import { BadRequest } from '@feathersjs/errors'
import { ValidationError } from '../errors.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collections } from '../schema/index.js'
import { columnsInJsonTuples, quoteIdent } from '../schema/sql.js'
import { DEFAULT_WORKSPACE, IN_WORKSPACE } from '../schema/workspaces.js'
import type { AgorTable } from './agor-rows.js'
import type { Database } from './database.js'
import { assertPlainJson } from './plain-json.js'
import type { Document } from './row.js'
import { validateDocument } from './validate.js'

/** What a row of agor's database cannot be here: where, and why. */
export interface AgorProblem {
  table: string
  id: string
  field: string
  message: string
}

/** The documents planned from one agor table. */
export interface PlannedTable {
  spec: AgorTable
  docs: readonly Document[]
}

/** What the collection's schema says of a document. */
export function invalid(spec: AgorTable, doc: Document): AgorProblem[] {
  const def: AnyDefinition = collections[spec.collection]
  try {
    // what the store's import refuses of any document (a `__proto__` key, too deep a nesting)
    assertPlainJson(doc, def.singular)
    validateDocument(def, doc)
    return []
  } catch (error) {
    if (error instanceof BadRequest && !(error instanceof ValidationError))
      return [
        {
          table: spec.table,
          id: String(doc[def.idField] ?? '(none)'),
          field: '(row)',
          message: error.message
        }
      ]
    if (!(error instanceof ValidationError)) throw error
    const { issues } = error.data as { issues: { path: (string | number)[]; message: string }[] }
    return issues.map((issue) => ({
      table: spec.table,
      id: String(doc[def.idField] ?? '(none)'),
      field: issue.path.join('.') || '(row)',
      message: issue.message
    }))
  }
}

/** Rows that share an id or a unique key (agor enforces some of those only in its code). */
export function duplicates(planned: readonly PlannedTable[]): AgorProblem[] {
  const problems: AgorProblem[] = []
  for (const { spec, docs } of planned) {
    const def: AnyDefinition = collections[spec.collection]
    for (const key of [[def.idField], ...def.uniqueKeys]) {
      const seen = new Map<string, string>()
      for (const doc of docs) {
        const values = key.map((field) => doc[field])
        if (values.some((value) => value === null || value === undefined)) continue
        const tuple = JSON.stringify(values)
        const first = seen.get(tuple)
        const id = String(doc[def.idField])
        if (first === undefined) seen.set(tuple, id)
        else
          problems.push({
            table: spec.table,
            id,
            field: key.join(', '),
            message: `${tuple} is also ${def.singular} ${first}'s`
          })
      }
    }
  }
  return problems
}

/** References to documents that are neither in the file nor in the store. */
export async function dangling(database: Database, planned: readonly PlannedTable[]): Promise<AgorProblem[]> {
  const ids = new Map<string, Set<unknown>>()
  for (const { spec, docs } of planned) {
    const def = collections[spec.collection]
    ids.set(def.name, new Set(docs.map((doc) => doc[def.idField])))
  }
  const problems: AgorProblem[] = []
  for (const { spec, docs } of planned) {
    const def: AnyDefinition = collections[spec.collection]
    for (const key of def.keyColumns) {
      const target = key.relation?.target()
      if (!target) continue
      const known = ids.get(target.name) ?? new Set()
      const missing = docs.filter((doc) => doc[key.name] != null && !known.has(doc[key.name]))
      if (missing.length === 0) continue
      const found = await existing(
        database,
        target,
        missing.map((doc) => doc[key.name])
      )
      for (const doc of missing.filter((d) => !found.has(d[key.name])))
        problems.push({
          table: spec.table,
          id: String(doc[def.idField]),
          field: key.name,
          message: `no ${target.singular} ${String(doc[key.name])} exists`
        })
    }
  }
  return problems
}

/** Which of `values` are ids of `def`'s documents in the store. */
export async function existing(
  database: Database,
  def: AnyDefinition,
  values: unknown[]
): Promise<Set<unknown>> {
  const { rows } = await database.connection.execute({
    sql: `SELECT ${quoteIdent(def.idField)} AS id FROM ${quoteIdent(def.name)} WHERE ${quoteIdent(def.idField)} IN (SELECT value FROM json_each(?))`,
    args: [JSON.stringify([...new Set(values)])]
  })
  return new Set(rows.map((row) => row.id))
}

/**
 * Unique keys that documents of the store hold already, other than the planned documents'
 * own (which are left as they are): a slug, an email, a message's place in its session.
 */
export async function taken(database: Database, planned: readonly PlannedTable[]): Promise<AgorProblem[]> {
  const problems: AgorProblem[] = []
  for (const { spec, docs } of planned) {
    const def: AnyDefinition = collections[spec.collection]
    for (const key of def.uniqueKeys) {
      const held = docs.filter((doc) => key.every((field) => doc[field] != null))
      if (held.length === 0) continue
      const { rows } = await database.connection.execute({
        sql: `SELECT ${quoteIdent(def.idField)} AS id, json_array(${key.map(quoteIdent).join(', ')}) AS tuple FROM ${quoteIdent(def.name)} WHERE ${columnsInJsonTuples(key)} AND ${IN_WORKSPACE}`,
        args: [JSON.stringify(held.map((doc) => key.map((field) => doc[field]))), DEFAULT_WORKSPACE]
      })
      const holders = new Map(rows.map((row) => [String(row.tuple), String(row.id)]))
      for (const doc of held) {
        const holder = holders.get(JSON.stringify(key.map((field) => doc[field])))
        const id = String(doc[def.idField])
        if (holder !== undefined && holder !== id)
          problems.push({
            table: spec.table,
            id,
            field: key.join(', '),
            message: `${def.singular} ${holder} of the store holds the same`
          })
      }
    }
  }
  return problems
}
