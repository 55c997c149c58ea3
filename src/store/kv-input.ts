/** What key-value writes take, checked and normalised, and the condition of an entry that is live. */
import { BadRequest } from '@feathersjs/errors'
import { isPlainObject } from './plain-json.js'
import type { Query } from './query-walk.js'
import { canonicalOf } from './timestamps.js'

/** A set's fields: the value, the expiry, and the version a compare-and-set expects. */
export interface KvInput {
  value?: unknown
  expires_at?: unknown
  expected?: number
  [field: string]: unknown
}

/** Now as stored expiries are written (toISOString): as text, they compare as times. */
export const nowIso = () => new Date().toISOString()

/**
 * `data` of a create or update: `version` is taken out (the condition of a compare-and-set on
 * update, refused on create: the store numbers versions), `expires_at` written as UTC. Every other
 * field is left for the schema to judge.
 */
export function kvInput(data: unknown, method: 'create' | 'update'): KvInput {
  if (!isPlainObject(data)) throw new BadRequest('A key must be set to a JSON object: { "value": … }')
  const { version, expires_at, ...rest } = data as Record<string, unknown>
  const input: KvInput = { ...rest }
  if (version !== undefined) {
    if (method === 'create') throw new BadRequest('version is set by the store')
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
      throw new BadRequest('version must be a whole number, 0 or more (0: only if the key is absent)')
    input.expected = version
  }
  if (expires_at !== undefined) input.expires_at = utc(expires_at)
  return input
}

/** A stored entry with its `expires_at` as UTC (an import's may have any offset). */
export function withUtcExpiry<T extends Record<string, unknown>>(doc: T): T {
  return doc.expires_at === undefined || doc.expires_at === null
    ? doc
    : { ...doc, expires_at: utc(doc.expires_at) }
}

/**
 * An ISO timestamp as UTC (`…Z`), so that expiries compare as text; anything else as it is, for
 * the schema to refuse (and an instant outside the years 0000-9999, for timestamps.ts to refuse).
 */
function utc(value: unknown): unknown {
  return typeof value === 'string' ? (canonicalOf(value) ?? value) : value
}

/** `query` (or nothing) with the condition that entries have not expired added to its `$and`. */
export function liveQuery(query: Query = {}): Query {
  const live = { $or: [{ expires_at: null }, { expires_at: { $gt: nowIso() } }] }
  const and = Array.isArray(query.$and) ? query.$and : []
  return { ...query, $and: [...and, live] }
}
