/**
 * The query compiler: the Feathers query syntax, over columns and JSON fields alike, to SQL with
 * bound values. Field names are checked against the collection's schema and written into SQL only
 * in checked form; every value is a bound parameter.
 */
import { BadRequest } from '@feathersjs/errors'
import type { InValue } from '@libsql/client'
import type { AnyDefinition } from '../schema/collection.js'
import { describePath, type FieldKind } from '../schema/fields.js'
import { jsonExtract, jsonTypeAt, quoteIdent, SAFE_SEGMENT } from '../schema/sql.js'
import { isPlainObject } from './merge.js'
import type { Document } from './row.js'
import { toMillis } from './row.js'

export type Query = Record<string, unknown>

/** A field a query can name. */
export interface Field {
  /** The name as written in the query: `git_state.ref`. */
  name: string
  path: readonly (string | number)[]
  /** The SQL expression that reads it. */
  sql: string
  /** `timestamp` for created_at/updated_at (ISO in the API, milliseconds in SQL). */
  kind: FieldKind | 'timestamp'
  /** True for the id field and relation columns: short ids are resolved before compiling. */
  isReference: boolean
  /** For a free-form JSON field: the expression of the stored value's JSON type. */
  typeSql?: string
}

/** A compiled `find`: the WHERE clause with its values, the order, and the page. */
export interface CompiledFind {
  where: string
  args: InValue[]
  orderBy: string
  limit: number | undefined
  skip: number
  select: readonly Field[] | undefined
}

/** Most values in one `$in`/`$nin` list, and in one whole query (SQLite binds at most 32,766). */
export const MAX_LIST = 1000
export const MAX_VALUES = 5000

/** The filters a query may carry next to its conditions. */
export const FILTERS = ['$sort', '$limit', '$skip', '$select'] as const
const COMPARISONS: Record<string, string> = { $lt: '<', $lte: '<=', $gt: '>', $gte: '>=' }
const OPERATORS = new Set([
  '$ne',
  '$in',
  '$nin',
  '$lt',
  '$lte',
  '$gt',
  '$gte',
  '$like',
  '$notlike',
  '$ilike',
  '$between',
  '$notBetween'
])

/**
 * A value from a query string (REST, the CLI) on a free-form JSON field that reads as a JSON
 * number, boolean or null: text cannot say which type it meant, so it matches that value and the
 * same text stored as a string (`?custom_context.ticket=42` finds 42 and '42').
 */
export class LooseValue {
  constructor(
    readonly value: number | boolean | null,
    readonly text: string
  ) {}
}

const NEGATIONS = new Set(['$ne', '$nin', '$notBetween', '$notlike'])
const PATTERNS = new Set(['$like', '$notlike', '$ilike'])

function holdsLoose(value: unknown): boolean {
  return value instanceof LooseValue || (Array.isArray(value) && value.some((v) => v instanceof LooseValue))
}

/**
 * `build` of a value that may hold LooseValues: once with their JSON values, once with their text,
 * either matching (or, for a negation, both).
 */
function loose(value: unknown, negation: boolean, build: (value: unknown) => string): string {
  if (!holdsLoose(value)) return build(value)
  const pick = (side: 'value' | 'text') => (v: unknown) => (v instanceof LooseValue ? v[side] : v)
  const each = (side: 'value' | 'text') => (Array.isArray(value) ? value.map(pick(side)) : pick(side)(value))
  return `(${build(each('value'))} ${negation ? 'AND' : 'OR'} ${build(each('text'))})`
}

/**
 * The value of `$limit` or `$skip`: a non-negative integer, or its digits (REST); undefined when
 * not given.
 */
export function queryCount(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw badQuery(`${name} must be a non-negative integer`)
  return n
}

/**
 * True when a query restricts which documents it matches: a field condition, an `$and` with one,
 * an `$or` whose every branch has one, a `$not` of one. Filters (`$limit`, `$sort`, `$skip`,
 * `$select`) are not conditions, nor are `{}`, `$and: []` or `$or: [{}]`, which match everything.
 *
 * @example
 * hasCondition({ $limit: 10 })      // false
 * hasCondition({ status: 'idle' })  // true
 */
export function hasCondition(query: unknown): boolean {
  if (!isPlainObject(query)) return false
  return Object.keys(query).some((key) => {
    const value = query[key]
    if (key === '$and') return Array.isArray(value) && value.some(hasCondition)
    if (key === '$or') return Array.isArray(value) && value.length > 0 && value.every(hasCondition)
    if (key === '$not') return hasCondition(value)
    return !key.startsWith('$')
  })
}

