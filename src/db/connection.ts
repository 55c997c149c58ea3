/**
 * The seam between the store and the driver: the few calls the store makes on a database, with
 * one implementation per mode, each owning its policies: a local file (local.ts: one connection,
 * prepared statements, busy retries), a remote server (remote.ts: request timeouts) and an
 * embedded replica (replica.ts: syncs, and reads of its local copy while its primary is away).
 */
import type { ResolvedDatabaseConfig } from './config.js'

/** A value as SQLite stores it, and as results hold it. */
export type Value = null | string | number | bigint | ArrayBuffer

/** A value a statement may bind. */
export type InValue = Value | boolean | Uint8Array | Date

/** A statement: SQL text with `?` placeholders (or named ones) and their values. */
export type Statement =
  | string
  | {
      sql: string
      args?: InValue[] | Record<string, InValue>
      /** At most one row can match (an equality on the primary key): a driver may stop at it. */
      single?: boolean
    }

/** A row of a result: each value by its column name, and by its position. */
export interface Row {
  [column: string]: Value
  [index: number]: Value
  length: number
}

/** What a statement returns. */
export interface Result {
  columns: string[]
  rows: Row[]
  rowsAffected: number
  /**
   * The rows as their values in column order, where the driver reads them so (a local file): a
   * caller that reads by position takes these and leaves the row objects unmade.
   */
  readonly values?: readonly (readonly Value[])[]
}

/** What a replica pulled from its primary. */
export interface SyncResult {
  framesSynced: number
  frameNo: number
}

/** Where statements of an interactive transaction run. */
export interface Executor {
  execute(statement: Statement): Promise<Result>
}

export type WriteMode = 'read' | 'write'

/** A database, whatever its mode. */
export interface Connection extends Executor {
  readonly config: ResolvedDatabaseConfig
  /**
   * True while a replica serves reads from its local copy because its primary was unreachable
   * when it opened: writes fail with a 503 until the primary returns.
   */
  readonly readOnly: boolean
  /**
   * A replica whose primary did not answer when last asked (a sync, a write, a look for it): that,
   * in words, for a health check. Undefined while it answers, and in other modes.
   */
  readonly unreachable?: string
  /**
   * Runs statements in one transaction (one round trip to a remote server). `options.busyWait`:
   * on a local file, wait at most that many milliseconds for another connection's lock, and fail
   * with a 503 rather than wait the whole busy timeout and try again (servers decide for themselves).
   */
  batch(statements: Statement[], mode: WriteMode, options?: { busyWait?: number }): Promise<Result[]>
  /**
   * Runs `work` in an interactive transaction and commits it, or rolls it back if `work` throws.
   * `work` must use `tx`, not the connection: other work on a local database waits for it.
   */
  transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T>
  /** Runs statements in one transaction with foreign key checks off (schema migrations). */
  migrate(statements: Statement[]): Promise<Result[]>
  /** Pulls the primary's changes into an embedded replica now; other modes refuse (400). */
  sync(): Promise<SyncResult>
  /**
   * What is wrong with the database that its calls do not show, in words (a replica whose primary
   * lost its data); empty when nothing is known to be wrong.
   */
  problems(): Promise<string[]>
  close(): void
}
