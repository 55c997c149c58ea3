/**
 * The change feed, read: every committed write of a document in `seq` order (the store's writes
 * and the triggers of feed-triggers.ts write it), with its document as written, who wrote it and how. It is the audit
 * log too. Old changes are pruned by retention; a reader asking for changes that were pruned gets a
 * 410 Gone and must fetch the documents again.
 */
import { BadRequest, Gone } from '@feathersjs/errors'
import type { Connection, InValue, Row } from '../db/connection.js'
import { AmbiguousIdError, MAX_CANDIDATES, unshowableValue } from '../errors.js'
import { type IdPrefix, parseDocumentId, shortIdsAmong } from '../ids.js'
import { log } from '../log.js'
import { CHANGES_TABLE, FEED_STATE_TABLE } from '../schema/changes.js'
import { collections, isCollectionName } from '../schema/index.js'
import { FeedDocuments } from './feed-documents.js'
import { type Document, toIso } from './row.js'

export type ChangeEvent = 'created' | 'updated' | 'patched' | 'removed'

/** One change of one document. */
export interface Change {
  seq: number
  collection: string
  /** The document's id. */
  id: string
  event: ChangeEvent
  /** When the database committed it (ISO). */
  at: string
  actor: string | null
  transport: string | null
  remote: string | null
  /** The document as written; for `removed`, as it was. */
  doc: Document
  /** For `patched`: the patch applied. */
  patch?: Document
  /** The workspace of the document. */
  workspace: string
}

/** Which changes to read. */
export interface ChangeQuery {
  /** Changes after this seq (ascending reads). */
  after?: number
  /** Changes before this seq (descending reads). */
  before?: number
  collection?: string
  /** Leaves out the changes of this collection (a workspace's key reads no user's). */
  without?: string
  /** A document's id, or a prefix of it (4+ hex digits). */
  id?: string
  actor?: string
  /** Committed at or after this time (ms). */
  since?: number
  /** Changes of this workspace's documents only (undefined: of every workspace). */
  workspace?: string
  limit: number
  order: 'asc' | 'desc'
}

/** The changes left out (see Feed#changesOf), each said once. */
const leftOut = new Set<number>()

/** Most changes one read returns. */
export const MAX_CHANGES = 1000

const COLUMNS = 'seq, collection, doc_id, event, at, actor, transport, remote, doc, patch, workspace'

/**
 * Only changes after the pruned ones: a feed that was pruned empty keeps a mark at its last seq
 * (so that seqs go on from there), which is not a change.
 */
const KEPT = `seq > (SELECT pruned_through FROM ${FEED_STATE_TABLE} WHERE id = 1)`

function changeOf(row: Row, docs: Map<number, Document>): Change {
  const seq = Number(row.seq)
  const change: Change = {
    seq,
    collection: String(row.collection),
    id: String(row.doc_id),
    event: String(row.event) as ChangeEvent,
    at: toIso(Number(row.at)),
    actor: row.actor === null ? null : String(row.actor),
    transport: row.transport === null ? null : String(row.transport),
    remote: row.remote === null ? null : String(row.remote),
    doc: docs.get(seq) ?? {},
    workspace: String(row.workspace)
  }
  if (row.patch !== null) change.patch = JSON.parse(String(row.patch)) as Document
  return change
}

export class Feed {
  readonly #db: Connection
  readonly #documents: FeedDocuments

  /** `historyChunk`: the seqs of history one statement reads when a read is far behind the head. */
  constructor(db: Connection, options: { historyChunk?: number } = {}) {
    this.#db = db
    this.#documents = new FeedDocuments(db, options.historyChunk)
  }

  /** The seq of the newest change (0 when there is none). */
  async head(): Promise<number> {
    const { rows } = await this.#db.execute(`SELECT coalesce(max(seq), 0) AS head FROM ${CHANGES_TABLE}`)
    return Number(rows[0]?.head ?? 0)
  }

