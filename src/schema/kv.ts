import { z } from 'zod'
import { defineCollection, isoTimestamp, optional } from './collection.js'

/**
 * The key-value store: application state (UI state, preferences, cursors) under text keys the
 * caller chooses, one entry per key and workspace. `value` is any JSON value, null included;
 * `version` is set by the store (1 when made, +1 on every write) and is what a compare-and-set
 * compares; after `expires_at` an entry reads as absent. Its semantics live in store/kv.ts.
 */
export const kv = defineCollection({
  name: 'kv',
  singular: 'key',
  idField: 'key',
  key: 'text',
  fields: () => ({
    value: z.json(),
    // set by the store on every write (store/kv.ts): optional only in what callers give
    version: z.number().int().min(1).optional(),
    expires_at: optional(isoTimestamp())
  }),
  // kept in a column with an index, so that reads leave expired entries out and a sweep finds them
  columns: ['expires_at'],
  summary: (entry) => {
    const text = JSON.stringify(entry.value) ?? 'null'
    return text.length > 60 ? `${text.slice(0, 59)}…` : text
  }
})
