/**
 * Validation of whole documents against a collection's zod schema. Strict on what a write adds,
 * tolerant of what is already stored: a key this version does not know passes only where the
 * stored document already has it (a newer version wrote it), and update carries such keys over.
 */
import { z } from 'zod'
import { ValidationError, type ValidationIssue } from '../errors.js'
import { LONE_SURROGATE } from '../ids.js'
import type { AnyDefinition } from '../schema/collection.js'
import { unwrap } from '../schema/fields.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { assertPlainJson, isPlainObject, ownValue } from './plain-json.js'
import type { Document } from './row.js'
import { passesFields, strictFieldsOf } from './schema-checks.js'
import { canonicalTimestamps } from './timestamps.js'

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
  /**
   * A valid document that `doc` was made from (the stored one, read as this process wrote it): its
   * fields that `doc` still holds, the very same values, need no second look.
   */
  unchanged?: Document
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
  assertColumnText(def, doc)
  if (passesFieldByField(def.schema, doc, options)) return
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

/**
 * Refuses text that a column cannot hold as given: the engine keeps a column's text as UTF-8,
 * which ends it at a NUL and turns a lone surrogate into U+FFFD, so that the slugs `a\0b` and
 * `a\0c` would both read back `a`. (In `data`, JSON escapes both.)
 */
function assertColumnText(def: AnyDefinition, doc: Document): void {
  for (const { name, relation, type } of def.keyColumns) {
    // a relation holds an id, whose own rule refuses both
    if (relation || type !== 'text') continue
    const value = ownValue(doc, name)
    if (typeof value === 'string' && (value.includes('\0') || LONE_SURROGATE.test(value))) {
      const message = 'Must not hold a NUL character or a lone surrogate'
      throw new ValidationError(def.singular, [{ path: [name], message, code: 'invalid_format' }])
    }
  }
}

/**
 * Whether `schema` accepts `doc`, judged on the fields `doc` has (see passesFields): a document's
 * few fields cost less than the dozens of optional ones its schema lists, which the object's parse
 * visits one by one. False also when it cannot tell: the whole parse decides then.
 */
function passesFieldByField(schema: z.ZodObject, doc: Document, options: ValidationOptions): boolean {
  const fields = strictFieldsOf(schema)
  return fields !== null && passesFields(fields, doc, options.passed, options.unchanged)
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

/**
 * `given` as an import stores it (a copy): its timestamps in the canonical form, validated whole.
 * A `workspace` it brings (another tool's) is left out: the import's statement sets the row's, and
 * data that kept it would only hide it (the row mapper never reads it back as a field).
 */
export function storedDocument(def: AnyDefinition, given: Document): Document {
  const { [WORKSPACE_COLUMN]: _workspace, ...doc } = given
  canonicalTimestamps(def, doc)
  validateStoredDocument(def, doc)
  return doc
}
