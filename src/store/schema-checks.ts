/**
 * Whether a zod schema accepts a value, judged without zod's parse where the schema's rule is
 * plain: a string, a number with bounds, an enum, the store's refined strings, a strict object of
 * such fields, … A parse allocates a context and a result for each field of each document a write
 * validates, and a copy of each object it passes: in an array create, that garbage cost a tenth of
 * the create's time. A check is sound: true only when zod's parse succeeds. False when zod's parse
 * fails, and also where a plain rule refuses what zod might not (an object that is not plain
 * JSON): a caller that gets false lets zod's parse of the whole judge and word the issues.
 */
import { z } from 'zod'
import { refinementOf } from '../schema/refinements.js'
import { isPlainObject } from './plain-json.js'

/** True only when the schema accepts `value` (see above). */
export type Check = (value: unknown) => boolean

/** A strict object schema's fields, and those a document must have (they refuse undefined). */
export interface StrictFields {
  checks: Record<string, Check>
  required: readonly string[]
}

const checks = new WeakMap<z.core.$ZodType, Check>()
const strictFields = new WeakMap<z.ZodObject, StrictFields | null>()

/** The check of `schema`, made once: its plain rule, or zod's parse where it has none. */
export function checkOf(schema: z.core.$ZodType): Check {
  const known = checks.get(schema)
  if (known) return known
  // a schema that holds itself (a getter in an object's shape) meets this one while its rule is made
  let made: Check | undefined
  checks.set(schema, (value) => made!(value))
  made = plainRule(schema) ?? ((value) => z.safeParse(schema, value).success)
  checks.set(schema, made)
  return made
}

/**
 * The fields of `schema` when it is a plain strict object, the sum of its fields: no checks of the
 * whole, no extra keys. Null for any other object.
 */
export function strictFieldsOf(schema: z.ZodObject): StrictFields | null {
  let fields = strictFields.get(schema)
  if (fields === undefined) {
    const { catchall, checks: whole } = schema._zod.def
    const shape = schema.shape as Record<string, z.ZodType>
    fields =
      catchall instanceof z.ZodNever && !whole?.length
        ? {
            checks: Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, checkOf(field)])),
            required: Object.keys(shape).filter((key) => !mayBeLeftOut(shape[key]!))
          }
        : null
    strictFields.set(schema, fields)
  }
  return fields
}

/**
 * Whether a strict object accepts a document without `field`: zod's objects leave out only fields
 * marked optional, even one that takes undefined (`z.unknown()`) is required otherwise.
 */
function mayBeLeftOut(field: z.ZodType): boolean {
  return field._zod.optin === 'optional' && field.safeParse(undefined).success
}

/**
 * Whether the strict object of `fields` accepts `doc`: no required field missing, no key unknown,
 * each field accepted. Fields that kept their primitive value since `doc` passed as `passed` are
 * not looked at again (an object may have changed inside: only a primitive is known by identity),
 * nor are those that hold the very value they have in `unchanged`, a valid document whose objects
 * nothing changes.
 */
export function passesFields(
  fields: StrictFields,
  doc: Record<string, unknown>,
  passed?: object,
  unchanged?: object
): boolean {
  for (const key of fields.required) if (!Object.hasOwn(doc, key)) return false
  for (const key of Object.keys(doc)) {
    const value = doc[key]
    if (unchanged && Object.hasOwn(unchanged, key) && Reflect.get(unchanged, key) === value) continue
    const kept = typeof value !== 'object' || value === null
    if (kept && passed && Object.hasOwn(passed, key) && Reflect.get(passed, key) === value) continue
    const check = Object.hasOwn(fields.checks, key) ? fields.checks[key] : undefined
    if (!check?.(value)) return false
  }
  return true
}

