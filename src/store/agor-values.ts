/**
 * The pieces agor-rows.ts maps agor's rows with: agor keeps timestamps in milliseconds, booleans
 * as 0/1 and the rest of a row as JSON text in `data`; documents here have ISO timestamps,
 * booleans and nested JSON.
 */
import { isPlainObject } from './plain-json.js'
import type { Document } from './row.js'

/** A row of an agor table, as the driver reads it (`data` still JSON text). */
export type AgorRow = Record<string, unknown>

/**
 * What a row becomes: a document, the `data` keys (nested ones by their path) and columns it had
 * that no field keeps, and what of it cannot be read at all (a `data` that is no JSON object).
 */
export interface Mapped {
  doc: Document
  leftOut: string[]
  unreadable?: { field: string; message: string }[]
}

/** Maps one `data` key of agor's onto the document; reports the keys inside it that it does not keep. */
export type KeyMap = (value: unknown, doc: Document, leftOut: (key: string) => void) => void

/**
 * Milliseconds as an ISO timestamp; null stays null. Anything else (text, a time no Date can
 * hold) is kept as it is, for the schema to refuse by its field.
 */
export function iso(ms: unknown): unknown {
  if (typeof ms !== 'number' && typeof ms !== 'bigint') return ms ?? null
  const date = new Date(Number(ms))
  return Number.isNaN(date.getTime()) ? ms : date.toISOString()
}
export const bool = (value: unknown): boolean | null =>
  value === null || value === undefined ? null : Boolean(Number(value))

/** A JSON column of the row, parsed; undefined when it holds no JSON (or none). */
export function jsonOf(row: AgorRow, column: string): { value: unknown } | undefined {
  const text = row[column]
  if (typeof text !== 'string') return undefined
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/** The timestamps every document has: agor leaves updated_at empty until a row changes. */
export function times(row: AgorRow, updated: unknown = row.updated_at): Document {
  const created = iso(row.created_at)
  return {
    created_at: created,
    updated_at: updated === null || updated === undefined ? created : iso(updated)
  }
}

/** The keys of `value` that are not `kept`, reported by their path below `key`. */
export function others(
  value: Record<string, unknown>,
  kept: readonly string[],
  leftOut: (key: string) => void
): void {
  for (const key of Object.keys(value)) if (!kept.includes(key)) leftOut(key)
}

/**
 * Builds a document from the row's columns (`columns`: field → value) and its data's keys
 * (`keys`: agor's key → field, or a function of the value): every data key no entry names is
 * left out, and reported, as are `dropped` columns.
 */
export function documentOf(
  row: AgorRow,
  columns: Document,
  keys: Record<string, string | KeyMap>,
  dropped: readonly string[] = []
): Mapped {
  const doc: Document = { ...columns }
  const parsed = jsonOf(row, 'data')
  const leftOut = dropped.filter((column) => row[column] !== null && row[column] !== undefined)
  if (!parsed || !isPlainObject(parsed.value))
    return { doc, leftOut, unreadable: [{ field: 'data', message: 'is not a JSON object' }] }
  for (const [key, value] of Object.entries(parsed.value)) {
    // agor's key, never a member every object inherits (`constructor`, `__proto__`)
    const to = Object.hasOwn(keys, key) ? keys[key] : undefined
    if (to === undefined) leftOut.push(`data.${key}`)
    else if (typeof to === 'string') doc[to] = value
    else to(value, doc, (inner) => leftOut.push(`data.${key}.${inner}`))
  }
  for (const key of Object.keys(doc)) if (doc[key] === undefined) delete doc[key]
  return { doc, leftOut }
}

/** The same keys in agor and here. */
export const same = (...names: string[]) => Object.fromEntries(names.map((name) => [name, name]))
/** A key agor keeps that this store derives (a session's task list, its children). */
export const derived = () => {}

/**
 * An object of agor's whose keys a field here has under names of its own (`names`: agor's key →
 * ours), under `field`; the others are reported, but for `derived` ones (links this store keeps in
 * columns). A value that is no object is kept as it is, for the schema to refuse. `dropEmpty`: an
 * object with none of the keys sets no field.
 */
export function reshaped(
  field: string,
  names: Readonly<Record<string, string>>,
  options: { derived?: readonly string[]; dropEmpty?: boolean } = {}
): KeyMap {
  const known = [...Object.keys(names), ...(options.derived ?? [])]
  return (value, doc, leftOut) => {
    if (!isPlainObject(value)) {
      doc[field] = value
      return
    }
    const kept: Document = {}
    for (const [key, inner] of Object.entries(value)) if (Object.hasOwn(names, key)) kept[names[key]!] = inner
    others(value, known, leftOut)
    if (!options.dropEmpty || Object.keys(kept).length > 0) doc[field] = kept
  }
}

/** The keys of an object of agor's that a field here has, under `field` (see reshaped). */
export const picked = (field: string, keys: readonly string[]): KeyMap => reshaped(field, same(...keys))
