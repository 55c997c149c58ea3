/**
 * The query schema of a service: turns the strings a REST query string carries into the types
 * of the fields they compare with (`?age=5` → 5, `?done=true` → true, `?title=null` → null).
 * Socket clients send typed JSON; their values pass through unchanged.
 */
import { BadRequest } from '@feathersjs/errors'
import { inexactIntegerError, isInexactInteger } from '../json-integers.js'
import { TEXT_PROVIDERS } from '../protocol.js'
import { LooseValue } from '../store/operators.js'
import { isPlainObject } from '../store/plain-json.js'
import type { Field, QueryFields } from '../store/query-fields.js'
import { mapConditions, type Query } from '../store/query-walk.js'

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i

/** JSON's number syntax, which a free-form field's query-string value must match to be a number. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/

/** A query-string value of a free-form field that reads as a JSON scalar. */
function looseValue(value: string): LooseValue | undefined {
  if (value === 'true' || value === 'false') return new LooseValue(value === 'true', value)
  if (value === 'null') return new LooseValue(null, value)
  // digits past 2^53 match the text only: such numbers are stored as strings (README, Security)
  if (JSON_NUMBER.test(value) && Number.isFinite(Number(value)) && !isInexactInteger(value))
    return new LooseValue(Number(value), value)
  return undefined
}

/** The number of query-string text; a 400 for an integer past 2^53 (it would compare rounded). */
function exactNumber(value: string): number {
  if (isInexactInteger(value)) throw inexactIntegerError('The query', value)
  return Number(value)
}

function coerceValue(field: Field, value: unknown, fromRest: boolean): unknown {
  if (typeof value !== 'string') return value
  if (fromRest && field.kind === 'any') return looseValue(value) ?? value
  if (fromRest && value === 'null') return null
  switch (field.kind) {
    case 'number':
      if (!NUMBER.test(value))
        throw new BadRequest(`'${field.name}' is a number, got ${JSON.stringify(value)}`)
      return exactNumber(value)
    case 'boolean':
      if (value === 'true' || value === '1') return true
      if (value === 'false' || value === '0') return false
      throw new BadRequest(`'${field.name}' is true or false, got ${JSON.stringify(value)}`)
    case 'timestamp':
      return /^\d+$/.test(value) ? exactNumber(value) : value
    default:
      return value
  }
}

const LIST_OPERATORS = new Set(['$contains', '$containsAny'])

/**
 * The items of a list operator's value: those of a declared list (tags) are its items' text as it
 * is (a tag may be `null` or `5`); on a free-form field, text that reads as a number or a boolean
 * matches that value and the text, as everywhere, but `null` is text (a list never holds null).
 */
function coerceItems(field: Field, value: unknown, fromRest: boolean): unknown {
  if (field.kind !== 'any' || !fromRest) return value
  const item = (v: unknown) => (typeof v === 'string' && v !== 'null' ? (looseValue(v) ?? v) : v)
  return Array.isArray(value) ? value.map(item) : item(value)
}

/**
 * Returns `query` with every condition value converted to its field's type. Unknown fields are a
 * BadRequest here already, before any SQL is built.
 */
export function coerceQuery(fields: QueryFields, query: Query, provider: string | undefined): Query {
  const fromRest = provider !== undefined && TEXT_PROVIDERS.has(provider)
  const coerce = (field: Field, value: unknown) =>
    Array.isArray(value)
      ? value.map((item) => coerceValue(field, item, fromRest))
      : coerceValue(field, value, fromRest)
  return mapConditions(query, (name, value) => {
    const field = fields.field(name)
    if (!isPlainObject(value)) return coerce(field, value)
    return Object.fromEntries(
      Object.entries(value).map(([op, v]) => [
        op,
        LIST_OPERATORS.has(op) ? coerceItems(field, v, fromRest) : coerce(field, v)
      ])
    )
  })
}