  /**
   * Changes in seq order. Reading after a seq whose successors were pruned is a 410 Gone: the
   * reader missed changes that are not kept any more.
   */
  async read(query: ChangeQuery): Promise<Change[]> {
    const where: string[] = []
    const args: InValue[] = []
    if (query.after !== undefined) {
      const pruned = await this.prunedThrough()
      if (query.after < pruned) {
        throw new Gone(
          `Changes after seq ${query.after} are not kept any more (the feed keeps those after seq ${pruned}): fetch the documents again`,
          { after: query.after, prunedThrough: pruned }
        )
      }
      where.push('seq > ?')
      args.push(query.after)
    } else {
      // after a seq at or past pruned_through, this bound is that one's; two lower bounds on seq
      // would have SQLite start from the lower and scan the feed
      where.push(KEPT)
    }
    const plain: [InValue | undefined, string][] = [
      [query.before, 'seq < ?'],
      [query.collection, 'collection = ?'],
      [query.without, 'collection <> ?'],
      [query.actor, 'actor = ?'],
      [query.since, 'at >= ?'],
      [query.workspace, 'workspace = ?']
    ]
    for (const [value, sql] of plain) {
      if (value === undefined) continue
      where.push(sql)
      args.push(value)
    }
    if (query.id !== undefined) {
      // a text key (of a collection that has them, named) is matched exactly
      const textKeys = isCollectionName(query.collection) && collections[query.collection].key === 'text'
      const prefix = parseDocumentId(textKeys ? 'text' : 'uuid', query.id)
      if (!prefix.full) await this.#assertOneDocument(prefix, query)
      where.push(prefix.full ? 'doc_id = ?' : 'doc_id >= ? AND doc_id < ?')
      args.push(...(prefix.full ? [prefix.text] : [prefix.lo, prefix.hi]))
    }
    if (!Number.isSafeInteger(query.limit) || query.limit < 0 || query.limit > MAX_CHANGES)
      throw new BadRequest(`A read of the change feed takes at most ${MAX_CHANGES} changes`)
    const { rows } = await this.#db.execute({
      sql: `SELECT ${COLUMNS} FROM ${CHANGES_TABLE} WHERE ${where.join(' AND ')} ORDER BY seq ${query.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`,
      args: [...args, query.limit]
    })
    return this.#changesOf(rows)
  }

  /**
   * The changes of `rows`. One whose document the store cannot show (a value another program
   * wrote: see unshowableValue) is left out, and said once: a reader stopped by it would never see
   * the changes after it (the daemon's events, a connect() client catching up).
   */
  async #changesOf(rows: Row[]): Promise<Change[]> {
    try {
      const docs = await this.#documents.of(rows)
      return rows.map((row) => changeOf(row, docs))
    } catch (error) {
      if (!unshowableValue(error)) throw error
    }
    const changes: Change[] = []
    for (const row of rows) {
      try {
        changes.push(changeOf(row, await this.#documents.of([row])))
      } catch (error) {
        const unshowable = unshowableValue(error)
        if (!unshowable) throw error
        const seq = Number(row.seq)
        if (leftOut.has(seq)) continue
        leftOut.add(seq)
        log.warn(`change ${seq} is left out of the feed: ${unshowable}`)
      }
    }
    return changes
  }

  /**
   * Refuses a prefix that names several documents of the feed (of `collection`, or of any): the
   * changes of one document are asked for, and a mix of two would pass for one's history. Removed
   * documents count: their ids are in no table any more, only here.
   */
  async #assertOneDocument(
    { text: prefix, lo, hi }: IdPrefix,
    { collection, workspace }: ChangeQuery
  ): Promise<void> {
    const where = ['doc_id >= ? AND doc_id < ?']
    const args: InValue[] = [lo, hi]
    for (const [value, sql] of [
      [collection, 'collection = ?'],
      [workspace, 'workspace = ?']
    ] as const) {
      if (value === undefined) continue
      where.push(sql)
      args.push(value)
    }
    // one pass over the feed, which keeps no index by document (see schema/store-tables.ts)
    const { rows } = await this.#db.execute({
      sql: `SELECT collection, doc_id, max(at) AS at FROM ${CHANGES_TABLE} WHERE ${where.join(' AND ')} GROUP BY collection, doc_id LIMIT ${MAX_CANDIDATES + 1}`,
      args
    })
    if (rows.length < 2) return
    const found = rows.slice(0, MAX_CANDIDATES)
    const ids = found.map((row) => String(row.doc_id))
    const shorts = shortIdsAmong(ids, [])
    const candidates = found.map((row, i) => {
      const name = String(row.collection)
      return {
        id: ids[i]!,
        short_id: shorts[i]!,
        created_at: toIso(Number(row.at)),
        status: null,
        summary: isCollectionName(name)
          ? `a ${collections[name].singular} (latest change at this time)`
          : name
      }
    })
    throw new AmbiguousIdError('document', prefix, candidates, rows.length > MAX_CANDIDATES)
  }

  /** Every change up to this seq was pruned. */
  async prunedThrough(): Promise<number> {
    const { rows } = await this.#db.execute(`SELECT pruned_through FROM ${FEED_STATE_TABLE} WHERE id = 1`)
    return Number(rows[0]?.pruned_through ?? 0)
  }

  /**
   * Removes changes older than the retention: committed before `olderThan` (ms), or beyond the
   * newest `keep` changes. The newest change always stays: the next seq is one more than the
   * largest kept, and must never be one handed out before. A chunk at a time, each its own short
   * transaction, so that writers never wait long for it. Returns how many it removed.
   */
  async prune(retention: { olderThan?: number; keep?: number }, chunk = 1000): Promise<number> {
    let removed = 0
    for (;;) {
      const bound =
        retention.keep !== undefined
          ? { sql: `seq <= (SELECT max(seq) FROM ${CHANGES_TABLE}) - ?`, args: [retention.keep] }
          : { sql: 'at < ?', args: [retention.olderThan ?? 0] }
      const [deleted] = await this.#db.batch(
        [
          {
            sql: `DELETE FROM ${CHANGES_TABLE} WHERE seq IN (SELECT seq FROM ${CHANGES_TABLE} WHERE ${bound.sql} AND seq < (SELECT max(seq) FROM ${CHANGES_TABLE}) ORDER BY seq LIMIT ?)`,
            args: [...bound.args, chunk]
          },
          // what is gone is everything below the oldest change left
          `UPDATE ${FEED_STATE_TABLE} SET pruned_through = max(pruned_through, coalesce((SELECT min(seq) - 1 FROM ${CHANGES_TABLE}), 0)) WHERE id = 1`
        ],
        'write'
      )
      const count = deleted?.rowsAffected ?? 0
      if (count === 0) return removed
      removed += count
      if (count < chunk) return removed
      // let other work take its turn between chunks
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}
