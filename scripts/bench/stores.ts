/**
 * Our side of every comparison: the store a user gets from `openStore()` and its `sessions`
 * service (hooks and all). The raw side uses the store's own driver client,
 * `store.documents.db.client`: the same file, the same single connection and settings.
 */

import { sessions } from '../../src/schema/sessions.js'
import { openStore, type Store } from '../../src/service/store.js'
import { rowMapper } from '../../src/store/row.js'

/** The column list our store selects, for the raw side's statements (their text is the store's). */
export const COLUMNS = rowMapper(sessions).columnList

const sessionsOf = (store: Store) => store.service('sessions')

export interface OpenedStore {
  store: Store
  sessions: ReturnType<typeof sessionsOf>
  /** The driver client under the store (no queue, no row mapping, no hooks). */
  client: Store['documents']['db']['client']
}

/** Opens the store at `url` (a file, or a remote server). */
export async function openStoreAt(url: string): Promise<OpenedStore> {
  const store = await openStore({ url })
  return { store, sessions: sessionsOf(store), client: store.documents.db.client }
}

export const openFileStore = (path: string) => openStoreAt(`file:${path}`)

/** Throws unless `actual` is `expected`: a benchmark of a wrong answer measures nothing. */
export function expectSame(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`)
}
