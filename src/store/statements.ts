/**
 * The SQL statements of one collection's table: the page SELECT (which find, multi patch and multi
 * remove share), the creates and updates through its write views (write-views.ts), chunked
 * multi-row INSERTs and DELETE … RETURNING. Texts that do not depend on a query are built once.
 */
import type { InValue, Statement } from '../db/connection.js'
import type { AnyDefinition } from '../schema/collection.js'
import { quoteIdent } from '../schema/sql.js'
import { IN_WORKSPACE, WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { type ChangeContext, imageText } from './feed-triggers.js'
import { type CompiledFind, joinedWhere, type Where } from './query-compiler.js'
import { type Document, type RowMapper, toMillis } from './row.js'
import { undoOf } from './undo.js'
import {
  CREATE_EXTRAS,
  createView,
  DATA_UPDATE_EXTRAS,
  dataUpdateColumns,
  dataUpdateView,
  optionalColumns,
  UPDATE_EXTRAS,
  updateView
} from './write-views.js'

/** Rows per INSERT statement: well under SQLite's 32,766 bound parameters. */
export const ROWS_PER_INSERT = 1000

/** A statement with positional values (which a caller may extend). */
export interface PositionalStatement {
  sql: string
  args: InValue[]
}

/** An update through the write view, the document it writes and its row. */
export interface ViewUpdate {
  statement: Statement
  written: Document
  values: InValue[]
}

/** An INSERT of one row of `columns` into `table` (a view, here), with positional parameters. */
function insertInto(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`
}

export class TableStatements {
  readonly #mapper: RowMapper
  readonly #table: string
  readonly #id: string
  readonly #createView: string
  readonly #update: string
  readonly #dataUpdate: string
  /** The places in a row of the columns an update of `data` alone writes. */
  readonly #dataPlaces: number[]
  readonly #optional: { column: string; bit: number }[]
  /** INSERT texts by the table (or view) and number of rows. */
  readonly #inserts = new Map<string, string>()
  readonly #workspace: string

  /** The statements of the documents of `workspace`: what they write is in it. */
  constructor(def: AnyDefinition, mapper: RowMapper, workspace: string) {
    this.#mapper = mapper
    this.#workspace = workspace
    this.#table = quoteIdent(def.name)
    this.#id = quoteIdent(def.idField)
    this.#createView = quoteIdent(createView(def))
    this.#optional = optionalColumns(def)
    this.#update = insertInto(updateView(def), [...mapper.columns, ...UPDATE_EXTRAS])
    this.#dataUpdate = insertInto(dataUpdateView(def), [...dataUpdateColumns(def), ...DATA_UPDATE_EXTRAS])
    this.#dataPlaces = dataUpdateColumns(def).map((column) => mapper.columns.indexOf(column))
  }

  /**
   * The documents of a page of a query, in its order (`limit` undefined: all of them). A search's
   * matches are joined: its order may be their rank, and the plan starts from them.
   */
  page(find: CompiledFind, limit = find.limit, columns = this.#mapper.columnList): PositionalStatement {
    const { join, sql, args } = joinedWhere(find)
    return {
      sql: `SELECT ${columns} FROM ${this.#table}${join} WHERE ${sql} ORDER BY ${find.orderBy} LIMIT ? OFFSET ?`,
      args: [...args, limit ?? -1, find.skip]
    }
  }

  /** Removes the page of a query, returning the documents as they were. */
  removePage(find: CompiledFind): Statement {
    const ids = this.page(find, find.limit, this.#id)
    return {
      // the workspace again: a text key names an entry in each workspace that has it
      sql: `DELETE FROM ${this.#table} WHERE ${this.#id} IN (${ids.sql}) AND ${IN_WORKSPACE} RETURNING ${this.#mapper.columnList}`,
      args: [...ids.args, this.#workspace]
    }
  }

  /** Removes the document `id` if it meets `condition`, returning it as it was. */
  removeOne(id: string, condition?: Where): Statement {
    const where = condition ? ` AND (${condition.sql})` : ''
    return {
      sql: `DELETE FROM ${this.#table} WHERE ${this.#id} = ? AND ${IN_WORKSPACE}${where} RETURNING ${this.#mapper.columnList}`,
      args: [id, this.#workspace, ...(condition?.args ?? [])]
    }
  }

  /**
   * The write of `next` over the row `stored` (which must still be as read), with its change:
   * `event`, who writes, and for a patch the patch.
   */
  update(
    next: Document,
    stored: Document,
    event: 'updated' | 'patched',
    context: ChangeContext,
    patch?: Document
  ): ViewUpdate {
    // the document returned is `next` as its row will be read, made without parsing that row
    const { values, doc: written } = this.#mapper.written(next)
    // the columns besides data and updated_at whose value changes (see write-views.ts)
    let set = 0
    for (const { column, bit } of this.#optional) {
      if ((next[column] ?? null) !== (stored[column] ?? null)) set |= bit
    }
    const extras: InValue[] = [
      this.#workspace,
      context.actor ?? null,
      context.transport ?? null,
      context.remote ?? null,
      event,
      patch === undefined ? null : JSON.stringify(patch),
      // an update may drop keys: its undo is the row before it, whole (see undo.ts)
      event === 'patched'
        ? JSON.stringify(undoOf(stored, next))
        : imageText(this.#mapper.columns, this.#mapper.toRow(stored)),
      toMillis(String(stored.updated_at))
    ]
    const statement: Statement =
      set === 0
        ? { sql: this.#dataUpdate, args: [...this.#dataPlaces.map((i) => values[i]!), ...extras] }
        : { sql: this.#update, args: [...values, ...extras, set] }
    return { statement, written, values }
  }

  /** The creates of rows (from RowMapper.toRow) with their changes, ROWS_PER_INSERT at a time. */
  creates(rows: readonly (readonly InValue[])[], context: ChangeContext): Statement[] {
    const extras = [this.#workspace, context.actor ?? null, context.transport ?? null, context.remote ?? null]
    return this.#chunked(this.#createView, CREATE_EXTRAS, rows, extras)
  }

  /** Multi-row INSERTs of rows (from RowMapper.toRow) into the table itself, for an import. */
  inserts(rows: readonly (readonly InValue[])[]): Statement[] {
    return this.#chunked(this.#table, [WORKSPACE_COLUMN], rows, [this.#workspace])
  }

  /** A SELECT that `build` writes around the column list and table name (genealogy). */
  custom(build: (columns: string, table: string) => Statement): Statement {
    return build(this.#mapper.columnList, this.#table)
  }

  /** INSERTs of `rows`, each followed by the same `extras` values (for the `extraColumns`). */
  #chunked(
    target: string,
    extraColumns: readonly string[],
    rows: readonly (readonly InValue[])[],
    extras: readonly InValue[]
  ): Statement[] {
    const statements: Statement[] = []
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const end = Math.min(rows.length, start + ROWS_PER_INSERT)
      const args: InValue[] = []
      for (let i = start; i < end; i++) {
        for (const value of rows[i]!) args.push(value)
        for (const value of extras) args.push(value)
      }
      statements.push({ sql: this.#insertSql(target, extraColumns, end - start), args })
    }
    return statements
  }

  /** The INSERT of `rows` rows. The commonest, of one row and of a full chunk, are built once. */
  #insertSql(target: string, extras: readonly string[], rows: number): string {
    const key = `${target} ${rows}`
    let sql = this.#inserts.get(key)
    if (sql === undefined) {
      const columns = [...this.#mapper.columns, ...extras].map(quoteIdent)
      const placeholders = `(${new Array(columns.length).fill('?').join(', ')})`
      sql = `INSERT INTO ${target} (${columns.join(', ')}) VALUES ${new Array(rows).fill(placeholders).join(', ')}`
      if (rows === 1 || rows === ROWS_PER_INSERT) this.#inserts.set(key, sql)
    }
    return sql
  }
}
