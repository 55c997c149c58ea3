/**
 * What the zod schema says about a field path: whether it exists and what kind of value it holds.
 * The query compiler uses it to refuse unknown fields, the service layer to coerce REST strings.
 */
import { z } from 'zod'

/** The kind of value at a path. `any` is a free-form value (a record, an unknown, a union). */
export type FieldKind = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'any'

export interface FieldInfo {
  kind: FieldKind
  /** True where keys below are free-form (a record or an unknown value), so any path continues. */
  open: boolean
  /** True for an ISO timestamp (kept as UTC with milliseconds, see store/timestamps.ts). */
  instant?: boolean
}

const ANY: FieldInfo = { kind: 'any', open: true }

/** The schema inside optional, nullable, default, readonly and pipe wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable)
      current = current.unwrap() as z.ZodType
    else if (current instanceof z.ZodDefault || current instanceof z.ZodReadonly)
      current = current.def.innerType as z.ZodType
    else if (current instanceof z.ZodPipe) current = current.def.in as z.ZodType
    else return current
  }
}

function infoOf(schema: z.ZodType): FieldInfo {
  const inner = unwrap(schema)
  if (inner instanceof z.ZodStringFormat && inner.format === 'datetime')
    return { kind: 'string', open: false, instant: true }
  if (inner instanceof z.ZodString || inner instanceof z.ZodEnum) return { kind: 'string', open: false }
  if (inner instanceof z.ZodNumber) return { kind: 'number', open: false }
  if (inner instanceof z.ZodBoolean) return { kind: 'boolean', open: false }
  if (inner instanceof z.ZodLiteral) {
    const kinds = new Set([...inner.values].map((v) => typeof v))
    const only = kinds.size === 1 ? [...kinds][0] : undefined
    return only === 'string' || only === 'number' || only === 'boolean' ? { kind: only, open: false } : ANY
  }
  if (inner instanceof z.ZodObject) return { kind: 'object', open: false }
  if (inner instanceof z.ZodArray) return { kind: 'array', open: false }
  return ANY
}

/**
 * Describes `path` inside an object schema, or returns undefined when the schema has no such field.
 *
 * @example
 * describePath(sessionSchema, ['git_state', 'ref']) // { kind: 'string', open: false }
 */
export function describePath(schema: z.ZodType, path: readonly (string | number)[]): FieldInfo | undefined {
  let current: z.ZodType = schema
  for (const segment of path) {
    const inner = unwrap(current)
    if (inner instanceof z.ZodObject) {
      if (typeof segment !== 'string' || !Object.hasOwn(inner.shape, segment)) return undefined
      current = inner.shape[segment] as z.ZodType
    } else if (inner instanceof z.ZodArray) {
      if (typeof segment !== 'number') return undefined
      current = inner.element as z.ZodType
    } else if (inner instanceof z.ZodRecord) {
      current = inner.valueType as z.ZodType
    } else if (infoOf(inner).open) {
      return ANY
    } else {
      return undefined
    }
  }
  return infoOf(current)
}
