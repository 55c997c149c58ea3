/**
 * The key-value store's semantics over the generic collection (schema/kv.ts): an entry whose
 * `expires_at` has passed reads as absent everywhere, `update` sets (creating when absent) and
 * compares-and-sets with a `version`, the store numbers versions, `patch` is refused. Writes go
 * through the collection's own: the write views refuse a write over a row that is not as read, so
 * that a version is only ever written over the one it was computed from, by any process.
 */
import { Conflict, MethodNotAllowed, NotFound } from '@feathersjs/errors'
import type { Connection } from '../db/connection.js'
import { parseTextKey } from '../ids.js'
import { log } from '../log.js'
import type { DocOf } from '../schema/collection.js'
import type { kv } from '../schema/kv.js'
import { Collection } from './collection.js'
import { type KvInput, kvInput, liveQuery, nowIso } from './kv-input.js'
import { conditionsOf } from './query-walk.js'
import type { CollectionParams, CreateData, FindParams, Page, PaginationOptions } from './types.js'
import { untilWritten } from './write-turns.js'

type Kv = typeof kv
export type KvEntry = DocOf<Kv>

/** Fields on their way to the collection, which validates every written document whole. */
const unchecked = (fields: Record<string, unknown>) => fields as CreateData<Kv>

/** Most expired entries one sweep removes, and how often one runs (ms) per workspace. */
const SWEEP_LIMIT = 100
const SWEEP_EVERY_MS = 10_000

/** A compare-and-set that found another version (409); `data.version` is the stored one (0: none). */
export class VersionConflictError extends Conflict {
  constructor(key: string, expected: number, version: number) {
    super(`Key '${key}' is at version ${version}, not ${expected}`, { key, expected, version })
  }
}

export class KvCollection extends Collection<Kv> {
  #swept = 0
  readonly #connection: Connection

  constructor(db: Connection, definition: Kv, workspace?: string) {
    super(db, definition, workspace)
    this.#connection = db
  }

  protected override sibling(db: Connection, workspace: string): Collection<Kv> {
    return new KvCollection(db, this.definition, workspace)
  }

  /** The entry `key`: 404 when there is none or it has expired. */
  override get(key: unknown, params: CollectionParams = {}): Promise<KvEntry> {
    return super.get(key, { ...params, query: liveQuery(params.query) })
  }

  /** Entries that have not expired, by key unless the query sorts otherwise. */
  override find(params: FindParams & { paginate: PaginationOptions }): Promise<Page<KvEntry>>
  override find(params?: FindParams & { paginate?: false }): Promise<KvEntry[]>
  override find(params?: FindParams): Promise<KvEntry[] | Page<KvEntry>>
  override find(params: FindParams = {}): Promise<KvEntry[] | Page<KvEntry>> {
    const query = liveQuery(params.query)
    if (query.$sort === undefined) query.$sort = { key: 1 }
    return super.find({ ...params, query })
  }

