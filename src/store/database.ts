/**
 * The documents of one database: its migrations, a collection per definition and the session
 * genealogy. This is the store below the Feathers services.
 */
import { BadRequest } from '@feathersjs/errors'
import { type DatabaseConfig, type ResolvedDatabaseConfig, resolveDatabaseConfig } from '../db/config.js'
import type { Connection } from '../db/connection.js'
import { withDeadline } from '../db/deadline.js'
import { openConnection } from '../db/open.js'
import type { AnyDefinition } from '../schema/collection.js'
import { type CollectionName, type Collections, collectionNames, collections } from '../schema/index.js'
import { kv } from '../schema/kv.js'
import { DEFAULT_WORKSPACE } from '../schema/workspaces.js'
import { Collection } from './collection.js'
import { Credentials } from './credentials.js'
import { type Genealogy, genealogyOf } from './genealogy.js'
import { KvCollection } from './kv.js'
import { prepareSchema } from './schema-sync.js'
import { checkName, Workspaces } from './workspaces.js'

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

/** The collections of a workspace: the key-value store is a collection of its own kind (kv.ts). */
export type StoreCollections = {
  [N in CollectionName]: N extends 'kv' ? KvCollection : Collection<Collections[N]>
}

/** The documents of one workspace: every collection, and the genealogy of its sessions. */
export class Workspace {
  readonly name: string
  readonly collections: StoreCollections
  readonly genealogy: Genealogy

  /** `of`: the collections of the default workspace, whose siblings these are. */
  constructor(name: string, of: StoreCollections) {
    this.name = name
    this.collections = Object.fromEntries(
      collectionNames.map((c) => [c, of[c].inWorkspace(name)])
    ) as StoreCollections
    this.genealogy = genealogyOf(this.collections.sessions)
  }

  /** The collection called `name`. */
  collection<N extends CollectionName>(name: N): StoreCollections[N] {
    if (!Object.hasOwn(this.collections, name)) throw new BadRequest(`Unknown collection '${String(name)}'`)
    return this.collections[name]
  }
}

/** The collection of a definition in the default workspace: the key-value store has its own kind. */
function collectionOf(db: Connection, def: AnyDefinition): Collection {
  return def === kv ? new KvCollection(db, kv, DEFAULT_WORKSPACE) : new Collection(db, def, DEFAULT_WORKSPACE)
}

/** Workspaces kept open at once, the least recently used first out. */
const OPEN_WORKSPACES = 64

export class Database {
  readonly connection: Connection
  /** The workspaces that exist, and their API keys. */
  readonly workspaces: Workspaces
  /** Users' password hashes. */
  readonly credentials: Credentials
  readonly #default: Workspace
  readonly #open = new Map<string, Workspace>()

  constructor(db: Connection) {
    this.connection = db
    this.workspaces = new Workspaces(db)
    this.credentials = new Credentials(db)
    const collectionsOfDefault = Object.fromEntries(
      collectionNames.map((c) => [c, collectionOf(db, collections[c])])
    ) as StoreCollections
    this.#default = new Workspace(DEFAULT_WORKSPACE, collectionsOfDefault)
  }

  get config(): ResolvedDatabaseConfig {
    return this.connection.config
  }

  /**
   * The documents of the workspace `name`, which is not checked to exist (`workspaces.existing`
   * does), but must be a workspace's name (a 400 otherwise). Made at its first use, and kept.
   */
  workspace(name: string = DEFAULT_WORKSPACE): Workspace {
    if (name === DEFAULT_WORKSPACE) return this.#default
    checkName(name, 'workspace')
    let workspace = this.#open.get(name)
    if (workspace) {
      this.#open.delete(name)
    } else {
      workspace = new Workspace(name, this.#default.collections)
      if (this.#open.size >= OPEN_WORKSPACES) this.#open.delete(this.#open.keys().next().value!)
    }
    this.#open.set(name, workspace)
    return workspace
  }

  /** The collections of the default workspace. */
  get collections(): StoreCollections {
    return this.workspace().collections
  }

  /** The genealogy of the default workspace's sessions. */
  get genealogy(): Genealogy {
    return this.workspace().genealogy
  }

  /** The collection called `name`, of the default workspace. */
  collection<N extends CollectionName>(name: N): StoreCollections[N] {
    return this.workspace().collection(name)
  }

  /** The short id that people see for a document id (at least 8 hex digits, unique in its workspace). */
  async shortId(name: CollectionName, id: string, workspace?: string): Promise<string> {
    return this.workspace(workspace).collection(name).shortId(id)
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
