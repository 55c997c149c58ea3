/**
 * Exact totals of pages without counting every match on every page: a total is counted again
 * only when the database changed since it was counted, which the change feed's head says (every
 * committed write of a document moves it). One statement, read with the page in one snapshot; the
 * count runs only when the head moved.
 */
import type { InValue } from '../db/connection.js'
import { CHANGES_TABLE } from '../schema/changes.js'
import { quoteIdent } from '../schema/sql.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { joinedWhere, type Where } from './query-compiler.js'
import type { PositionalStatement } from './statements.js'

/** Queries whose totals are kept, the least recently used first out. */
const KEPT = 256

export class Totals {
  readonly #table: string
  readonly #kept: Map<string, { head: number; total: number }> | undefined

  /**
   * `table`: the collection's table, quoted. `feed`: whether its writes move the feed's head (a
   * collection of the registry: it has the feed's triggers); otherwise every total is counted.
   */
  constructor(table: string, feed: boolean) {
    this.#table = table
    this.#kept = feed ? new Map() : undefined
  }

  /** The statement that answers `{ head, total }` for the matches of `where`. */
  statement(where: Where): PositionalStatement {
    const count = this.#count(where)
    if (!this.#kept) return { sql: `SELECT ${count.sql} AS total`, args: count.args }
    const known = this.#kept.get(keyOf(where))
    return {
      sql: `SELECT h.head AS head, CASE WHEN h.head = ? THEN ? ELSE ${count.sql} END AS total FROM (SELECT coalesce(max(seq), 0) AS head FROM ${CHANGES_TABLE}) AS h`,
      args: [known?.head ?? -1, known?.total ?? 0, ...count.args]
    }
  }

  /**
   * The count of the matches of `where`. Every document of a workspace is the whole table's count
   * when no other workspace has a row (two seeks of the workspace's index say so): SQLite counts a
   * whole table far faster than a range of an index, row by row.
   */
  #count(where: Where): PositionalStatement {
    // a search's matches are joined, as on its page: the count starts from them
    const { join, sql, args } = joinedWhere(where)
    const range = `(SELECT count(*) FROM ${this.#table}${join} WHERE ${sql})`
    if (!where.whole) return { sql: range, args }
    const column = quoteIdent(WORKSPACE_COLUMN)
    const alone = `NOT EXISTS (SELECT 1 FROM ${this.#table} WHERE ${column} < ?) AND NOT EXISTS (SELECT 1 FROM ${this.#table} WHERE ${column} > ?)`
    const { workspace } = where.whole
    return {
      sql: `(CASE WHEN ${alone} THEN (SELECT count(*) FROM ${this.#table}) ELSE ${range} END)`,
      args: [workspace, workspace, ...where.args]
    }
  }

  /**
   * The total the statement answered, kept for the next page of the same query unless `keep` is
   * false: a search's total counted over an index that had not caught up, which its head does not show.
   */
  read(where: Where, row: Record<string, unknown> | undefined, keep = true): number {
    const total = Number(row?.total ?? 0)
    if (!this.#kept || !keep) return total
    const key = keyOf(where)
    this.#kept.delete(key)
    this.#kept.set(key, { head: Number(row?.head ?? -1), total })
    if (this.#kept.size > KEPT) this.#kept.delete(this.#kept.keys().next().value!)
    return total
  }
}

function keyOf(where: Where): string {
  return `${where.sql}\u0000${JSON.stringify(where.args satisfies InValue[], bigintAsObject)}`
}

/** A condition's integer past 2^53 (a BigInt, see operators.ts) in the key: no text arg reads the same. */
const bigintAsObject = (_key: string, value: unknown) =>
  typeof value === 'bigint' ? { bigint: String(value) } : value