function badQuery(message: string): BadRequest {
  return new BadRequest(message)
}

/**
 * `condition`, on a free-form JSON field only where the stored value has the JSON type of `value`:
 * SQLite compares across types (`->>` reads true as 1, an object as its JSON text, and any text
 * sorts after any number), which a query on `custom_context.priority` must not.
 */
function typed(field: Field, value: unknown, condition: string): string {
  if (!field.typeSql) return condition
  const type =
    typeof value === 'string'
      ? `= 'text'`
      : typeof value === 'number'
        ? `IN ('integer', 'real')`
        : `IN ('true', 'false')`
  return `(${field.typeSql} ${type} AND ${condition})`
}

/**
 * The ISO text of a timestamp column (stored as milliseconds), as documents show it, so that a
 * pattern such as `2026-11%` matches what a client sees.
 */
function isoText(column: string): string {
  return `(strftime('%Y-%m-%dT%H:%M:%S', ${column} / 1000, 'unixepoch') || printf('.%03dZ', ${column} % 1000))`
}

/** Converts a LIKE pattern (`%`, `_`, `\` escapes) to a case-sensitive GLOB pattern. */
export function likeToGlob(pattern: string): string {
  let glob = ''
  for (let i = 0; i < pattern.length; i++) {
    let c = pattern[i]!
    if (c === '\\' && i + 1 < pattern.length) c = `\\${pattern[++i]}`
    if (c === '%') glob += '*'
    else if (c === '_') glob += '?'
    else {
      const literal = c.length === 2 ? c[1]! : c
      glob += literal === '*' || literal === '?' || literal === '[' ? `[${literal}]` : literal
    }
  }
  return glob
}

export class QueryCompiler {
  readonly #def: AnyDefinition
  readonly #fields = new Map<string, Field>()
  readonly #columns: Set<string>
  readonly #references: Set<string>

