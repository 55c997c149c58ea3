/**
 * Timestamps inside documents (a task's `started_at`, a message's `timestamp`) are kept as UTC with
 * milliseconds, the form `created_at` reads in: their text is what `$sort` and `$lt` compare, and
 * `…T00:30:00+01:00` would sort after `…T00:00:00Z` though it is half an hour earlier.
 */
import { z } from 'zod'
import { ValidationError } from '../errors.js'
import { type AnyDefinition, isoTimestamp } from '../schema/collection.js'
import { unwrap } from '../schema/fields.js'
import { isPlainObject } from './plain-json.js'
import type { Document } from './row.js'
import { type Check, checkOf } from './schema-checks.js'

/** A timestamp field: where it is, and its schema's verdict on a text. */
interface TimestampField {
  path: readonly string[]
  check: Check
}

/** The store sets these (columns, converted by the row mapper). */
const COLUMNS = new Set(['created_at', 'updated_at'])
/** An ISO timestamp with its offset, as the store's timestamp fields take them (zod, when asked). */
let timestampCheck: Check | undefined
function isTimestamp(text: string): boolean {
  timestampCheck ??= checkOf(isoTimestamp())
  return timestampCheck(text)
}
/** What an ISO timestamp not in the canonical form looks like: only these need a closer look. */
const OTHER_FORM = /^\d{4}-\d\d-\d\dT.*(?:Z|[+-]\d\d:?\d\d)$/i
/** The canonical form: a valid text in it is its own conversion (an invalid one, validation's). */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const fieldsBySchema = new WeakMap<z.ZodObject, readonly TimestampField[]>()

/** The ISO timestamp fields of a document schema, through nested objects (not arrays). */
function timestampFields(schema: z.ZodObject): readonly TimestampField[] {
  let fields = fieldsBySchema.get(schema)
  if (!fields) {
    fields = collect(schema, [])
    fieldsBySchema.set(schema, fields)
  }
  return fields
}

function collect(schema: z.ZodObject, path: readonly string[]): TimestampField[] {
  const found: TimestampField[] = []
  for (const [key, field] of Object.entries(schema.shape)) {
    if (path.length === 0 && COLUMNS.has(key)) continue
    const inner = unwrap(field as z.ZodType)
    if (inner instanceof z.ZodStringFormat && inner.format === 'datetime')
      found.push({ path: [...path, key], check: checkOf(inner) })
    else if (inner instanceof z.ZodObject) found.push(...collect(inner, [...path, key]))
  }
  return found
}

/**
 * Writes each valid timestamp of `doc` in the canonical form (`2025-12-31T23:30:00.000Z`). `doc`
 * is the write's own; the objects on the way to a timestamp it changes are copied, not changed:
 * they may be the stored document's. Invalid text is left for validation to refuse; an instant
 * whose UTC year is outside 0000-9999, which the form cannot write, is refused here.
 */
export function canonicalTimestamps(def: AnyDefinition, doc: Document): void {
  for (const { path, check } of timestampFields(def.schema)) {
    // the objects that hold each key of the path, `doc` first
    const holders: Document[] = []
    let value: unknown = doc
    for (const key of path) {
      if (!isPlainObject(value) || !Object.hasOwn(value, key)) break
      holders.push(value)
      value = value[key]
    }
    if (holders.length !== path.length || typeof value !== 'string') continue
    // the commonest timestamp is in the canonical form already: a regular expression tells
    if (!looksLikeInstant(value) || !check(value)) continue
    const canonical = utcText(value)
    if (canonical === undefined) {
      const message = 'Must be an instant of the years 0000 to 9999 in UTC'
      throw new ValidationError(def.singular, [{ path: [...path], message, code: 'invalid_format' }])
    }
    let target = doc
    for (let i = 1; i < path.length; i++) {
      const copy = { ...holders[i]! }
      target[path[i - 1]!] = copy
      target = copy
    }
    target[path[path.length - 1]!] = canonical
  }
}

/**
 * The canonical text of an ISO timestamp with its offset, as timestamp fields store it (a
 * condition on one compares that text); undefined for text that is none, or whose UTC year is
 * outside 0000-9999 (Date.parse alone would read 30 February as 2 March).
 */
export function instantText(text: string): string | undefined {
  if (!isTimestamp(text)) return undefined
  return CANONICAL.test(text) ? text : utcText(text)
}

/** The canonical text of a valid timestamp; undefined outside the years 0000-9999 in UTC. */
function utcText(valid: string): string | undefined {
  const iso = new Date(Date.parse(valid)).toISOString()
  // a year outside 0000-9999 is written with six digits and a sign
  return iso.length === 24 ? iso : undefined
}

/** Whether `text` may be an ISO timestamp in another form than the canonical one (a quick look). */
function looksLikeInstant(text: string): boolean {
  return !CANONICAL.test(text) && OTHER_FORM.test(text)
}
