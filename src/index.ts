/**
 * agor-store: JSON documents in libSQL with git-style short UUIDv7 ids.
 *
 * @example
 * import { openStore } from 'agor-store'
 * const store = await openStore()
 * const sessions = store.service('sessions')
 */

// first: the native driver reads RUST_LOG once, when the first module below loads it
import './db/quiet-driver.js'

export {
  type AgorClient,
  type ClientService,
  type ClientServices,
  type ConnectOptions,
  connect,
  type Transport
} from './client.js'
export { backupDatabase, type CheckReport, checkDatabase } from './db/admin.js'
export type { DatabaseConfig, DatabaseMode, ResolvedDatabaseConfig } from './db/config.js'
export {
  DatabaseUrlError,
  DEFAULT_DB_URL,
  DEFAULT_SYNC_INTERVAL,
  resolveDatabaseConfig
} from './db/config.js'
export type { SyncResult } from './db/connection.js'
export { type Rebootstrap, rebootstrapReplica } from './db/rebootstrap.js'
export * from './errors.js'
export {
  type IdKind,
  isCanonicalId,
  isTextKey,
  MAX_KEY_LENGTH,
  newId,
  parseIdPrefix,
  parseTextKey,
  shortIdFromNeighbours
} from './ids.js'
export { log } from './log.js'
export { WORKSPACE_HEADER } from './protocol.js'
export type { AnyDefinition, CollectionDefinition, DocOf } from './schema/collection.js'
export { defineCollection, idString, isoTimestamp, keyString, optional } from './schema/collection.js'
export type { CollectionName, Collections } from './schema/index.js'
export { boards, collections, kv, repos, sessions, tasks } from './schema/index.js'
export { DEFAULT_WORKSPACE } from './schema/workspaces.js'
export { type DocumentParams, DocumentService, type DocumentServiceOptions } from './service/adapter.js'
export { type App, PAGINATE, type ServiceTypes } from './service/app.js'
export { type AuthOptions, authFromEnv, MIN_API_KEY_LENGTH } from './service/auth-options.js'
export { type AgorServer, createServer, type ServerOptions } from './service/server.js'
export { SessionService } from './service/sessions.js'
export { openStore, Store, type StoreOptions } from './service/store.js'
export {
  type AgorImportReport,
  type AgorProblem,
  type AgorTableReport,
  importAgor
} from './store/agor-import.js'
export { Collection } from './store/collection.js'
export type { OpenOptions } from './store/database.js'
export { Database, openDatabase, Workspace } from './store/database.js'
export type { SessionTree } from './store/genealogy.js'
export { KvCollection, type KvEntry, VersionConflictError } from './store/kv.js'
export type { Query } from './store/query-walk.js'
export { type SetupResult, setupDatabase } from './store/setup.js'
export {
  type ExportOptions,
  exportDatabase,
  exportDocuments,
  type ImportOptions,
  type ImportResult,
  importDatabase,
  importDocuments,
  type Manifest,
  type OnConflict,
  type TransferOptions
} from './store/transfer.js'
export type { CreateData, Page, PaginationOptions, PatchData } from './store/types.js'
export {
  type ApiKeyInfo,
  type NewApiKey,
  type WorkspaceInfo,
  Workspaces
} from './store/workspaces.js'