  constructor(def: AnyDefinition) {
    this.#def = def
    this.#references = new Set([def.idField, ...def.keyColumns.filter((k) => k.relation).map((k) => k.name)])
    this.#columns = new Set([
      def.idField,
      ...(def.statuses ? ['status'] : []),
      'created_at',
      'updated_at',
      ...def.keyColumns.map((k) => k.name)
    ])
  }

  /** The field `name` names, or a BadRequest if the schema has no such field. */
  field(name: string): Field {
    const cached = this.#fields.get(name)
    if (cached) return cached
    const field = this.#describe(name)
    this.#fields.set(name, field)
    return field
  }

  #describe(name: string): Field {
    if (typeof name !== 'string' || name.length === 0 || name.length > 200)
      throw badQuery('Invalid field name')
    if (this.#columns.has(name)) {
      const kind = name === 'created_at' || name === 'updated_at' ? 'timestamp' : 'string'
      return { name, path: [name], sql: quoteIdent(name), kind, isReference: this.#references.has(name) }
    }
    const path = name.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s))
    // no stored document has a __proto__ key (writes refuse it), so a path through one is a mistake
    if (path.some((s) => typeof s === 'string' && (!SAFE_SEGMENT.test(s) || s === '__proto__'))) {
      throw badQuery(`Invalid field name '${name}'`)
    }
    const info = this.#columns.has(String(path[0])) ? undefined : describePath(this.#def.schema, path)
    if (!info) throw badQuery(`Unknown field '${name}' in ${this.#def.name} query`)
    const typeSql = info.kind === 'any' ? jsonTypeAt(path) : undefined
    return { name, path, sql: jsonExtract(path), kind: info.kind, isReference: false, typeSql }
  }

  /** Compiles the conditions of a query (filters such as `$sort` are ignored here). */
  where(query: Query): { sql: string; args: InValue[] } {
    const args: InValue[] = []
    const sql = this.#conditions(query, args, 0)
    if (args.length > MAX_VALUES) throw badQuery(`A query may compare with at most ${MAX_VALUES} values`)
    return { sql, args }
  }

  /** Compiles a whole `find` query. */
  compile(query: Query = {}): CompiledFind {
    const { sql, args } = this.where(query)
    return {
      where: sql,
      args,
      orderBy: this.#orderBy(query.$sort),
      limit: queryCount(query.$limit, '$limit'),
      skip: queryCount(query.$skip, '$skip') ?? 0,
      select: this.#select(query.$select)
    }
  }

  #conditions(query: unknown, args: InValue[], depth: number): string {
    if (!isPlainObject(query)) throw badQuery('A query must be an object')
    if (depth > 32) throw badQuery('The query is nested too deeply')
    const parts: string[] = []
    for (const key of Object.keys(query)) {
      const value = query[key]
      if (value === undefined) {
        // skipping it would widen the query, and a multi patch or remove with it: a variable that
        // was meant to hold an id must not make `remove(null, { query })` empty the table
        if (key.startsWith('$')) continue
        throw badQuery(`Query value of '${key}' is undefined`)
      }
      if (key === '$or' || key === '$and') {
        if (!Array.isArray(value)) throw badQuery(`${key} needs an array of queries`)
        const subs = value.map((sub) => this.#conditions(sub, args, depth + 1))
        if (subs.length === 0) parts.push(key === '$or' ? '0' : '1')
        else parts.push(`(${subs.join(key === '$or' ? ' OR ' : ' AND ')})`)
      } else if (key === '$not') {
        // a condition that is NULL (a missing field) counts as false, so its negation holds
        parts.push(`NOT coalesce((${this.#conditions(value, args, depth + 1)}), 0)`)
      } else if (key.startsWith('$')) {
        if (!(FILTERS as readonly string[]).includes(key) || depth > 0)
          throw badQuery(`Invalid query parameter ${key}`)
      } else {
        parts.push(this.#condition(this.field(key), value, args))
      }
    }
    return parts.length ? parts.join(' AND ') : '1'
  }

  #condition(field: Field, value: unknown, args: InValue[]): string {
    if (!isPlainObject(value)) return loose(value, false, (v) => this.#equals(field, v, args))
    const keys = Object.keys(value)
    if (keys.length === 0 || keys.some((k) => !k.startsWith('$'))) {
      throw badQuery(
        `Query value of '${field.name}' must be a value or an object of operators (use dot paths for nested fields)`
      )
    }
    const parts = keys.map((op) => this.#operator(field, op, value[op], args))
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`
  }

  #equals(field: Field, value: unknown, args: InValue[]): string {
    if (value === null) return `${field.sql} IS NULL`
    args.push(this.#value(field, value))
    return typed(field, value, `${field.sql} = ?`)
  }

  #operator(field: Field, op: string, value: unknown, args: InValue[]): string {
    if (!OPERATORS.has(op)) throw badQuery(`Invalid query operator ${op} on '${field.name}'`)
    if (value instanceof LooseValue && PATTERNS.has(op)) return this.#operator(field, op, value.text, args)
    if (holdsLoose(value)) return loose(value, NEGATIONS.has(op), (v) => this.#operator(field, op, v, args))
    const column = field.sql
    switch (op) {
      case '$ne':
        if (value === null) return `${column} IS NOT NULL`
        if (field.typeSql) return `NOT coalesce(${this.#equals(field, value, args)}, 0)`
        args.push(this.#value(field, value))
        return `${column} IS NOT ?`
      case '$in':
      case '$nin': {
        const list = this.#list(field, op, value)
        const values = list.filter((v) => v !== null)
        const hasNull = values.length < list.length
        if (field.typeSql) {
          const any = [
            ...values.map((v) => this.#equals(field, v, args)),
            ...(hasNull ? [`${column} IS NULL`] : [])
          ]
          const matches = any.length ? `(${any.join(' OR ')})` : '0'
          return op === '$in' ? matches : `NOT coalesce(${matches}, 0)`
        }
        for (const v of values) args.push(this.#value(field, v))
        const marks = values.map(() => '?').join(', ')
        if (op === '$in') {
          const parts = [
            ...(values.length ? [`${column} IN (${marks})`] : []),
            ...(hasNull ? [`${column} IS NULL`] : [])
          ]
          return parts.length === 0 ? '0' : parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`
        }
        if (values.length === 0) return hasNull ? `${column} IS NOT NULL` : '1'
        return hasNull
          ? `(${column} IS NOT NULL AND ${column} NOT IN (${marks}))`
          : `(${column} IS NULL OR ${column} NOT IN (${marks}))`
      }
      case '$between':
      case '$notBetween': {
        if (!Array.isArray(value) || value.length !== 2 || value.some((v) => v === null)) {
          throw badQuery(`${op} on '${field.name}' needs [min, max]`)
        }
        args.push(this.#value(field, value[0]), this.#value(field, value[1]))
        const between = typed(field, value[0], `${column} BETWEEN ? AND ?`)
        return op === '$between' ? between : `NOT coalesce(${between}, 0)`
      }
      case '$like':
      case '$notlike':
      case '$ilike': {
        if (typeof value !== 'string') throw badQuery(`${op} on '${field.name}' needs a string pattern`)
        const text = field.kind === 'timestamp' ? isoText(column) : column
        args.push(op === '$ilike' ? value : likeToGlob(value))
        const like = typed(field, value, op === '$ilike' ? `${text} LIKE ? ESCAPE '\\'` : `${text} GLOB ?`)
        return op === '$notlike' ? `NOT coalesce(${like}, 0)` : like
      }
      default: {
        if (value === null) throw badQuery(`${op} on '${field.name}' needs a value, not null`)
        args.push(this.#value(field, value))
        return typed(field, value, `${column} ${COMPARISONS[op]} ?`)
      }
    }
  }

  #list(field: Field, op: string, value: unknown): unknown[] {
    // qs makes an object with numeric keys of a list it does not take as an array
    const list =
      Array.isArray(value) || !isPlainObject(value) || !Object.keys(value).every((k) => /^\d+$/.test(k))
        ? value
        : Object.values(value)
    if (!Array.isArray(list)) throw badQuery(`${op} on '${field.name}' needs an array`)
    if (list.length > MAX_LIST) throw badQuery(`${op} on '${field.name}' takes at most ${MAX_LIST} values`)
    return list
  }

  #value(field: Field, value: unknown): InValue {
    if (field.kind === 'timestamp') {
      if (typeof value === 'number' && Number.isFinite(value)) return value
      if (typeof value === 'string' && !Number.isNaN(toMillis(value))) return toMillis(value)
      throw badQuery(`'${field.name}' needs an ISO timestamp or milliseconds`)
    }
    if (typeof value === 'string') return value
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw badQuery(`'${field.name}' needs a finite number`)
      return value
    }
    if (typeof value === 'boolean') return value ? 1 : 0
    throw badQuery(`Query value of '${field.name}' must be a string, number, boolean or null`)
  }

  #orderBy(sort: unknown): string {
    const id = quoteIdent(this.#def.idField)
    if (sort === undefined || sort === null) return id
    if (!isPlainObject(sort)) throw badQuery('$sort must be an object of field: 1 | -1')
    const parts: string[] = []
    let hasId = false
    let last = 'ASC'
    for (const [name, direction] of Object.entries(sort)) {
      const field = this.field(name)
      const order = sortDirection(direction)
      if (!order) throw badQuery(`$sort of '${name}' must be 1 or -1`)
      hasId ||= name === this.#def.idField
      parts.push(`${field.sql} ${order}`)
      last = order
    }
    // ties go the way the sort goes: newest first stays newest first within one millisecond
    if (!hasId) parts.push(`${id} ${last}`)
    return parts.join(', ')
  }

  #select(select: unknown): Field[] | undefined {
    if (select === undefined || select === null) return undefined
    const names = typeof select === 'string' ? [select] : select
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw badQuery('$select must be an array of field names')
    }
    return names.map((n: string) => this.field(n))
  }
}

function sortDirection(value: unknown): 'ASC' | 'DESC' | undefined {
  if (value === 1 || value === '1' || value === 'asc' || value === 'ascending') return 'ASC'
  if (value === -1 || value === '-1' || value === 'desc' || value === 'descending') return 'DESC'
  return undefined
}

/**
 * Keeps only the selected fields of a document (and its id). Nested paths keep the enclosing
 * objects: selecting `git_state.ref` yields `{ git_state: { ref } }`.
 */
export function project(doc: Document, select: readonly Field[] | undefined, idField: string): Document {
  if (!select) return doc
  const result: Document = { [idField]: doc[idField] }
  for (const field of select) {
    // the values along the path; a field the document lacks leaves no empty parents behind
    const values: unknown[] = []
    let source: unknown = doc
    for (const segment of field.path) {
      if (source === null || typeof source !== 'object') break
      source = (source as Record<string | number, unknown>)[segment]
      if (source === undefined) break
      values.push(source)
    }
    if (values.length < field.path.length) continue
    let target: Document = result
    field.path.forEach((segment, i) => {
      if (i === field.path.length - 1) {
        target[segment] = values[i]
        return
      }
      if (!isPlainObject(target[segment])) target[segment] = Array.isArray(values[i]) ? [] : {}
      target = target[segment] as Document
    })
  }
  return result
}
