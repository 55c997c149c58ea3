/**
 * The peers' packages: better-sqlite3 (a limit driver, and the driver beneath knex), knex,
 * @feathersjs/knex and @seald-io/nedb. They are the benchmark's only, so they are not in the
 * product's install: they are the package in bench/ (bench/package.json and its lock), which
 * `npm run bench` installs into bench/node_modules on first use (see peer-install.ts). They are
 * loaded from there, and typed here by the little of them the benchmark calls, so that
 * `npm run check` passes in a clone that has no bench/node_modules.
 */
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import type { HookContext } from '@feathersjs/feathers'

/** The bench/ package (with a trailing slash), whose node_modules hold the peer's packages. */
export const BENCH_DIR = fileURLToPath(new URL('../../bench/', import.meta.url))

/** The packages of bench/package.json, as the machine line names them. */
export const PEER_PACKAGES = ['@feathersjs/knex', 'knex', 'better-sqlite3', '@seald-io/nedb'] as const

const requireFromBench = createRequire(`${BENCH_DIR}package.json`)

/** `require(name)` from bench/: what it returns is the caller's declared type, unchecked. */
function peerModule<T>(name: (typeof PEER_PACKAGES)[number]): T {
  try {
    return requireFromBench(name)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error
    throw new Error(
      `${name} is not in bench/node_modules: \`npm run bench\` installs the peer's packages there`,
      { cause: error }
    )
  }
}

// better-sqlite3: the synchronous driver beneath the knex peer.

export interface BetterSqlite3Statement {
  run(...params: unknown[]): unknown
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  raw(on?: boolean): BetterSqlite3Statement
}

export interface BetterSqlite3Database {
  pragma(source: string): unknown
  exec(source: string): BetterSqlite3Database
  prepare(source: string): BetterSqlite3Statement
  close(): BetterSqlite3Database
}

export type BetterSqlite3 = new (
  filename: string,
  options?: { readonly?: boolean; timeout?: number }
) => BetterSqlite3Database

// knex: the query builder, configured for better-sqlite3.

export interface KnexConfig {
  client: 'better-sqlite3'
  connection: { filename: string }
  useNullAsDefault: boolean
  pool: { afterCreate(connection: BetterSqlite3Database, done: (error: Error | null) => void): void }
}

export interface Knex {
  destroy(): Promise<void>
}

// @feathersjs/knex: the Feathers SQL service on a knex instance, and its transaction hooks.

export interface KnexServiceOptions {
  Model: Knex
  name: string
  id: string
  multi: boolean
  paginate: { default: number; max: number }
}

/** The methods of a KnexService the benchmark calls (it has all of a Feathers service's). */
export interface KnexService<Result> {
  get(id: string): Promise<Result>
  find(params: { query: Record<string, unknown>; paginate: false }): Promise<Result[]>
  find(params: { query: Record<string, unknown> }): Promise<{ total: number; data: Result[] }>
  create(data: Result): Promise<Result>
  create(data: Result[]): Promise<Result[]>
  patch(id: string, data: Partial<Result>): Promise<Result>
}

/** start resolves when the transaction is open; end and rollback skip a call that opened none. */
export type KnexHook = (context: HookContext) => Promise<HookContext | undefined> | undefined

export interface FeathersKnex {
  KnexService: new <Result>(options: KnexServiceOptions) => KnexService<Result>
  transaction: { start(): KnexHook; end(): KnexHook; rollback(): KnexHook }
}

export const loadBetterSqlite3 = (): BetterSqlite3 => peerModule('better-sqlite3')
export const loadKnex = (): ((config: KnexConfig) => Knex) => peerModule('knex')
export const loadFeathersKnex = (): FeathersKnex => peerModule('@feathersjs/knex')

// @seald-io/nedb: an embedded document store (documents in memory, appended to a file).

export interface NedbCursor<T> extends PromiseLike<T[]> {
  sort(order: Record<string, 1 | -1>): NedbCursor<T>
  limit(count: number): NedbCursor<T>
}

export interface NedbDatastore<T> {
  loadDatabaseAsync(): Promise<void>
  ensureIndexAsync(options: { fieldName: string; unique?: boolean }): Promise<void>
  findOneAsync(query: Record<string, unknown>): Promise<T | null>
  findAsync(query: Record<string, unknown>): NedbCursor<T>
  countAsync(query: Record<string, unknown>): Promise<number>
  insertAsync(doc: T): Promise<T>
  insertAsync(docs: T[]): Promise<T[]>
  updateAsync(
    query: Record<string, unknown>,
    update: Record<string, unknown>,
    options: { returnUpdatedDocs: true }
  ): Promise<{ numAffected: number; affectedDocuments: T | null }>
  removeAsync(query: Record<string, unknown>, options: { multi: true }): Promise<number>
}

export type Nedb = new <T>(options: { filename?: string; inMemoryOnly?: boolean }) => NedbDatastore<T>

export const loadNedb = (): Nedb => peerModule('@seald-io/nedb')
