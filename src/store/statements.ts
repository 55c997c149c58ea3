/**
 * The SQL statements of one collection's table: the page SELECT (which find, multi patch and multi
 * remove share), the count, the guarded UPDATE, chunked multi-row INSERTs and DELETE … RETURNING.
 * Texts that do not depend on a query are built once.
 */
import type { InValue, Statement } from '../db/connection.js'
import type { AnyDefinition } from '../schema/collection.js'
import { quoteIdent } from '../schema/sql.js'
import type { CompiledFind, Where } from './query-compiler.js'
import { type Document, type RowMapper, toMillis } from './row.js'

/** Rows per INSERT statement: well under SQLite's 32,766 bound parameters. */
export const ROWS_PER_INSERT = 1000

/** A statement with positional values (which a caller may extend). */
export interface PositionalStatement {
  sql: string
  args: InValue[]
}

/** A guarded UPDATE and the document it writes. */
export interface GuardedUpdate {
  statement: Statement
  written: Document
}

export class TableStatements {
  readonly #mapper: RowMapper
  readonly #table: string
  readonly #id: string
  /** UPDATE texts by the set of columns they write (a bit per column). */
  readonly #updates = new Map<number, string>()
  readonly #inserts = new Map<number, string>()

  constructor(def: AnyDefinition, mapper: RowMapper) {
    this.#mapper = mapper
    this.#table = quoteIdent(def.name)
    this.#id = quoteIdent(def.idField)
  }

  /** The documents of a page of a query, in its order (`limit` undefined: all of them). */
  page(find: CompiledFind, limit = find.limit, columns = this.#mapper.columnList): PositionalStatement {
    return {
      sql: `SELECT ${columns} FROM ${this.#table} WHERE ${find.sql} ORDER BY ${find.orderBy} LIMIT ? OFFSET ?`,
      args: [...find.args, limit ?? -1, find.skip]
    }
  }

  /** Removes the page of a query, returning the documents as they were. */
  removePage(find: CompiledFind): Statement {
    const ids = this.page(find, find.limit, this.#id)
    return {
      sql: `DELETE FROM ${this.#table} WHERE ${this.#id} IN (${ids.sql}) RETURNING ${this.#mapper.columnList}`,
      args: ids.args
    }
  }

  /** Removes the document `id` if it meets `condition`, returning it as it was. */
  removeOne(id: string, condition?: Where): Statement {
    const where = condition ? ` AND (${condition.sql})` : ''
    return {
      sql: `DELETE FROM ${this.#table} WHERE ${this.#id} = ?${where} RETURNING ${this.#mapper.columnList}`,
      args: [id, ...(condition?.args ?? [])]
    }
  }

  /**
   * The UPDATE that writes `next` only if the row is still as `stored`, and what it writes. It
   * sets `data`, `updated_at` and the columns whose value changed: an index over a column it does
   * not set costs nothing (most patches leave status and relations alone).
   */
  guardedUpdate(next: Document, stored: Document): GuardedUpdate {
    const columns = this.#mapper.columns
    const values = this.#mapper.toRow(next)
    const args: InValue[] = []
    let written = 0
    for (let i = 1; i < columns.length; i++) {
      const column = columns[i]!
      if (column === 'updated_at') args.push(toMillis(String(stored.updated_at)))
      else if (column !== 'data' && (next[column] ?? null) === (stored[column] ?? null)) continue
      written |= 1 << i
      args.push(values[i]!)
    }
    args.push(values[0]!)
    return { statement: { sql: this.#updateSql(written), args }, written: this.#mapper.fromValues(values) }
  }

  /** Multi-row INSERTs of rows (from RowMapper.toRow), ROWS_PER_INSERT at a time. */
  inserts(rows: readonly (readonly InValue[])[]): Statement[] {
    const statements: Statement[] = []
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT)
      statements.push({ sql: this.#insertSql(chunk.length), args: chunk.flat() })
    }
    return statements
  }

  /**
   * Whether following `column` upwards from `target` reaches one of `ids`: a write that sets it
   * would make a document its own ancestor.
   */
  reachesAncestor(column: string, target: string, ids: readonly string[]): Statement {
    const link = quoteIdent(column)
    return {
      sql: `WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT t.${link} FROM ${this.#table} t JOIN up ON t.${this.#id} = up.id WHERE t.${link} IS NOT NULL)
        SELECT 1 FROM up WHERE id IN (SELECT value FROM json_each(?)) LIMIT 1`,
      args: [target, JSON.stringify(ids)]
    }
  }

  /** A SELECT that `build` writes around the column list and table name (genealogy). */
  custom(build: (columns: string, table: string) => Statement): Statement {
    return build(this.#mapper.columnList, this.#table)
  }

  /**
   * The UPDATE of the columns whose bits `written` has. updated_at is set only if it still holds
   * the value read (else NULL, which NOT NULL refuses): a write never lands on a row that changed
   * under it.
   */
  #updateSql(written: number): string {
    let sql = this.#updates.get(written)
    if (sql === undefined) {
      const sets = this.#mapper.columns
        .filter((_, i) => written & (1 << i))
        .map((c) =>
          c === 'updated_at' ? `"updated_at" = CASE "updated_at" WHEN ? THEN ? END` : `${quoteIdent(c)} = ?`
        )
      sql = `UPDATE ${this.#table} SET ${sets.join(', ')} WHERE ${this.#id} = ?`
      this.#updates.set(written, sql)
    }
    return sql
  }

  /** The INSERT of `rows` rows. The commonest, of one row and of a full chunk, are built once. */
  #insertSql(rows: number): string {
    let sql = this.#inserts.get(rows)
    if (sql === undefined) {
      const placeholders = `(${new Array(this.#mapper.columns.length).fill('?').join(', ')})`
      sql = `INSERT INTO ${this.#table} (${this.#mapper.columnList}) VALUES ${new Array(rows).fill(placeholders).join(', ')}`
      if (rows === 1 || rows === ROWS_PER_INSERT) this.#inserts.set(rows, sql)
    }
    return sql
  }
}
