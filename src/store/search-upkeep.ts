/**
 * Keeps a collection's search index caught up with its queue (see search-index.ts): a search
 * reads the index in a snapshot where the queue is empty, and a write that searches catches it up
 * in its own transaction, so neither ever sees text older than the documents beside it. Writes
 * catch up every CATCH_UP_EVERY documents, so that the queue stays short and its text is indexed
 * a few hundred documents at a time: one FTS5 segment for them all, not one each.
 */
import type { Connection, Result, Statement } from '../db/connection.js'
import { DatabaseUnavailableError } from '../errors.js'
import type { AnyDefinition } from '../schema/collection.js'
import type { Where } from './query-compiler.js'
import type { Condition } from './resolver.js'
import { type SearchIndex, searchIndex } from './search-index.js'

/** Documents a process writes to a collection between two catch-ups that its writes carry. */
export const CATCH_UP_EVERY = 256

/**
 * How long a search that answers a caller waits for another connection's write lock to catch up
 * (a local file; the engine waits in the calling thread): a write of the store holds it for
 * milliseconds, an import or another tool's transaction may hold it for minutes.
 */
export const ANSWER_WAIT_MS = 100

/**
 * How long after a search found the write lock held (or the primary out of reach) the searches
 * that answer callers take their snapshot as it is, without trying again: each try holds the
 * thread for ANSWER_WAIT_MS, and a daemon's searches would otherwise queue up behind one another.
 */
export const ANSWER_BACKOFF_MS = 1000

/** Until when (Date.now()) a connection's answering searches do not try to catch up. */
const backingOff = new WeakMap<Connection, number>()

/** The results of reads, and whether they were read with text the index had not caught up on. */
export interface Reads {
  results: Result[]
  stale: boolean
}

const kept = new WeakMap<Connection, Map<AnyDefinition, SearchUpkeep>>()

/** The upkeep of a collection's index on a connection: one for all its workspaces, which share the queue. */
export function searchUpkeep(db: Connection, def: AnyDefinition): SearchUpkeep {
  const byDefinition = kept.get(db) ?? new Map<AnyDefinition, SearchUpkeep>()
  kept.set(db, byDefinition)
  const upkeep = byDefinition.get(def) ?? new SearchUpkeep(db, def)
  byDefinition.set(def, upkeep)
  return upkeep
}

export class SearchUpkeep {
  readonly #db: Connection
  readonly #index: SearchIndex | undefined
  #written = 0

  constructor(db: Connection, def: AnyDefinition) {
    this.#db = db
    this.#index = searchIndex(def)
  }

  /**
   * The statements to run after a write of `count` documents, in its transaction: the catch-up
   * once CATCH_UP_EVERY documents were written since the last, otherwise none.
   */
  afterWrite(count: number): Statement[] {
    if (!this.#index) return []
    this.#written += count
    if (this.#written < CATCH_UP_EVERY) return []
    this.#written = 0
    return this.#index.catchUp
  }

  /** The statements to run first in a write whose conditions are `where`: the catch-up if it searches. */
  beforeWrite(where: Where | undefined): Statement[] {
    return where?.search && this.#index ? this.#index.catchUp : []
  }

  /**
   * Runs reads of `where` in one snapshot. When it searches, the snapshot must have an empty
   * queue: if it did not, the reads run again in a write transaction that catches up first.
   *
   * `answer`: the reads answer a caller and change nothing, so when that write cannot be made (a
   * replica whose primary is known out of reach or fails to answer, another connection's write
   * lock held past ANSWER_WAIT_MS, and ANSWER_BACKOFF_MS after that) the first snapshot answers,
   * its text as the index last held it. The read of a write must not: it would change documents
   * by text they no longer hold.
   */
  async read(where: Where, statements: Statement[], answer = false): Promise<Reads> {
    const index = where.search && this.#index
    if (!index) {
      if (statements.length === 1) return { results: [await this.#db.execute(statements[0]!)], stale: false }
      return { results: await this.#db.batch(statements, 'read'), stale: false }
    }
    const [pending, ...results] = await this.#db.batch([index.pending, ...statements], 'read')
    if (!Number(pending!.rows[0]?.[0])) return { results, stale: false }
    const stale = { results, stale: true }
    const db = this.#db
    if (answer && (db.readOnly || db.unreachable !== undefined || (backingOff.get(db) ?? 0) > Date.now()))
      return stale
    try {
      const wait = answer ? { busyWait: ANSWER_WAIT_MS } : undefined
      const caughtUp = await db.batch([...index.catchUp, ...statements], 'write', wait)
      return { results: caughtUp.slice(index.catchUp.length), stale: false }
    } catch (error) {
      if (!answer || !(error instanceof DatabaseUnavailableError)) throw error
      backingOff.set(db, Date.now() + ANSWER_BACKOFF_MS)
      return stale
    }
  }

  /**
   * `where`, as the condition of a lookup by id (see Resolver): when it searches, the lookup runs
   * as {@link read} runs reads, in a snapshot whose index holds every document's text.
   */
  condition(where: Where, answer: boolean): Where & Condition {
    if (!where.search || !this.#index) return where
    return { ...where, read: (statement) => this.read(where, [statement], answer).then((r) => r.results[0]!) }
  }
}
