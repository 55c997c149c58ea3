/**
 * The documents of one database: its migrations, a collection per definition and the session
 * genealogy. This is the store below the Feathers services.
 */
import { BadRequest } from '@feathersjs/errors'
import { type DatabaseConfig, type ResolvedDatabaseConfig, resolveDatabaseConfig } from '../db/config.js'
import type { Connection } from '../db/connection.js'
import { withDeadline } from '../db/deadline.js'
import { openConnection } from '../db/open.js'
import { type CollectionName, type Collections, collectionNames, collections } from '../schema/index.js'
import { Collection } from './collection.js'
import { Genealogy } from './genealogy.js'
import { prepareSchema } from './schema-sync.js'

export interface OpenOptions extends DatabaseConfig {
  /** Apply pending migrations on open (default true). */
  migrate?: boolean
  /**
   * Create a local database file that does not exist, folders included (default true). With
   * false, a missing file is a NoDatabaseError (404) and nothing is created: a mistyped path is
   * not a new, empty database. Only for a plain local file: an embedded replica's file is created
   * by syncing, and memory and remote databases are unaffected.
   */
  create?: boolean
}

export type StoreCollections = { [N in CollectionName]: Collection<Collections[N]> }

export class Database {
  readonly connection: Connection
  readonly collections: StoreCollections
  readonly genealogy: Genealogy

  constructor(db: Connection) {
    this.connection = db
    this.collections = Object.fromEntries(
      collectionNames.map((name) => [name, new Collection(db, collections[name])])
    ) as StoreCollections
    this.genealogy = new Genealogy(this.collections.sessions)
  }

  get config(): ResolvedDatabaseConfig {
    return this.connection.config
  }

  /** The collection called `name`. */
  collection<N extends CollectionName>(name: N): StoreCollections[N] {
    if (!Object.hasOwn(this.collections, name)) throw new BadRequest(`Unknown collection '${String(name)}'`)
    return this.collections[name]
  }

  /** The short id that people see for a document id (at least 8 hex digits, unique in its table). */
  async shortId(name: CollectionName, id: string): Promise<string> {
    return this.collection(name).shortId(id)
  }

  /**
   * How the database is, for a health check (which must answer quickly): `unavailable` when it
   * does not answer within `ms`, `degraded` when it answers but something is wrong that calls do
   * not show (a replica whose primary lost its data), with what, in words.
   */
  async health(ms = 3000): Promise<{ status: 'ok' | 'degraded' | 'unavailable'; problems: string[] }> {
    try {
      await withDeadline(this.connection.execute('SELECT 1'), ms, () => new Error('no answer'))
    } catch {
      return { status: 'unavailable', problems: [] }
    }
    const problems = await this.connection.problems()
    const { unreachable } = this.connection
    if (unreachable) problems.push(unreachable)
    return { status: problems.length ? 'degraded' : 'ok', problems }
  }

  /** Pulls the primary's changes into an embedded replica (see Connection.sync). */
  sync() {
    return this.connection.sync()
  }

  close(): void {
    this.connection.close()
  }
}

/**
 * Connects, applies pending migrations and returns the collections.
 */
export async function openDatabase(options: OpenOptions = {}): Promise<Database> {
  const config = resolveDatabaseConfig(options)
  const db = await openConnection(config, { create: options.create })
  try {
    if (options.migrate !== false) await prepareSchema(db, config.path)
  } catch (error) {
    db.close()
    throw error
  }
  return new Database(db)
}
