/**
 * The short-id resolver: finds a document by a whole id or any unique prefix with one indexed
 * statement, and computes the short ids that people see.
 */
import type { Connection, InValue, Result, Row, Statement, Value } from '../db/connection.js'
import { AmbiguousIdError, DocumentNotFoundError, MAX_CANDIDATES } from '../errors.js'
import { type IdPrefix, parseDocumentId, shortIdFromNeighbours } from '../ids.js'
import type { AnyDefinition } from '../schema/collection.js'
import { quoteIdent, quoteText } from '../schema/sql.js'
import { IN_WORKSPACE } from '../schema/workspaces.js'
import type { Document, RowMapper } from './row.js'

/** Extra SQL condition a resolved row must also meet (a `get(id, { query })`). */
export interface Condition {
  sql: string
  args: InValue[]
  /** Runs the lookup in place of the connection (a search's, where its index has caught up). */
  read?: (statement: Statement) => Promise<Result>
}

const MATCH = '__agor_match'
/** How many documents a prefix names, counted up to two: two mean that it is ambiguous. */
const MATCHES = '__agor_matches'

/** The first row of a result by position: its values where the driver reads them so. */
const valuesOf = (result: Result): ArrayLike<Value> => result.values?.[0] ?? result.rows[0]!

export class Resolver {
  readonly #db: Connection
  readonly #def: AnyDefinition
  readonly #mapper: RowMapper
  readonly #table: string
  readonly #id: string
  readonly #workspace: string
  /**
   * The workspace condition of a lookup. Unary `+` keeps SQLite from taking it for an index
   * (every index but the primary key's begins with the workspace): ranges of ids go by the
   * primary key, and the few rows in a range are checked. A text key's primary key begins with
   * the workspace: there it is the way in.
   */
  readonly #inWorkspace: string
  /**
   * The statements of the commonest lookups, by whole id and by prefix, without a condition: their
   * workspace is written in, which spares binding it on every call (a fiftieth of a get by id).
   */
  readonly #byId: string
  readonly #byPrefix: string

  /** Finds the documents of `workspace` only: another workspace's id is unknown here. */
  constructor(db: Connection, def: AnyDefinition, mapper: RowMapper, workspace: string) {
    this.#db = db
    this.#def = def
    this.#mapper = mapper
    this.#table = quoteIdent(def.name)
    this.#id = quoteIdent(def.idField)
    this.#workspace = workspace
    this.#inWorkspace = def.key === 'text' ? IN_WORKSPACE : `+${IN_WORKSPACE}`
    // a function: a replacement text would read `$'` and `$&` in the name as patterns
    const own = this.#inWorkspace.replace('?', () => quoteText(workspace))
    this.#byId = this.#select(false, own)
    this.#byPrefix = this.#select(true, own)
  }

