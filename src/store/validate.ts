/**
 * Validation of whole documents against a collection's zod schema. Strict on what a write adds,
 * tolerant of what is already stored: a key this version does not know passes only where the
 * stored document already has it (a newer version wrote it), and update carries such keys over.
 */
import { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import type { AnyDefinition } from '../schema/collection.js'
import { unwrap } from '../schema/fields.js'
import { assertPlainJson, isPlainObject, ownValue } from './plain-json.js'
import type { Document } from './row.js'

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let current = doc
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<PropertyKey, unknown>)[segment]
  }
  return current
}

export interface ValidationOptions {
  /** Accept unknown keys everywhere (imports of documents a newer version wrote). */
  allowUnknownKeys?: boolean
  /**
   * A shallow copy of `doc` as it was when it passed, before a collection adjusted it: its fields
   * that still hold the same text, number, boolean or null need no second look.
   */
  passed?: Document
}

/**
 * Throws a {@link ValidationError} listing every issue of `doc`. Unknown keys are accepted where
 * `stored` has them at the same place, and everywhere when `allowUnknownKeys` is set (imports of
 * documents written by a newer version).
 */
export function validateDocument(
  def: AnyDefinition,
  doc: Document,
  stored?: Document,
  options: ValidationOptions = {}
): void {
  const { allowUnknownKeys = false } = options
  if (passesFieldByField(def.schema, doc, options.passed)) return
  const result = def.schema.safeParse(doc)
  if (result.success) return
  const issues: ValidationIssue[] = []
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
    if (issue.code === 'unrecognized_keys') {
      if (allowUnknownKeys) continue
      const storedHere = valueAt(stored, path)
      const unknown = issue.keys.filter((k) => !isPlainObject(storedHere) || !Object.hasOwn(storedHere, k))
      for (const key of unknown)
        issues.push({ path: [...path, key], message: 'Unknown field', code: issue.code })
    } else {
      issues.push({ path, message: issue.message, code: issue.code })
    }
  }
  if (issues.length) throw new ValidationError(def.singular, issues)
}

/** A strict object schema's fields, and those a document must have (they refuse undefined). */
interface StrictFields {
  shape: Record<string, z.ZodType>
  required: readonly string[]
}

const strictFields = new WeakMap<z.ZodObject, StrictFields | null>()

function strictFieldsOf(schema: z.ZodObject): StrictFields | null {
  let fields = strictFields.get(schema)
  if (fields === undefined) {
    const { catchall, checks } = schema._zod.def
    // only a plain strict object is the sum of its fields: no checks of the whole, no extra keys
    const plain = catchall instanceof z.ZodNever && !checks?.length
    const shape = schema.shape as Record<string, z.ZodType>
    fields = plain
      ? { shape, required: Object.keys(shape).filter((key) => !mayBeLeftOut(shape[key]!)) }
      : null
    strictFields.set(schema, fields)
  }
  return fields
}

/**
 * Whether a strict object accepts a document without `field`: zod's objects leave out only fields
 * marked optional, even one that takes undefined (`z.unknown()`) is required otherwise. Those that
 * are not left out are looked for; a document without one is judged by the whole parse.
 */
function mayBeLeftOut(field: z.ZodType): boolean {
  return field._zod.optin === 'optional' && field.safeParse(undefined).success
}

/**
 * Whether `schema` accepts `doc`, judged on the fields `doc` has: each passes its own schema, no
 * required one is missing and no key is unknown, which is when the strict object accepts it. A
 * document's few fields cost less than the dozens of optional ones its schema lists, which the
 * object's parse visits one by one. False also when it cannot tell: the whole parse decides then.
 * Fields that kept their primitive value since `doc` passed as `passed` are not looked at again.
 */
function passesFieldByField(schema: z.ZodObject, doc: Document, passed?: Document): boolean {
  const fields = strictFieldsOf(schema)
  if (!fields) return false
  for (const key of fields.required) if (!Object.hasOwn(doc, key)) return false
  for (const key of Object.keys(doc)) {
    const value = doc[key]
    // an object may have changed inside: only a primitive is known by its identity
    const kept = typeof value !== 'object' || value === null
    if (kept && passed && Object.hasOwn(passed, key) && passed[key] === value) continue
    const field = Object.hasOwn(fields.shape, key) ? fields.shape[key] : undefined
    if (!field?.safeParse(value).success) return false
  }
  return true
}

/**
 * Validates a whole document as it is to be stored, timestamps and id included (imports and
 * restores): plain JSON, the schema's fields, and fields a newer version wrote kept as they are.
 */
export function validateStoredDocument(def: AnyDefinition, doc: Document): void {
  assertPlainJson(doc, def.singular)
  validateDocument(def, doc, undefined, { allowUnknownKeys: true })
}

/**
 * Copies into `next` the keys of `stored` that the schema does not know, wherever `next` has the
 * enclosing object but not the key: a replace by a client that never saw them must not drop them.
 */
export function carryUnknownKeys(schema: z.ZodType, stored: Document, next: Document): void {
  const shape = objectShape(schema)
  if (!shape) return
  for (const key of Object.keys(stored)) {
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined
    if (!field) {
      if (!Object.hasOwn(next, key)) next[key] = stored[key]
    } else if (isPlainObject(stored[key]) && isPlainObject(next[key])) {
      carryUnknownKeys(field, stored[key] as Document, next[key] as Document)
    }
  }
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrap(schema)
  return inner instanceof z.ZodObject ? (inner.shape as Record<string, z.ZodType>) : undefined
}

/**
 * The store sets timestamps, so a write's own are ignored (a client may send back a document it
 * read); but one that is not a timestamp at all is a mistake, refused like every invalid field.
 */
export function assertTimestamps(def: AnyDefinition, data: Document): void {
  const issues: ValidationIssue[] = []
  for (const key of ['created_at', 'updated_at']) {
    if (ownValue(data, key) == null) continue
    const result = def.schema.shape[key]?.safeParse(data[key])
    if (result && !result.success) {
      for (const issue of result.error.issues)
        issues.push({ path: [key], message: issue.message, code: issue.code })
    }
  }
  if (issues.length) throw new ValidationError(def.singular, issues)
}
