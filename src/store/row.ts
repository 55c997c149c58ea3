/**
 * The one mapping between a document (the flat API shape) and its table row. Every write builds
 * its row with `toRow`, every read builds its document with `fromRow`.
 */
import type { InValue, Row } from '../db/connection.js'
import type { AnyDefinition } from '../schema/collection.js'
import { quoteIdent } from '../schema/sql.js'
import { hasAnyOwn } from './plain-json.js'

export type Document = Record<string, unknown>

/** A new document's row, and the document a read of that row returns. */
export interface Written {
  values: InValue[]
  doc: Document
}

export interface RowMapper {
  /** Column names in table order. */
  columns: readonly string[]
  /** The quoted column list for SELECT and INSERT. */
  columnList: string
  /** Column values in `columns` order. */
  toRow(doc: Document): InValue[]
  /**
   * The row of a new document (`toRow`) and the document a read of it returns (`fromValues`),
   * built without parsing the JSON just written: `doc`'s values must be its own, not shared
   * with anything else (Drafts copies what a write is given).
   */
  written(doc: Document): Written
  fromRow(row: Row): Document
  /**
   * The document of a row given by position, its columns first in `columns` order (a row or its
   * values); also what `values` from `toRow` store, which a read of the row will return.
   */
  fromValues(values: ArrayLike<InValue>): Document
}

let lastParsedIso = ''
let lastParsedMs = Number.NaN

/** Converts an API timestamp to the stored milliseconds. */
export function toMillis(iso: string): number {
  // the documents of one write share their timestamps (an array create of 1,000: one parse)
  if (iso !== lastParsedIso) {
    lastParsedMs = Date.parse(iso)
    lastParsedIso = iso
  }
  return lastParsedMs
}

let lastMs = Number.NaN
let lastIso = ''

/** Converts stored milliseconds to the API timestamp. */
export function toIso(ms: number): string {
  // the documents of one write, and rows written together, share their milliseconds
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString()
    lastMs = ms
    // the timestamp a write makes is converted back for its row: that parse is known already
    // (for whole milliseconds, which the text keeps exactly)
    if (Number.isInteger(ms)) {
      lastParsedIso = lastIso
      lastParsedMs = ms
    }
  }
  return lastIso
}

export function rowMapper(def: AnyDefinition): RowMapper {
  const keyNames = def.keyColumns.map((k) => k.name)
  const head = [def.idField, ...(def.statuses ? ['status'] : []), 'created_at', 'updated_at']
  const columns = [...head, ...keyNames, 'data']
  const inColumns = new Set(columns)
  const skipped = [...columns, '__proto__']
  // where each column's value goes in a row: a null-prototype map, so that no key is inherited
  const columnAt: Record<string, number> = Object.create(null)
  for (const [i, name] of columns.entries()) columnAt[name] = i
  const created = head.indexOf('created_at')
  const dataAt = columns.length - 1

  return {
    columns,
    columnList: columns.map(quoteIdent).join(', '),
    toRow: (doc) => split(doc).values,
    written(doc) {
      const { values, data } = split(doc)
      return { values, doc: Object.assign(headOf(values), data) }
    },
    fromRow(row) {
      const values: InValue[] = new Array(columns.length)
      for (let i = 0; i < columns.length; i++) values[i] = row[columns[i]!] as InValue
      return fromValues(values)
    },
    fromValues
  }

  /**
   * A document's row values and the fields it keeps in `data`, in one pass over the keys it has.
   * Columns it lacks (most relations) are never looked up: reading a key an object lacks costs a
   * walk of its prototypes, ten times the read of one it has.
   */
  function split(doc: Document): { values: InValue[]; data: Document } {
    const values: InValue[] = new Array(columns.length).fill(null)
    const data: Document = {}
    for (const key of Object.keys(doc)) {
      const value = doc[key]
      const at = columnAt[key]
      if (at === undefined) {
        if (value !== undefined) data[key] = value
      } else if (at !== dataAt) {
        values[at] = (value as InValue | undefined) ?? null
      }
    }
    const createdAt = values[created]
    const ms = toMillis(createdAt as string)
    // a document written once has the same timestamp twice: convert it once
    values[created + 1] = values[created + 1] === createdAt ? ms : toMillis(values[created + 1] as string)
    values[created] = ms
    values[dataAt] = JSON.stringify(data)
    return { values, data }
  }

  /** The document's fields that have columns, from a row's values. */
  function headOf(values: ArrayLike<InValue>): Document {
    let i = 0
    const doc: Document = { [def.idField]: values[i++] }
    if (def.statuses) doc.status = values[i++]
    const created = Number(values[i++])
    const updated = Number(values[i++])
    doc.created_at = toIso(created)
    doc.updated_at = updated === created ? doc.created_at : toIso(updated)
    for (const name of keyNames) doc[name] = values[i++] ?? null
    return doc
  }

  function fromValues(values: ArrayLike<InValue>): Document {
    const doc = headOf(values)
    const data = JSON.parse(String(values[columns.length - 1])) as Document
    if (!hasAnyOwn(data, skipped)) return Object.assign(doc, data)
    // a column's name in data (not written by this version) must not shadow the column, and a
    // `__proto__` key (another tool's: the store refuses them) would set the prototype
    for (const key of Object.keys(data)) {
      if (!inColumns.has(key) && key !== '__proto__') doc[key] = data[key]
    }
    return doc
  }
}
