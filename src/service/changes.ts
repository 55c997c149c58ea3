/**
 * The `changes` service: the change feed (store/feed.ts), read-only, over REST and socket.io at
 * `/changes`. Its `created` event accompanies every change (the feed's tail emits it, see
 * feed-tail.ts), so a client that remembers the last `seq` it saw can ask for what it missed.
 *
 * @example
 * await app.service('changes').find({ query: { seq: { $gt: 1041 }, collection: 'tasks', $limit: 100 } })
 */
import { BadRequest, NotFound } from '@feathersjs/errors'
import { isoMillis } from '../iso-time.js'
import { collectionNamed, unknownCollection } from '../schema/index.js'
import { type Change, type ChangeQuery, type Feed, MAX_CHANGES } from '../store/feed.js'
import { isPlainObject } from '../store/plain-json.js'
import { queryCount } from '../store/query-walk.js'
import type { Workspaces } from '../store/workspaces.js'
import { callScope, type ScopeParams, workspaceKey } from './scope.js'

/** Changes per find unless `$limit` says otherwise. */
export const DEFAULT_CHANGES = 100

/** The methods clients may call on /changes. */
export const CHANGES_METHODS = ['find', 'get'] as const

function seqOf(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new BadRequest(`${what} must be a seq (a whole number)`)
  return n
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new BadRequest(`${what} must be a non-empty string`)
  return value
}

function timeOf(value: unknown): number {
  // an ISO time the calendar has: Date.parse alone reads 2026-11-31 as December 1st
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? isoMillis(value) : undefined
  if (ms === undefined || !Number.isFinite(ms)) throw new BadRequest("'at' needs an ISO time or milliseconds")
  return ms
}

/** The feed's query of a Feathers query: `seq: { $gt }` or `{ $lt }`, `collection`, `id`, `actor`, `at: { $gte }`. */
export function changeQuery(query: Record<string, unknown> = {}): ChangeQuery {
  const result: ChangeQuery = { limit: DEFAULT_CHANGES, order: 'asc' }
  for (const [key, value] of Object.entries(query)) {
    if (key === 'seq') {
      if (!isPlainObject(value)) throw new BadRequest("'seq' takes { $gt: n } or { $lt: n }")
      for (const [op, bound] of Object.entries(value)) {
        if (op === '$gt') result.after = seqOf(bound, 'seq.$gt')
        else if (op === '$lt') result.before = seqOf(bound, 'seq.$lt')
        else throw new BadRequest(`Invalid operator ${op} on 'seq': use $gt or $lt`)
      }
    } else if (key === 'at') {
      if (!isPlainObject(value) || Object.keys(value).some((op) => op !== '$gte'))
        throw new BadRequest("'at' takes { $gte: time }")
      result.since = timeOf(value.$gte)
    } else if (key === 'collection') {
      const name = collectionNamed(text(value, "'collection'"))
      if (!name) throw new BadRequest(unknownCollection(String(value)))
      result.collection = name
    } else if (key === 'id' || key === 'actor') {
      result[key] = text(value, `'${key}'`)
    } else if (key === '$limit') {
      result.limit = Math.min(queryCount(value, '$limit') ?? DEFAULT_CHANGES, MAX_CHANGES)
    } else if (key === '$sort') {
      // 1 or -1, as a number or (over REST) as text: anything else is a mistake, not an order
      const seq = isPlainObject(value) && Object.keys(value).length === 1 ? value.seq : undefined
      const direction = typeof seq === 'number' || typeof seq === 'string' ? String(seq) : ''
      if (direction !== '1' && direction !== '-1')
        throw new BadRequest('$sort of changes takes { seq: 1 } or { seq: -1 }')
      result.order = direction === '-1' ? 'desc' : 'asc'
    } else {
      throw new BadRequest(
        `Changes cannot be queried by '${key}': use seq, collection, id, actor, at, $limit, $sort`
      )
    }
  }
  return result
}

/** The changes a caller may not read: users', to a workspace's key (accounts are the database's). */
const hidden = (params: ScopeParams) => (workspaceKey(params) ? { without: 'users' } : {})

export class ChangesService {
  // (Feathers calls service methods on a wrapper object: no #private members here)
  readonly feed: Feed
  readonly workspaces: Workspaces

  constructor(feed: Feed, workspaces: Workspaces) {
    this.feed = feed
    this.workspaces = workspaces
  }

  /**
   * Changes in seq order (newest first with `$sort: { seq: -1 }`), at most `$limit` (100; 1,000 at
   * most), of the call's workspace (every workspace's for an administrative call that names none).
   */
  async find(params: ScopeParams = {}): Promise<Change[]> {
    const query = changeQuery(params.query)
    return this.feed.read({ ...query, workspace: await this.scope(params), ...hidden(params) })
  }

  /** One change by its seq. */
  async get(seq: unknown, params: ScopeParams = {}): Promise<Change> {
    const n = seqOf(seq, 'A change id')
    const workspace = await this.scope(params)
    const [change] = await this.feed.read({
      after: Math.max(0, n - 1),
      limit: 1,
      order: 'asc',
      workspace,
      ...hidden(params)
    })
    if (!change || change.seq !== n) throw new NotFound(`No change has seq ${n}`)
    return change
  }

  /** The workspace a call reads the changes of, checked to exist; undefined: every one. */
  async scope(params: ScopeParams): Promise<string | undefined> {
    const workspace = callScope(params)
    return workspace === undefined ? undefined : this.workspaces.existing(workspace)
  }
}
