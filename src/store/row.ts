/**
 * The one mapping between a document (the flat API shape) and its table row. Every write builds
 * its row with `toRow`, every read builds its document with `fromRow`.
 */
import type { InValue, Row } from '../db/connection.js'
import type { AnyDefinition } from '../schema/collection.js'
import { quoteIdent } from '../schema/sql.js'

export type Document = Record<string, unknown>

export interface RowMapper {
  /** Column names in table order. */
  columns: readonly string[]
  /** The quoted column list for SELECT and INSERT. */
  columnList: string
  /** Column values in `columns` order. */
  toRow(doc: Document): InValue[]
  fromRow(row: Row): Document
  /**
   * The document of a row given by position, its columns first in `columns` order (a row or its
   * values); also what `values` from `toRow` store, which a read of the row will return.
   */
  fromValues(values: ArrayLike<InValue>): Document
}

/** Converts an API timestamp to the stored milliseconds. */
export function toMillis(iso: string): number {
  return Date.parse(iso)
}

/** Converts stored milliseconds to the API timestamp. */
export function toIso(ms: number): string {
  return new Date(ms).toISOString()
}

function hasAnyOwn(object: object, keys: readonly string[]): boolean {
  for (const key of keys) if (Object.hasOwn(object, key)) return true
  return false
}

export function rowMapper(def: AnyDefinition): RowMapper {
  const keyNames = def.keyColumns.map((k) => k.name)
  const head = [def.idField, ...(def.statuses ? ['status'] : []), 'created_at', 'updated_at']
  const columns = [...head, ...keyNames, 'data']
  const inColumns = new Set(columns)
  const skipped = [...columns, '__proto__']

  return {
    columns,
    columnList: columns.map(quoteIdent).join(', '),
    toRow(doc) {
      const data: Document = {}
      for (const key of Object.keys(doc)) {
        if (!inColumns.has(key) && doc[key] !== undefined) data[key] = doc[key]
      }
      const values: InValue[] = [doc[def.idField] as string]
      if (def.statuses) values.push(doc.status as string)
      const created = toMillis(doc.created_at as string)
      // a document written once has the same timestamp twice: convert it once
      values.push(created, doc.updated_at === doc.created_at ? created : toMillis(doc.updated_at as string))
      for (const name of keyNames) values.push((doc[name] as string | null | undefined) ?? null)
      values.push(JSON.stringify(data))
      return values
    },
    fromRow(row) {
      const values: InValue[] = new Array(columns.length)
      for (let i = 0; i < columns.length; i++) values[i] = row[columns[i]!] as InValue
      return fromValues(values)
    },
    fromValues
  }

  function fromValues(values: ArrayLike<InValue>): Document {
    let i = 0
    const doc: Document = { [def.idField]: values[i++] }
    if (def.statuses) doc.status = values[i++]
    const created = Number(values[i++])
    const updated = Number(values[i++])
    doc.created_at = toIso(created)
    doc.updated_at = updated === created ? doc.created_at : toIso(updated)
    for (const name of keyNames) doc[name] = values[i++] ?? null
    const data = JSON.parse(String(values[i])) as Document
    if (!hasAnyOwn(data, skipped)) return Object.assign(doc, data)
    // a column's name in data (not written by this version) must not shadow the column, and a
    // `__proto__` key (another tool's: the store refuses them) would set the prototype
    for (const key of Object.keys(data)) {
      if (!inColumns.has(key) && key !== '__proto__') doc[key] = data[key]
    }
    return doc
  }
}
