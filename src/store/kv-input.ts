/** What key-value writes take, checked and normalised, and the condition of an entry that is live. */
import { BadRequest } from '@feathersjs/errors'
import { isPlainObject } from './plain-json.js'
import type { Query } from './query-walk.js'

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
 * update, refused on create: the store numbers versions). Every other field is left for the
 * schema to judge, and `expires_at` is written as UTC as every timestamp is (timestamps.ts).
 */
export function kvInput(data: unknown, method: 'create' | 'update'): KvInput {
  if (!isPlainObject(data)) throw new BadRequest('A key must be set to a JSON object: { "value": … }')
  const { version, ...rest } = data as Record<string, unknown>
  const input: KvInput = { ...rest }
  if (version !== undefined) {
    if (method === 'create') throw new BadRequest('version is set by the store')
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0)
      throw new BadRequest('version must be a whole number, 0 or more (0: only if the key is absent)')
    input.expected = version
  }
  return input
}

/** `query` (or nothing) with the condition that entries have not expired added to its `$and`. */
export function liveQuery(query: Query = {}): Query {
  const live = { $or: [{ expires_at: null }, { expires_at: { $gt: nowIso() } }] }
  const and = Array.isArray(query.$and) ? query.$and : []
  return { ...query, $and: [...and, live] }
}
