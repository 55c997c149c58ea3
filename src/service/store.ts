/**
 * The store that library users, the daemon and the CLI share: the documents of one database and
 * the Feathers services over them.
 */

import type { CollectionName } from '../schema/index.js'
import { type Database, type OpenOptions, openDatabase } from '../store/database.js'
import { type App, createApp, type ServiceTypes } from './app.js'
import { type AuthOptions, authFromEnv, checkAuthOptions } from './auth-options.js'

export interface StoreOptions extends OpenOptions {
  /**
   * API keys (and token secret) that external clients must present. Defaults to AGOR_API_KEY and
   * AGOR_AUTH_SECRET; `false` turns authentication off whatever the environment says.
   */
  auth?: AuthOptions | false
}

export class Store {
  readonly database: Database
  /** The Feathers application whose services `service()` returns and `createServer` serves. */
  readonly app: App

  /** The API keys external clients must present when the store is served; none: no authentication. */
  readonly auth: AuthOptions | undefined

  constructor(database: Database, auth?: AuthOptions) {
    if (auth) checkAuthOptions(auth)
    this.database = database
    this.auth = auth
    this.app = createApp(database)
  }

  /** True when external clients must authenticate. */
  get authentication(): boolean {
    return this.auth !== undefined
  }

  /** Where the data lives: the mode, and the file path or URL. */
  get config() {
    return this.database.config
  }

  /**
   * The Feathers service of a collection, the same one the daemon serves: its writes are
   * published to connected clients.
   *
   * @example
   * await store.service('sessions').get('0199b73d')
   */
  service<N extends keyof ServiceTypes>(name: N) {
    return this.app.service(name)
  }

  /** The collection below a service (no hooks, no events). */
  collection<N extends CollectionName>(name: N) {
    return this.database.collection(name)
  }

  /**
   * The short id people see for a document: its shortest unique prefix, at least 8 hex digits.
   *
   * @example
   * await store.shortId('sessions', session.session_id) // '0199b73d'
   */
  async shortId(name: CollectionName, id: string): Promise<string> {
    return this.database.collection(name).shortId(id)
  }

  /** The short ids of many documents, in one statement. */
  async shortIds(name: CollectionName, ids: readonly string[]): Promise<string[]> {
    return this.database.collection(name).shortIds(ids)
  }

  /** Pulls the primary's changes into an embedded replica now (replicas also sync on open and periodically). */
  sync() {
    return this.database.sync()
  }

  /** Closes the database. Close a server first: see `createServer`. */
  async close(): Promise<void> {
    this.database.close()
  }
}

/**
 * Opens the store: connects (AGOR_DB_URL, or ~/.agor/agor.db), applies pending migrations and
 * sets up the services.
 *
 * @example
 * const store = await openStore({ url: 'file:~/.agor/agor.db' })
 * const session = await store.service('sessions').create({ agent: 'claude-code' })
 */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const { auth = authFromEnv(), ...open } = options
  const database = await openDatabase(open)
  try {
    return new Store(database, auth || undefined)
  } catch (error) {
    database.close()
    throw error
  }
}
