/**
 * The reads of a find: its page and, paginated, its exact total, in one snapshot where a search's
 * index has caught up (search-upkeep.ts); a total is counted again only when the database changed
 * (totals.ts).
 */
import type { Result, Statement } from '../db/connection.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collections, isCollectionName } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import type { Where } from './query-compiler.js'
import type { SearchUpkeep } from './search-upkeep.js'
import { Totals } from './totals.js'

export class FindReads {
  readonly #search: SearchUpkeep
  readonly #totals: Totals

  constructor(def: AnyDefinition, search: SearchUpkeep) {
    this.#search = search
    const registered = isCollectionName(def.name) && collections[def.name] === def
    this.#totals = new Totals(quoteIdent(def.name), registered)
  }

  /** The rows of `statement`, which reads matches of `where`; `answer`: see SearchUpkeep.read. */
  async rows(where: Where, statement: Statement, answer = false): Promise<Result> {
    return (await this.#search.read(where, [statement], answer)).results[0]!
  }

  /** The rows of `page`, a page of `where`'s matches (none when `limit` is 0), and their total. */
  async page(
    where: Where,
    page: Statement,
    limit: number | undefined
  ): Promise<{ rows?: Result; total: number }> {
    const count = this.#totals.statement(where)
    const { results, stale } = await this.#search.read(where, limit === 0 ? [count] : [page, count], true)
    const [rows, total] = limit === 0 ? [undefined, results[0]] : results
    return { rows, total: this.#totals.read(where, total?.rows[0], !stale) }
  }
}
