/**
 * The query compiler: the Feathers query syntax, over columns and JSON fields alike, to SQL with
 * bound values. Field names are checked against the collection's schema (query-fields.ts) and
 * written into SQL only in checked form; every value is a bound parameter (operators.ts).
 */
import { BadRequest } from '@feathersjs/errors'
import type { InValue } from '../db/connection.js'
import type { AnyDefinition } from '../schema/collection.js'
import { quoteIdent } from '../schema/sql.js'
import { IN_WORKSPACE } from '../schema/workspaces.js'
import { Conditions } from './operators.js'
import { isPlainObject } from './plain-json.js'
import { type Field, QueryFields } from './query-fields.js'
import { foldQuery, type Query, queryCount, SEARCH } from './query-walk.js'
import { SEARCH_RANK, type SearchMatches, searchMatches } from './search-index.js'

/** Most values one whole query compares with (SQLite binds at most 32,766). */
export const MAX_VALUES = 5000

/** The SQL of a query's conditions and the values it binds. */
export interface Where {
  sql: string
  args: InValue[]
  /** Set when the query has no condition: it matches every document of this workspace. */
  whole?: { workspace: string }
  /**
   * Set with `$search`: a JOIN of the ranked matches (after the table in FROM) and the conditions
   * besides the search, with their values, for statements that read the rank or want the
   * matches to lead the plan. `sql` has the search too, as an IN condition, for any other use.
   */
  search?: { join: string; sql: string; args: InValue[] }
}

/**
 * The conditions of `where` for a statement that reads the table: after the table in FROM, `join`
 * (a search's ranked matches, or nothing), then WHERE `sql`.
 */
export function joinedWhere(where: Where): { join: string; sql: string; args: InValue[] } {
  return where.search ?? { join: '', sql: where.sql, args: where.args }
}

/** A compiled `find`: the WHERE clause with its values, the order, and the page. */
export interface CompiledFind extends Where {
  orderBy: string
  limit: number | undefined
  skip: number
  select: readonly Field[] | undefined
}

export class QueryCompiler {
  readonly fields: QueryFields
  readonly #id: string
  readonly #workspace: string
  readonly #name: string
  readonly #search: SearchMatches | undefined

  /** Compiles queries over the documents of `workspace`: every WHERE begins with it. */
  constructor(def: AnyDefinition, workspace: string) {
    this.fields = new QueryFields(def)
    this.#id = def.idField
    this.#workspace = workspace
    this.#name = def.name
    this.#search = searchMatches(def)
  }

  /** Compiles the conditions of a query (its filters are checked, not compiled). */
  where(query: Query): Where {
    const conditions = new Conditions(this.#workspace)
    const { fields } = this
    // methods, not arrows: a runner that keeps function names (tsx) would name each on every query
    const sql = foldQuery<string>(query, {
      field(name, value) {
        return conditions.condition(fields.field(name), value)
      },
      group(op, parts) {
        return parts.length === 0
          ? op === '$or'
            ? '0'
            : '1'
          : `(${parts.join(op === '$or' ? ' OR ' : ' AND ')})`
      },
      // a condition that is NULL (a missing field) counts as false, so its negation holds
      not(part) {
        return `NOT coalesce((${part}), 0)`
      },
      object(parts) {
        return parts.length ? parts.map(([, part]) => part).join(' AND ') : '1'
      }
    })
    if (conditions.args.length > MAX_VALUES)
      throw new BadRequest(`A query may compare with at most ${MAX_VALUES} values`)
    const where: Where = { sql: `${IN_WORKSPACE} AND (${sql})`, args: [this.#workspace, ...conditions.args] }
    // a $search given as undefined is refused, not dropped: a multi write must not widen to all
    if (Object.hasOwn(query, SEARCH)) return this.#searched(where, query[SEARCH])
    return sql === '1' ? { ...where, whole: { workspace: this.#workspace } } : where
  }

  /** `where` and the matches of a `$search` (see search-query.ts for what its text may say). */
  #searched(where: Where, text: unknown): Where {
    if (!this.#search) throw new BadRequest(`$search: the ${this.#name} collection has no text to search`)
    const matches = this.#search(text, this.#workspace)
    return {
      sql: `${quoteIdent(this.#id)} IN (${matches.ids}) AND ${where.sql}`,
      args: [...matches.args, ...where.args],
      search: { join: matches.join, sql: where.sql, args: [...matches.args, ...where.args] }
    }
  }

  /** Compiles a whole `find` query. */
  compile(query: Query = {}): CompiledFind {
    return {
      ...this.where(query),
      orderBy: this.#orderBy(query.$sort, Object.hasOwn(query, SEARCH)),
      limit: queryCount(query.$limit, '$limit'),
      skip: queryCount(query.$skip, '$skip') ?? 0,
      select: this.select(query.$select)
    }
  }

  /** The fields of a `$select`, checked, or undefined for whole documents. */
  select(select: unknown): Field[] | undefined {
    if (select === undefined || select === null) return undefined
    const names = typeof select === 'string' ? [select] : select
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
      throw new BadRequest('$select must be an array of field names')
    }
    return names.map((n: string) => this.fields.field(n))
  }

  #orderBy(sort: unknown, searched: boolean): string {
    const id = quoteIdent(this.#id)
    // oldest first, then by id: the order of every index (each ends with created_at and the id);
    // a search's best matches first
    if (sort === undefined || sort === null) return `${searched ? `${SEARCH_RANK}, ` : ''}"created_at", ${id}`
    if (!isPlainObject(sort)) throw new BadRequest('$sort must be an object of field: 1 | -1')
    const parts: string[] = []
    let hasId = false
    let last = 'ASC'
    for (const [name, direction] of Object.entries(sort)) {
      const field = this.fields.field(name)
      const order = sortDirection(direction)
      if (!order) throw new BadRequest(`$sort of '${name}' must be 1 or -1`)
      hasId ||= name === this.#id
      parts.push(`${field.sql} ${order}`)
      last = order
    }
    // ties go the way the sort goes: newest first stays newest first within one millisecond
    if (!hasId) parts.push(`${id} ${last}`)
    return parts.join(', ')
  }
}

function sortDirection(value: unknown): 'ASC' | 'DESC' | undefined {
  if (value === 1 || value === '1' || value === 'asc' || value === 'ascending') return 'ASC'
  if (value === -1 || value === '-1' || value === 'desc' || value === 'descending') return 'DESC'
  return undefined
}
