/**
 * The one walk over the Feathers query syntax: field conditions combined by `$and`, `$or` and
 * `$not`, next to the filters `$sort`, `$limit`, `$skip`, `$select` and `$search`. The query
 * compiler folds a query into SQL with it, REST coercion and short-id resolution map its values,
 * and the safety check of multi writes asks it whether a query has a condition at all. The walk
 * checks the shape of a query once, here, for all of them.
 */
import { BadRequest } from '@feathersjs/errors'
import { isPlainObject } from './plain-json.js'

export type Query = Record<string, unknown>

/**
 * The full-text search of a query (search-query.ts): a filter in where it may be written (the top
 * level only), a condition in what it does.
 */
export const SEARCH = '$search'

/**
 * Refuses a `$search` given as undefined (a variable that held no text): it is a condition, and
 * one that vanished would widen a multi patch or remove to every document.
 */
export function assertSearchGiven(key: string, value: unknown): void {
  if (key === SEARCH && value === undefined) throw new BadRequest(`Query value of '${SEARCH}' is undefined`)
}

/** The filters a query may carry next to its conditions (at its top level only). */
export const FILTERS = ['$sort', '$limit', '$skip', '$select', SEARCH] as const

/** How deep `$and`, `$or` and `$not` may nest. */
const MAX_NESTING = 32

/** What a fold makes of each part of a query. */
export interface QueryFold<R> {
  /** A condition on one field: `status: 'idle'`, `status: { $in: [...] }`. */
  field(name: string, value: unknown): R
  /** `$and` or `$or` of sub-queries. */
  group(op: '$and' | '$or', parts: R[]): R
  /** `$not` of a sub-query. */
  not(part: R): R
  /** One query object: its conditions and groups under their keys, and its filters as given. */
  object(parts: [key: string, part: R][], filters: [key: string, value: unknown][]): R
}

/**
 * Folds a query, checking its shape: an object, groups of objects, no operator or filter where
 * none belongs, and no condition whose value is `undefined` (skipping it would widen the query,
 * and a multi patch or remove with it: a variable that was meant to hold an id must not make
 * `remove(null, { query })` empty the table).
 */
export function foldQuery<R>(query: unknown, fold: QueryFold<R>, depth = 0): R {
  if (!isPlainObject(query)) throw new BadRequest('A query must be an object')
  if (depth > MAX_NESTING) throw new BadRequest('The query is nested too deeply')
  const parts: [string, R][] = []
  const filters: [string, unknown][] = []
  for (const key of Object.keys(query)) {
    const value = query[key]
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value)) throw new BadRequest(`${key} needs an array of queries`)
      parts.push([
        key,
        fold.group(
          key,
          value.map((sub) => foldQuery(sub, fold, depth + 1))
        )
      ])
    } else if (key === '$not') {
      parts.push([key, fold.not(foldQuery(value, fold, depth + 1))])
    } else if (key.startsWith('$')) {
      if (depth > 0 || !(FILTERS as readonly string[]).includes(key))
        throw new BadRequest(`Invalid query parameter ${key}`)
      assertSearchGiven(key, value)
      if (value !== undefined) filters.push([key, value])
    } else {
      if (value === undefined) throw new BadRequest(`Query value of '${key}' is undefined`)
      parts.push([key, fold.field(key, value)])
    }
  }
  return fold.object(parts, filters)
}

/**
 * A copy of `query` with the value of every field condition replaced by `map(name, value)`,
 * wherever it sits in `$and`, `$or` and `$not`; filters stay as they are.
 *
 * @example
 * mapConditions({ $or: [{ n: '1' }, { n: '2' }] }, (_, v) => Number(v)) // { $or: [{ n: 1 }, { n: 2 }] }
 */
export function mapConditions(query: Query, map: (name: string, value: unknown) => unknown): Query {
  return foldQuery<unknown>(query, {
    field: map,
    group: (_, parts) => parts,
    not: (part) => part,
    object: (parts, filters) => Object.fromEntries([...filters, ...parts])
  }) as Query
}

/**
 * True when a query restricts which documents it matches: a field condition, an `$and` with one,
 * an `$or` whose every branch has one, a `$not` of one, a `$search`. Other filters are not
 * conditions, nor are `{}`, `$and: []` or `$or: [{}]`, which match everything.
 *
 * @example
 * hasCondition({ $limit: 10 })      // false
 * hasCondition({ status: 'idle' })  // true
 */
export function hasCondition(query: Query): boolean {
  return foldQuery<boolean>(query, {
    field: () => true,
    group: (op, parts) => (op === '$and' ? parts.some(Boolean) : parts.length > 0 && parts.every(Boolean)),
    not: (part) => part,
    object: (parts, filters) => parts.some(([, part]) => part) || filters.some(([key]) => key === SEARCH)
  })
}

/** The conditions of a query (its `$search` among them), without its filters; undefined when it has none. */
export function conditionsOf(query: Query | undefined): Query | undefined {
  let conditions: Query | undefined
  for (const key of Object.keys(query ?? {})) {
    if (key !== SEARCH && (FILTERS as readonly string[]).includes(key)) continue
    conditions ??= {}
    conditions[key] = query![key]
  }
  return conditions
}

/**
 * The value of `$limit` or `$skip`: a non-negative integer, or its digits (REST); undefined when
 * not given.
 */
export function queryCount(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new BadRequest(`${name} must be a non-negative integer`)
  return n
}
