/**
 * The pieces agor-rows.ts maps agor's rows with: agor keeps timestamps in milliseconds, booleans
 * as 0/1 and the rest of a row as JSON text in `data`; documents here have ISO timestamps,
 * booleans and nested JSON.
 */
import { isPlainObject } from './plain-json.js'
import type { Document } from './row.js'

/** A row of an agor table, as the driver reads it (`data` still JSON text). */
export type AgorRow = Record<string, unknown>

/** What a row becomes: a document, and the `data` keys and columns it had that no field keeps. */
export interface Mapped {
  doc: Document
  leftOut: string[]
}

export const iso = (ms: unknown): string | null =>
  typeof ms === 'number' || typeof ms === 'bigint' ? new Date(Number(ms)).toISOString() : null
export const bool = (value: unknown): boolean | null =>
  value === null || value === undefined ? null : Boolean(Number(value))

/** The row's `data` column, parsed (a column that is no JSON object is kept as it is, to be refused). */
export function dataOf(row: AgorRow, column = 'data'): Record<string, unknown> {
  const text = row[column]
  if (typeof text !== 'string') return {}
  try {
    const parsed: unknown = JSON.parse(text)
    return isPlainObject(parsed) ? parsed : { [column]: parsed }
  } catch {
    return { [column]: text }
  }
}

/** The timestamps every document has: agor leaves updated_at empty until a row changes. */
export function times(row: AgorRow, updated: unknown = row.updated_at): Document {
  const created = iso(row.created_at)
  return { created_at: created, updated_at: iso(updated) ?? created }
}

/**
 * Builds a document from the row's columns (`columns`: field → value) and its data's keys
 * (`keys`: agor's key → field, or a function of the value): every data key no entry names is
 * left out, and reported, as are `dropped` columns.
 */
export function documentOf(
  row: AgorRow,
  columns: Document,
  keys: Record<string, string | ((value: unknown, doc: Document) => void)>,
  dropped: readonly string[] = []
): Mapped {
  const doc: Document = { ...columns }
  const data = dataOf(row)
  const leftOut = dropped.filter((column) => row[column] !== null && row[column] !== undefined)
  for (const [key, value] of Object.entries(data)) {
    const to = keys[key]
    if (to === undefined) leftOut.push(`data.${key}`)
    else if (typeof to === 'string') doc[to] = value
    else to(value, doc)
  }
  for (const key of Object.keys(doc)) if (doc[key] === undefined) delete doc[key]
  return { doc, leftOut }
}

/** The same keys in agor and here. */
export const same = (...names: string[]) => Object.fromEntries(names.map((name) => [name, name]))
/** A key agor keeps that this store derives (a session's task list, its children). */
export const derived = () => {}
