/**
 * The one mapping between a document (the flat API shape) and its table row. Every write builds
 * its row with `toRow` (or `written`), every read builds its document with `fromValues`.
 */
import type { InValue } from '../db/connection.js'
import { NOT_MILLISECONDS } from '../errors.js'
import type { AnyDefinition } from '../schema/collection.js'
import { quoteIdent } from '../schema/sql.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
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
  /**
   * The document of a row given by position, its columns first in `columns` order (a row or its
   * values); also what `values` from `toRow` store, which a read of the row will return.
   */
  fromValues(values: ArrayLike<InValue>): Document
}

/**
 * The last few timestamps made, both ways: a patch converts each of its own (the stored created_at
 * and updated_at, the new updated_at) between milliseconds and text several times. Only whole
 * milliseconds and the text toISOString gives for them: a pair always converts back exactly.
 */
const RECENT = 4
const recentMs: number[] = new Array(RECENT).fill(Number.NaN)
const recentIso: string[] = new Array(RECENT).fill('')
let recentNext = 0

/** A text given in another form (`…T00:00:00Z`) and its milliseconds: a write's items share it. */
let lastParsedIso = ''
let lastParsedMs = Number.NaN

/** Converts an API timestamp to the stored milliseconds. */
export function toMillis(iso: string): number {
  for (let i = 0; i < RECENT; i++) if (recentIso[i] === iso) return recentMs[i]!
  if (iso !== lastParsedIso) {
    lastParsedMs = Date.parse(iso)
    lastParsedIso = iso
  }
  return lastParsedMs
}

const MS_PER_DAY = 86_400_000
/** The first millisecond whose ISO text has more than four digits of year (10000-01-01). */
const YEAR_10000 = 253_402_300_800_000
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'))
/** The day of the last timestamp written out: its first millisecond, and its text up to the `T`. */
let dayStart = Number.NaN
let dayText = ''

/**
 * `YYYY-MM-DDT` of a day counted from 1970-01-01 (0 to 2,932,896), by the proleptic Gregorian
 * calendar's cycles of 400 years (H. Hinnant's days_from_civil, reversed): a patch's timestamps
 * are on different days, and Date with toISOString would cost most of what isoText saves.
 */
function dateText(day: number): string {
  const shifted = day + 719_468 // from 0000-03-01, so that a leap day ends its year
  const era = Math.floor(shifted / 146_097)
  const ofEra = shifted - era * 146_097
  const yearOfEra = Math.floor(
    (ofEra - Math.floor(ofEra / 1460) + Math.floor(ofEra / 36_524) - Math.floor(ofEra / 146_096)) / 365
  )
  const ofYear = ofEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const monthFromMarch = Math.floor((5 * ofYear + 2) / 153)
  const dayOfMonth = ofYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[dayOfMonth]}T`
}

/**
 * The text toISOString gives for `ms`, written from the day's text and the time of day: a page's
 * rows mostly share a day, and Date's toISOString costs ten times as much (0.45 µs).
 */
function isoText(ms: number): string {
  let ofDay = ms - dayStart
  if (!(ofDay >= 0 && ofDay < MS_PER_DAY && Number.isInteger(ofDay))) {
    if (!(Number.isInteger(ms) && ms >= 0 && ms < YEAR_10000)) return new Date(ms).toISOString()
    dayStart = ms - (ms % MS_PER_DAY)
    dayText = dateText(dayStart / MS_PER_DAY)
    ofDay = ms - dayStart
  }
  const seconds = Math.floor(ofDay / 1000)
  const minutes = Math.floor(seconds / 60)
  return `${dayText}${TWO_DIGITS[Math.floor(minutes / 60)]}:${TWO_DIGITS[minutes % 60]}:${TWO_DIGITS[seconds % 60]}.${THREE_DIGITS[ofDay % 1000]}Z`
}

/**
 * The milliseconds of a stored timestamp. Text (another program's: the column's affinity keeps
 * only what does not read as a number) has none: Number would make '' 1970 and NULL too.
 */
function millisOf(value: InValue | undefined): number {
  if (typeof value !== 'number') throw new RangeError(NOT_MILLISECONDS)
  return value
}

/** Converts stored milliseconds to the API timestamp. */
export function toIso(ms: number): string {
  for (let i = 0; i < RECENT; i++) if (recentMs[i] === ms) return recentIso[i]!
  const iso = isoText(ms)
  if (Number.isInteger(ms)) {
    recentMs[recentNext] = ms
    recentIso[recentNext] = iso
    recentNext = (recentNext + 1) % RECENT
  }
  return iso
}

export function rowMapper(def: AnyDefinition): RowMapper {
  const keyNames = def.keyColumns.map((k) => k.name)
  const head = [def.idField, ...(def.statuses ? ['status'] : []), 'created_at', 'updated_at']
  const columns = [...head, ...keyNames, 'data']
  // names that data never brings in as fields: the columns, and the workspace (a column the
  // statements set, never a field of the document), whichever tool wrote them into data
  const notFields = new Set([...columns, WORKSPACE_COLUMN])
  const skipped = [...notFields, '__proto__']
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
    const created = millisOf(values[i++])
    const updated = millisOf(values[i++])
    doc.created_at = toIso(created)
    doc.updated_at = updated === created ? doc.created_at : toIso(updated)
    for (const name of keyNames) doc[name] = values[i++] ?? null
    return doc
  }

  function fromValues(values: ArrayLike<InValue>): Document {
    const doc = headOf(values)
    const data = JSON.parse(String(values[columns.length - 1])) as Document
    if (!hasAnyOwn(data, skipped)) return Object.assign(doc, data)
    // a column's name in data (not written by this version) must not shadow the column nor
    // show the workspace, and a `__proto__` key (another tool's: the store refuses them) would
    // set the prototype
    for (const key of Object.keys(data)) {
      if (!notFields.has(key) && key !== '__proto__') doc[key] = data[key]
    }
    return doc
  }
}