  /**
   * Creates entries at version 1: 409 for a key that has one which has not expired (an expired one
   * is replaced). `version` is the store's to set.
   */
  override create(data: unknown, params?: CollectionParams): Promise<KvEntry>
  override create(data: unknown[], params?: CollectionParams): Promise<KvEntry[]>
  override async create(data: unknown, params: CollectionParams = {}): Promise<KvEntry | KvEntry[]> {
    const items = (Array.isArray(data) ? data : [data]).map((item) => ({
      ...kvInput(item, 'create'),
      version: 1
    }))
    const docs = items.map(({ expected: _, ...doc }) => unchecked(doc))
    for (let round = 0; ; round++) {
      try {
        const created = await super.create(Array.isArray(data) ? docs : docs[0]!, params)
        await this.#sweep(params)
        return created
      } catch (error) {
        // a key held by an expired entry: take it away, then create again
        if (!(error instanceof Conflict) || round > 0) throw error
        const keys = docs.map((d) => d.key)
        if (!(await this.#removeExpired({ key: { $in: keys } }, params, keys.length))) throw error
      }
    }
  }

  /**
   * Sets `key` to `data.value` (and `data.expires_at`, or none): creates it at version 1 when it is
   * absent or expired, else writes version + 1. With `data.version`, only if the stored version is
   * that one (0: only if absent), else a 409 and nothing written.
   */
  override async update(key: unknown, data: unknown, params: CollectionParams = {}): Promise<KvEntry> {
    const name = parseTextKey(key).text
    const input = kvInput(data, 'update')
    // a set with conditions of the caller's acts on a live entry that meets them: 404 otherwise
    if (conditionsOf(params.query)) await this.get(name, { query: params.query })
    const written = await untilWritten(`The key '${name}'`, () => this.#set(name, input, params))
    await this.#sweep(params)
    return written
  }

  /** One round of a set: the entry written, or undefined when another writer came between. */
  async #set(
    key: string,
    input: KvInput,
    params: CollectionParams,
    synced = false
  ): Promise<KvEntry | undefined> {
    const stored = await this.get(key).catch((error: unknown) => {
      if (error instanceof NotFound) return undefined
      throw error
    })
    // an entry without a version (written by another tool, or imported so) counts as version 1
    const version = stored ? (stored.version ?? 1) : 0
    if (input.expected !== undefined && input.expected !== version) {
      // a replica read its own copy, which may lag its primary: a conflict is told after a sync
      if (this.#connection.config.mode !== 'replica' || synced)
        throw new VersionConflictError(key, input.expected, version)
      await this.#connection.sync()
      return this.#set(key, input, params, true)
    }
    const { expected: _, ...fields } = input
    try {
      if (!stored) return await this.create(unchecked({ ...fields, key }), params)
      // only over the version read: the write views refuse it if the row changed since the read
      const query = liveQuery({ ...params.query, version: stored.version ?? null })
      return await super.update(key, unchecked({ ...fields, version: version + 1 }), { ...params, query })
    } catch (error) {
      // created, changed, removed or expired meanwhile: look again (a 404 when the caller's
      // conditions no longer hold)
      if (error instanceof NotFound && conditionsOf(params.query))
        await this.get(key, { query: params.query })
      if (error instanceof Conflict || error instanceof NotFound) return undefined
      throw error
    }
  }

  /** Refused: a value is set whole with update (a merge into it would be guesswork). */
  override patch(_key: unknown, _data: unknown, _params?: CollectionParams): Promise<never> {
    return Promise.reject(new MethodNotAllowed('Keys are set with update (PUT), not patch'))
  }

  /** Removes the entry `key` (404 when absent or expired), or the live entries a query matches. */
  override remove(key: null, params?: CollectionParams): Promise<KvEntry[]>
  override remove(key: unknown, params?: CollectionParams): Promise<KvEntry>
  override remove(key: unknown, params: CollectionParams = {}): Promise<KvEntry | KvEntry[]> {
    return super.remove(key, { ...params, query: liveQuery(params.query) })
  }

  /**
   * Removes up to `limit` entries that have expired, oldest expiry first, and returns how many.
   * Each is a `removed` change in the feed (actor `expiry`), like every removal.
   */
  purgeExpired(limit = SWEEP_LIMIT, params: CollectionParams = {}): Promise<number> {
    return this.#removeExpired({}, params, limit)
  }

  async #removeExpired(where: object, params: CollectionParams, limit: number): Promise<number> {
    const query = { ...where, expires_at: { $lte: nowIso() }, $sort: { expires_at: 1 }, $limit: limit }
    const change = { ...params.change, actor: 'expiry' }
    return (await super.remove(null, { query, change })).length
  }

  /**
   * Now and then, after a write, a bounded sweep of expired entries. Its failure is not the
   * write's, which is done: it is told, and the next sweep tries again.
   */
  async #sweep(params: CollectionParams): Promise<void> {
    const now = Date.now()
    if (now - this.#swept < SWEEP_EVERY_MS) return
    this.#swept = now
    await this.#removeExpired({}, params, SWEEP_LIMIT).catch((error: unknown) => {
      this.#swept = 0
      log.warn(`expired keys were not swept: ${(error as Error).message}`)
    })
  }
}
