/**
 * The query operators: one record of compile functions, each turning a condition on a field into
 * SQL with bound values. The service layer offers exactly these operators (see adapter.ts).
 */
import { BadRequest } from '@feathersjs/errors'
import type { InValue } from '../db/connection.js'
import { LONE_SURROGATE } from '../ids.js'
import { isoMillis } from '../iso-time.js'
import { quoteIdent } from '../schema/sql.js'
import { isPlainObject } from './plain-json.js'
import type { Field } from './query-fields.js'
import { tagCondition } from './tag-index.js'
import { instantText } from './timestamps.js'

/** Most values in one `$in`/`$nin` list. */
export const MAX_LIST = 1000
/**
 * The longest `$like` pattern, in characters: SQLite refuses patterns past 50,000 bytes, which
 * 10,000 characters never reach (four bytes each at most, an escape three).
 */
export const MAX_PATTERN = 10_000

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

/** The SQL of the conditions of one query and the values they bind, in order. */
export class Conditions {
  readonly args: InValue[] = []

  /** Conditions on the documents of `workspace` (the tag index holds every workspace's tags). */
  constructor(readonly workspace: string) {}

  /** A field's condition: a value (equality, null: IS NULL) or an object of operators. */
  condition(field: Field, value: unknown): string {
    if (field.kind === 'array' && value !== null && !isPlainObject(value)) throw listMisuse(field)
    if (!isPlainObject(value)) return loose(value, false, (v) => this.equals(field, v))
    const ops = Object.keys(value)
    if (ops.length === 0 || ops.some((op) => !op.startsWith('$'))) {
      throw new BadRequest(
        `Query value of '${field.name}' must be a value or an object of operators (use dot paths for nested fields)`
      )
    }
    const parts = ops.map((op) => this.operator(field, op, value[op]))
    return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`
  }

  operator(field: Field, op: string, value: unknown): string {
    const compile = Object.hasOwn(OPERATORS, op) ? OPERATORS[op] : undefined
    if (!compile) throw new BadRequest(`Invalid query operator ${op} on '${field.name}'`)
    if (field.kind === 'array' && !LIST_OPERATORS.has(op) && !(op === '$ne' && value === null))
      throw listMisuse(field)
    if (value instanceof LooseValue && PATTERNS.has(op)) return this.operator(field, op, value.text)
    return loose(value, NEGATIONS.has(op), (v) => compile(this, field, v))
  }

  equals(field: Field, value: unknown): string {
    if (value === null) return `${field.sql} IS NULL`
    return typed(field, value, `${field.sql} = ${this.bind(field, value)}`)
  }

  /** Binds a value compared with `field` and returns its placeholder. */
  bind(field: Field, value: unknown): string {
    this.args.push(sqlValue(field, value))
    return '?'
  }
}

type Compile = (c: Conditions, field: Field, value: unknown) => string

const comparison =
  (op: string, sign: string): Compile =>
  (c, field, value) => {
    if (value === null) throw new BadRequest(`${op} on '${field.name}' needs a value, not null`)
    return typed(field, value, `${field.sql} ${sign} ${c.bind(field, value)}`)
  }

const between =
  (negated: boolean): Compile =>
  (c, field, value) => {
    if (!Array.isArray(value) || value.length !== 2 || value.some((v) => v === null)) {
      throw new BadRequest(`${negated ? '$notBetween' : '$between'} on '${field.name}' needs [min, max]`)
    }
    const sql = typed(
      field,
      value[0],
      `${field.sql} BETWEEN ${c.bind(field, value[0])} AND ${c.bind(field, value[1])}`
    )
    return negated ? `NOT coalesce(${sql}, 0)` : sql
  }

const pattern =
  (op: '$like' | '$notlike' | '$ilike'): Compile =>
  (c, field, value) => {
    if (typeof value !== 'string') throw new BadRequest(`${op} on '${field.name}' needs a string pattern`)
    // characters, not UTF-16 units: an emoji counts once
    if (value.length > MAX_PATTERN && [...value].length > MAX_PATTERN)
      throw new BadRequest(`${op} on '${field.name}' takes a pattern of at most ${MAX_PATTERN} characters`)
    assertText(field, value)
    const text = field.kind === 'timestamp' ? isoText(field.sql) : field.sql
    c.args.push(op === '$ilike' ? value : likeToGlob(value))
    const sql = typed(field, value, op === '$ilike' ? `${text} LIKE ? ESCAPE '\\'` : `${text} GLOB ?`)
    return op === '$notlike' ? `NOT coalesce(${sql}, 0)` : sql
  }

const list =
  (negated: boolean): Compile =>
  (c, field, value) => {
    const items = listOf(field, negated ? '$nin' : '$in', value)
    const values = items.filter((v) => v !== null)
    const hasNull = values.length < items.length
    const column = field.sql
    if (field.typeSql) {
      const any = [...values.map((v) => c.equals(field, v)), ...(hasNull ? [`${column} IS NULL`] : [])]
      const matches = any.length ? `(${any.join(' OR ')})` : '0'
      return negated ? `NOT coalesce(${matches}, 0)` : matches
    }
    const marks = values.map((v) => c.bind(field, v)).join(', ')
    if (!negated) {
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

/**
 * `$contains` (every value) and `$containsAny` (one of them) on a list: the tag index's seeks for
 * `tags`, elsewhere a look through the stored list (a free-form field holds one only sometimes).
 */
const membership =
  (op: '$contains' | '$containsAny'): Compile =>
  (c, field, value) => {
    if (field.kind !== 'array' && field.kind !== 'any')
      throw new BadRequest(`${op} on '${field.name}' needs a list field`)
    // one value is a list of one (a query string's single value is no array)
    const items = Array.isArray(value) || isPlainObject(value) ? listOf(field, op, value) : [value]
    if (items.length === 0) throw new BadRequest(`${op} on '${field.name}' needs at least one value`)
    const any = op === '$containsAny'
    if (field.tagIndex) {
      if (items.some((item) => typeof item !== 'string' || item === ''))
        throw new BadRequest(`${op} on '${field.name}' needs tags (non-empty strings)`)
      const tags = [...new Set(items as string[])]
      for (const tag of tags) assertText(field, tag)
      if (any) c.args.push(c.workspace, ...tags)
      else for (const tag of tags) c.args.push(c.workspace, tag)
      return tagCondition(field.tagIndex, quoteIdent(field.tagIndex.idField), tags.length, any)
    }
    const list = field.typeSql ? `CASE WHEN ${field.typeSql} = 'array' THEN ${field.sql} END` : field.sql
    const has = items.map((item) => {
      if (item === null || typeof item === 'object')
        throw new BadRequest(`${op} on '${field.name}' needs strings, numbers or booleans`)
      return `EXISTS (SELECT 1 FROM json_each(${list}) AS e WHERE e.type ${jsonTypeOf(item)} AND e.value = ${c.bind(field, item)})`
    })
    return has.length === 1 ? has[0]! : `(${has.join(any ? ' OR ' : ' AND ')})`
  }

/** Every operator a condition may use, with the SQL it compiles to. */
export const OPERATORS: Readonly<Record<string, Compile>> = {
  $ne: (c, field, value) => {
    if (value === null) return `${field.sql} IS NOT NULL`
    if (field.typeSql) return `NOT coalesce(${c.equals(field, value)}, 0)`
    return `${field.sql} IS NOT ${c.bind(field, value)}`
  },
  $in: list(false),
  $nin: list(true),
  $lt: comparison('$lt', '<'),
  $lte: comparison('$lte', '<='),
  $gt: comparison('$gt', '>'),
  $gte: comparison('$gte', '>='),
  $between: between(false),
  $notBetween: between(true),
  $contains: membership('$contains'),
  $containsAny: membership('$containsAny'),
  $like: pattern('$like'),
  $notlike: pattern('$notlike'),
  $ilike: pattern('$ilike')
}

const NEGATIONS = new Set(['$ne', '$nin', '$notBetween', '$notlike'])
const LIST_OPERATORS = new Set(['$contains', '$containsAny'])

/**
 * Equality, `$in` or `$like` on a list would compare its JSON text, which is never what was meant
 * (`{ tags: 'bug' }` would find nothing): a list field takes the list operators, or null.
 */
const listMisuse = (field: Field) =>
  new BadRequest(`'${field.name}' is a list: use $contains or $containsAny (or null for none)`)
const PATTERNS = new Set(['$like', '$notlike', '$ilike'])

/**
 * `build` of a value that may hold LooseValues: once with their JSON values, once with their text,
 * either matching (or, for a negation, both).
 */
function loose(value: unknown, negation: boolean, build: (value: unknown) => string): string {
  const holds =
    value instanceof LooseValue || (Array.isArray(value) && value.some((v) => v instanceof LooseValue))
  if (!holds) return build(value)
  const pick = (side: 'value' | 'text') => (v: unknown) => (v instanceof LooseValue ? v[side] : v)
  const each = (side: 'value' | 'text') => (Array.isArray(value) ? value.map(pick(side)) : pick(side)(value))
  return `(${build(each('value'))} ${negation ? 'AND' : 'OR'} ${build(each('text'))})`
}

/**
 * `condition`, on a free-form JSON field only where the stored value has the JSON type of `value`:
 * SQLite compares across types (`->>` reads true as 1, an object as its JSON text, and any text
 * sorts after any number), which a query on `custom_context.priority` must not.
 */
function typed(field: Field, value: unknown, condition: string): string {
  if (!field.typeSql) return condition
  return `(${field.typeSql} ${jsonTypeOf(value)} AND ${condition})`
}

/** The test of a JSON type (json_type(), json_each's `type`) that a scalar query value matches. */
function jsonTypeOf(value: unknown): string {
  if (typeof value === 'string') return `= 'text'`
  return typeof value === 'number' ? `IN ('integer', 'real')` : `IN ('true', 'false')`
}

function listOf(field: Field, op: string, value: unknown): unknown[] {
  // qs makes an object with numeric keys of a list it does not take as an array
  const items =
    Array.isArray(value) || !isPlainObject(value) || !Object.keys(value).every((k) => /^\d+$/.test(k))
      ? value
      : Object.values(value)
  if (!Array.isArray(items)) throw new BadRequest(`${op} on '${field.name}' needs an array`)
  if (items.length > MAX_LIST)
    throw new BadRequest(`${op} on '${field.name}' takes at most ${MAX_LIST} values`)
  return items
}

/** A condition's value as SQL binds it. */
function sqlValue(field: Field, value: unknown): InValue {
  if (field.kind === 'timestamp') {
    if (typeof value === 'number' && Number.isFinite(value)) return value
    const ms = typeof value === 'string' ? isoMillis(value) : undefined
    if (ms === undefined) throw new BadRequest(`'${field.name}' needs an ISO timestamp or milliseconds`)
    return ms
  }
  if (typeof value === 'string') assertText(field, value)
  if (field.instant?.()) {
    // `…T00:30:00+01:00` is compared as the text such an instant is stored as
    const text = typeof value === 'string' ? instantText(value) : undefined
    if (text === undefined) throw new BadRequest(`'${field.name}' needs an ISO timestamp with its offset`)
    return text
  }
  if (typeof value === 'string') return value
  if (typeof value === 'number') return sqlNumber(field, value)
  if (typeof value === 'boolean') return value ? 1 : 0
  throw new BadRequest(`Query value of '${field.name}' must be a string, number, boolean or null`)
}

/**
 * A condition's number. The store writes an integer past 2^53 as JSON.stringify does (2^60 as
 * `1152921504606847000`), and SQLite reads that text as the 64-bit integer it spells, not as the
 * double's exact value: such a condition binds the same integer, so that it matches what it reads.
 */
function sqlNumber(field: Field, value: number): InValue {
  if (!Number.isFinite(value)) throw new BadRequest(`'${field.name}' needs a finite number`)
  if (Number.isSafeInteger(value) || !Number.isInteger(value) || Math.abs(value) >= 2 ** 63) return value
  return BigInt(String(value))
}

/**
 * Refuses text with a lone surrogate: the engine binds it as UTF-8, which replaces it with U+FFFD,
 * so the condition would match documents holding that character instead.
 */
function assertText(field: Field, value: string): void {
  if (LONE_SURROGATE.test(value))
    throw new BadRequest(`A condition on '${field.name}' must not hold a lone surrogate`)
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