  /**
   * The row `input` names: one statement, `id = ?` for a whole id, an index range for a prefix.
   * Throws a 404 when nothing matches (or the match fails `condition`), a 409 listing the
   * candidates when the prefix is ambiguous, a 400 when the input is not an id.
   */
  async row(input: unknown, condition?: Condition): Promise<Row> {
    return (await this.#found(input, condition)).rows[0]!
  }

  /** The document `input` names: what `row` finds, mapped (from its values where the driver has them). */
  document(input: unknown, condition?: Condition): Promise<Document> {
    return this.#found(input, condition).then((result) => this.#mapper.fromValues(valuesOf(result)))
  }

  /** The values of the row `input` names, its columns first in the mapper's order (see `row`). */
  values(input: unknown, condition?: Condition): Promise<ArrayLike<Value>> {
    return this.#found(input, condition).then(valuesOf)
  }

  /**
   * The result of the one statement that finds `input`'s row, checked (see `row`). One promise
   * from the statement to its check: a get by id is a few microseconds, and each await on the way
   * would add a tenth of that.
   */
  #found(input: unknown, condition: Condition | undefined): Promise<Result> {
    let prefix: IdPrefix
    try {
      prefix = parseDocumentId(this.#def.key, input)
    } catch (error) {
      return Promise.reject(error)
    }
    const bounds = prefix.full ? [prefix.text] : [prefix.lo, prefix.hi, prefix.lo, prefix.hi]
    const statement = condition
      ? {
          sql: this.#select(!prefix.full, this.#inWorkspace, condition),
          args: [...condition.args, ...bounds, this.#workspace],
          single: true
        }
      : { sql: prefix.full ? this.#byId : this.#byPrefix, args: bounds, single: true }
    const read = condition?.read ? condition.read(statement) : this.#db.execute(statement)
    return read.then((result) => this.#checked(result, prefix, condition))
  }

  /** `result` if its row is the one document `prefix` names; a 404 or a 409 otherwise. */
  #checked(result: Result, prefix: IdPrefix, condition: Condition | undefined): Result | Promise<Result> {
    // by position: the row's columns, then whether it meets the condition, then the prefix's matches
    const row = result.values?.[0] ?? result.rows[0]
    const extra = this.#mapper.columns.length
    const missing = !row || (condition && !row[extra])
    if (row && !prefix.full && Number(row[condition ? extra + 1 : extra]) > 1) {
      // two documents in the range, of any workspace: ambiguous only if both are this one's
      return this.#ambiguous(prefix.text, prefix.lo, prefix.hi).then((ambiguous) => {
        if (ambiguous) throw ambiguous
        if (missing) throw new DocumentNotFoundError(this.#def.singular, prefix.text)
        return result
      })
    }
    if (missing) throw new DocumentNotFoundError(this.#def.singular, prefix.text)
    return result
  }

  /**
   * The SELECT of one id (`id = ?`) or of a prefix (an index range: `id >= ? AND id < ?`), with the
   * truth of `condition` as a column. A prefix selects its first row of the workspace and counts
   * the rows of its range, of every workspace, up to two (LIMIT 2: from the primary key alone, not
   * a row read), in one statement that returns one row: the driver of a local file reads one row at
   * half the cost of a list of them.
   */
  #select(range: boolean, inWorkspace: string, condition?: Condition): string {
    const select = `SELECT ${this.#mapper.columnList}${condition ? `, (${condition.sql}) AS ${MATCH}` : ''}`
    if (!range) return `${select} FROM ${this.#table} WHERE ${this.#id} = ? AND ${inWorkspace}`
    const inRange = `${this.#id} >= ? AND ${this.#id} < ?`
    const matches = `(SELECT count(*) FROM (SELECT 1 FROM ${this.#table} WHERE ${inRange} LIMIT 2)) AS ${MATCHES}`
    return `${select}, ${matches} FROM ${this.#table} WHERE ${inRange} AND ${inWorkspace} LIMIT 1`
  }

  /**
   * Resolves id prefixes to whole ids (for relation fields). Whole ids are returned as they are,
   * without a lookup; the foreign key checks them when they are written. A prefix that matches
   * nothing is left out of the map, so that the caller treats it as it treats an unknown whole id.
   * Prefixes are resolved in one round trip.
   */
  async resolveIds(inputs: readonly unknown[]): Promise<Map<unknown, string>> {
    const resolved = new Map<unknown, string>()
    const lookups: { input: unknown; text: string; lo: string; hi: string }[] = []
    for (const input of new Set(inputs)) {
      const prefix = parseDocumentId(this.#def.key, input)
      if (prefix.full) resolved.set(input, prefix.text)
      else lookups.push({ input, text: prefix.text, lo: prefix.lo, hi: prefix.hi })
    }
    if (lookups.length === 0) return resolved
    const sql = `SELECT ${this.#id} AS id FROM ${this.#table} WHERE ${this.#id} >= ? AND ${this.#id} < ? AND ${this.#inWorkspace} ORDER BY ${this.#id} LIMIT 2`
    const results = await this.#db.batch(
      lookups.map((l) => ({ sql, args: [l.lo, l.hi, this.#workspace] })),
      'read'
    )
    for (const [i, lookup] of lookups.entries()) {
      const rows = results[i]?.rows ?? []
      if (rows.length === 1) resolved.set(lookup.input, String(rows[0]!.id))
      if (rows.length < 2) continue
      const ambiguous = await this.#ambiguous(lookup.text, lookup.lo, lookup.hi)
      if (ambiguous) throw ambiguous
    }
    return resolved
  }

  /**
   * The short id of each id, in one statement: for each id, its neighbours among the workspace's
   * documents give the shortest prefix that no other document of the workspace shares. Only
   * neighbours that share the first 8 digits matter (no short id is shorter): each is looked for
   * within that range of the primary key, which bounds the rows of other workspaces passed over.
   */
  async shortIds(ids: readonly string[]): Promise<string[]> {
    // a text key is named exactly: it is its own short id
    if (ids.length === 0 || this.#def.key === 'text') return [...ids]
    const [id, table, ws] = [this.#id, this.#table, this.#inWorkspace]
    // canonical ids have a dash after their 8th digit: '.' comes right after it
    const { rows } = await this.#db.execute({
      sql: `SELECT j.value AS id,
          (SELECT ${id} FROM ${table} WHERE ${id} < j.value AND ${id} >= substr(j.value, 1, 8) AND ${ws} ORDER BY ${id} DESC LIMIT 1) AS prev,
          (SELECT ${id} FROM ${table} WHERE ${id} > j.value AND ${id} < substr(j.value, 1, 8) || '.' AND ${ws} ORDER BY ${id} LIMIT 1) AS next
        FROM json_each(?) AS j ORDER BY j.key`,
      args: [this.#workspace, this.#workspace, JSON.stringify(ids)]
    })
    return rows.map((r) =>
      shortIdFromNeighbours(String(r.id), r.prev as string | null, r.next as string | null)
    )
  }

  /** The 409 of a prefix that names several documents of the workspace; undefined if it does not. */
  async #ambiguous(text: string, lo: string, hi: string): Promise<AmbiguousIdError | undefined> {
    const { rows } = await this.#db.execute({
      sql: `SELECT ${this.#mapper.columnList} FROM ${this.#table} WHERE ${this.#id} >= ? AND ${this.#id} < ? AND ${this.#inWorkspace} ORDER BY ${this.#id} LIMIT ${MAX_CANDIDATES + 1}`,
      args: [lo, hi, this.#workspace]
    })
    if (rows.length < 2) return undefined
    const docs = rows.slice(0, MAX_CANDIDATES).map((r) => this.#mapper.fromValues(r))
    const shortIds = await this.shortIds(docs.map((d) => String(d[this.#def.idField])))
    const candidates = docs.map((doc, i) => ({
      id: String(doc[this.#def.idField]),
      short_id: shortIds[i]!,
      created_at: String(doc.created_at),
      status: typeof doc.status === 'string' ? doc.status : null,
      summary: this.#def.summary(doc)
    }))
    return new AmbiguousIdError(this.#def.singular, text, candidates, rows.length > MAX_CANDIDATES)
  }
}