/** The plain rule of a schema whose verdict is simple to know; undefined where zod must judge. */
function plainRule(schema: z.core.$ZodType): Check | undefined {
  if (schema instanceof z.ZodOptional) {
    const inner = schema.def.innerType
    // optional(x.nullable()), the commonest field, in one step
    if (inner instanceof z.ZodNullable) {
      const value = checkOf(inner.def.innerType)
      return (v) => v == null || value(v)
    }
    const value = checkOf(inner)
    return (v) => v === undefined || value(v)
  }
  if (schema instanceof z.ZodNullable) {
    const value = checkOf(schema.def.innerType)
    return (v) => v === null || value(v)
  }
  if (schema instanceof z.ZodUnknown || schema instanceof z.ZodAny) return () => true
  if (schema instanceof z.ZodBoolean) return schema.def.coerce ? undefined : (v) => typeof v === 'boolean'
  if (schema instanceof z.ZodStringFormat) return formatRule(schema)
  if (schema instanceof z.ZodString) return stringRule(schema)
  if (schema instanceof z.ZodNumber) return numberRule(schema)
  if (schema instanceof z.ZodEnum) {
    const entries = Object.entries(schema.def.entries)
    // an enum of strings named as they read; others (TypeScript's numeric enums) are zod's to judge
    if (!entries.every(([name, value]) => name === value)) return undefined
    const allowed = new Set<unknown>(entries.map(([name]) => name))
    return (v) => allowed.has(v)
  }
  if (schema instanceof z.ZodObject) {
    const fields = strictFieldsOf(schema)
    return fields ? (v) => isPlainObject(v) && passesFields(fields, v) : undefined
  }
  if (schema instanceof z.ZodRecord) {
    const { keyType, valueType } = schema.def
    if (!(keyType instanceof z.ZodString) || stringRule(keyType) === undefined) return undefined
    const item = checkOf(valueType)
    if (valueType instanceof z.ZodUnknown || valueType instanceof z.ZodAny) return isPlainObject
    return (v) => {
      if (!isPlainObject(v)) return false
      for (const key in v) if (!item(v[key])) return false
      return true
    }
  }
  if (schema instanceof z.ZodUnion) {
    // a union accepts what any of its options accepts; an exclusive one (z.xor) what exactly one does
    if (schema instanceof z.ZodDiscriminatedUnion || schema.def.inclusive === false) return undefined
    const options = schema.def.options.map(checkOf)
    return (v) => options.some((option) => option(v))
  }
  if (schema instanceof z.ZodArray) {
    if (schema.def.checks?.length) return undefined
    const item = checkOf(schema.def.element)
    return (v) => {
      if (!Array.isArray(v)) return false
      // by index, as zod reads it: a hole is an undefined item (every() would skip it)
      for (let i = 0; i < v.length; i++) if (!item(v[i])) return false
      return true
    }
  }
  return undefined
}

/** Any string, or one of the store's refined strings (see refinements.ts). */
function stringRule(schema: z.ZodString): Check | undefined {
  const refinement = refinementOf(schema)
  if (refinement) return (v) => typeof v === 'string' && refinement(v)
  if (schema.def.coerce || schema.def.checks?.length || schema.format !== null) return undefined
  return (v) => typeof v === 'string'
}

/**
 * A string format (a timestamp, an email): zod's parse, but its verdict on a text never changes,
 * and the text it accepted last is known to pass: the timestamps of one write are one text.
 */
function formatRule(schema: z.ZodStringFormat): Check | undefined {
  if (schema.def.checks?.length) return undefined
  let accepted: string | undefined
  return (v) => {
    if (typeof v !== 'string') return schema.safeParse(v).success
    if (v === accepted) return true
    if (!schema.safeParse(v).success) return false
    accepted = v
    return true
  }
}

/** A finite number within the bounds of the checks zod's `int`, `min`, `max`, `positive`… add. */
function numberRule(schema: z.ZodNumber): Check | undefined {
  const { def } = schema
  // a format of its own (z.int(), z.float32()) is a check of the schema itself
  if (def.coerce || 'check' in def) return undefined
  const rules: ((n: number) => boolean)[] = []
  for (const check of def.checks ?? []) {
    const rule: object = check._zod.def
    const kind = Reflect.get(rule, 'check')
    const bound = Reflect.get(rule, 'value')
    const inclusive = Reflect.get(rule, 'inclusive') === true
    if (kind === 'number_format' && Reflect.get(rule, 'format') === 'safeint') {
      rules.push(Number.isSafeInteger)
    } else if (kind === 'greater_than' && typeof bound === 'number') {
      rules.push(inclusive ? (n) => n >= bound : (n) => n > bound)
    } else if (kind === 'less_than' && typeof bound === 'number') {
      rules.push(inclusive ? (n) => n <= bound : (n) => n < bound)
    } else {
      return undefined
    }
  }
  return (v) => typeof v === 'number' && Number.isFinite(v) && rules.every((rule) => rule(v))
}
