/**
 * agor-store's side: `openStore({ url: 'file:…' })` and its `sessions` service, the Feathers
 * service a user gets (hooks, adapter, collection, validation, row mapping, the connection's queue
 * and its native client of a local file).
 */
import { openStore, type Store, type StoreOptions } from '../../../src/service/store.js'
import type { Doc, Side } from './side.js'

const sessionsOf = (store: Store) => store.service('sessions')
export type SessionsService = ReturnType<typeof sessionsOf>

export interface StoreSide extends Side {
  store: Store
  sessions: SessionsService
}

/** The store's side at `url` (a file path, or any URL openStore takes), with other options. */
export async function openStoreSide(
  url: string,
  options: Omit<StoreOptions, 'url'> = {},
  label = 'agor-store'
): Promise<StoreSide> {
  const store = await openStore({ ...options, url: url.includes(':') ? url : `file:${url}` })
  const sessions = sessionsOf(store)
  return {
    label,
    store,
    sessions,
    getWhole: (id) => sessions.get(id) as Promise<Doc>,
    getPrefix: (prefix) => sessions.get(prefix) as Promise<Doc>,
    create: (fields) => sessions.create(fields) as Promise<Doc>,
    createMany: (pool) => sessions.create([...pool]) as Promise<Doc[]>,
    patch: (id, sha) => sessions.patch(id, { git_state: { current_sha: sha } }) as Promise<Doc>,
    async page() {
      const { total, data } = await sessions.find({ query: { $sort: { created_at: -1 }, $limit: 50 } })
      return { total, data: data as Doc[] }
    },
    close: () => store.close()
  }
}
