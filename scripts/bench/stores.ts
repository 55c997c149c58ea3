/**
 * Our side of every comparison: the store a user gets from `openStore()` and its `sessions`
 * service (hooks and all). The raw side is a plain `@libsql/client` on the same database with the
 * same settings as the store's connection: for a file one connection, WAL, synchronous=NORMAL,
 * foreign keys on and the same busy timeout. (The store itself reads and writes a local file
 * through src/db/native-client.ts, not through @libsql/client.)
 */
import { type Client, createClient } from '@libsql/client'
import { DEFAULT_BUSY_TIMEOUT } from '../../src/db/config.js'

import { sessions } from '../../src/schema/sessions.js'
import { openStore, type Store } from '../../src/service/store.js'
import { rowMapper } from '../../src/store/row.js'

/** The column list our store selects, for the raw side's statements (their text is the store's). */
export const COLUMNS = rowMapper(sessions).columnList

const sessionsOf = (store: Store) => store.service('sessions')

export interface OpenedStore {
  store: Store
  sessions: ReturnType<typeof sessionsOf>
  /** A plain @libsql/client on the same database (no queue, no row mapping, no hooks). */
  client: Client
}

/** A plain @libsql/client set up as the store sets up its own connection. */
export async function rawClient(url: string): Promise<Client> {
  if (!url.startsWith('file:')) return createClient({ url })
  const client = createClient({ url, timeout: DEFAULT_BUSY_TIMEOUT, concurrency: 1 })
  for (const pragma of ['foreign_keys = ON', 'synchronous = NORMAL']) await client.execute(`PRAGMA ${pragma}`)
  return client
}

/** Opens the store at `url` (a file, or a remote server). */
export async function openStoreAt(url: string): Promise<OpenedStore> {
  const store = await openStore({ url })
  return { store, sessions: sessionsOf(store), client: await rawClient(url) }
}

export const openFileStore = (path: string) => openStoreAt(`file:${path}`)

/** Throws unless `actual` is `expected`: a benchmark of a wrong answer measures nothing. */
export function expectSame(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`)
}
