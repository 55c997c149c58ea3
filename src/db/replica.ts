/**
 * An embedded replica and its primary. The driver's replica client lives in a worker thread
 * (replica-thread.ts), because its writes (forwarded to the primary) and syncs block the thread
 * they run on until the primary answers; the local copy is read here, on a read-only connection of
 * its own, so reads, health checks and sockets keep going while the primary is slow or silent.
 *
 * When the primary cannot be reached at open, the local copy is opened alone, read-only, and the
 * replica comes back by itself as soon as the primary answers.
 */
import { existsSync } from 'node:fs'
import { DatabaseUnavailableError } from '../errors.js'
import { log } from '../log.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { Connection, Executor, Result, Statement, SyncResult, WriteMode } from './connection.js'
import { driverCode, serverOf } from './driver-errors.js'
import { LocalConnection } from './local.js'
import { probePrimary, replicaTimings } from './probe.js'
import { ReplicaThread } from './replica-thread.js'

/**
 * The replica's file as a read-only local database. Without its primary (`unreachable`), it must
 * hold a copy of the primary already.
 */
async function openLocalCopy(config: ResolvedDatabaseConfig, unreachable?: Error): Promise<LocalConnection> {
  if (!unreachable) return LocalConnection.open(config, { readOnly: true })
  const noCopy = new DatabaseUnavailableError(
    `${unreachable.message}, and the replica ${config.path} has no local copy yet: it needs the primary once to copy the database`
  )
  if (!existsSync(config.path!)) throw noCopy
  const local = await LocalConnection.open(config, { readOnly: true })
  try {
    const { rows } = await local.execute('SELECT count(*) AS tables FROM sqlite_master')
    if (Number(rows[0]?.tables) === 0) throw noCopy
    return local
  } catch (error) {
    local.close()
    throw error
  }
}

/** A write that the read-only local copy refused: it belongs to the primary. */
function isWrite(error: unknown): boolean {
  return driverCode(error)?.startsWith('SQLITE_READONLY') ?? false
}

export class ReplicaConnection implements Connection {
  readonly config: ResolvedDatabaseConfig
  /** The local copy, read-only: every read runs here. */
  readonly #reader: LocalConnection
  /** The worker that writes through the primary and syncs; none while the primary is away since the open. */
  #thread: ReplicaThread | undefined
  #reconnecting: Promise<SyncResult> | undefined
  #recovery: NodeJS.Timeout | undefined
  #closed = false

  /**
   * Opens a replica synced with its primary, or, when the primary is unreachable, its local copy
   * read-only (with a warning). A replica that has no local copy yet cannot open without its
   * primary; nor can one whose primary refuses the token.
   */
  static async open(config: ResolvedDatabaseConfig): Promise<ReplicaConnection> {
    let thread: ReplicaThread | undefined
    let unreachable: Error | undefined
    try {
      thread = (await ReplicaThread.start(config)).thread
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error
      unreachable = error
    }
    try {
      const reader = await openLocalCopy(config, unreachable)
      if (unreachable) {
        log.warn(
          `${unreachable.message}: reading the local replica ${config.path} until it returns; writes fail meanwhile`
        )
      }
      return new ReplicaConnection(config, reader, thread)
    } catch (error) {
      thread?.close()
      throw error
    }
  }

  private constructor(
    config: ResolvedDatabaseConfig,
    reader: LocalConnection,
    thread: ReplicaThread | undefined
  ) {
    this.config = config
    this.#reader = reader
    this.#thread = thread
    if (!thread) this.#watchPrimary()
  }

  get readOnly(): boolean {
    return this.#thread === undefined
  }

  /** A read runs on the local copy; anything else goes to the primary. */
  async execute(statement: Statement): Promise<Result> {
    try {
      return await this.#reader.execute(statement)
    } catch (error) {
      if (!isWrite(error)) throw error
      const thread = await this.#writer()
      return thread.execute(statement)
    }
  }

  /** A read batch is one read transaction on the local copy (a page and its total agree). */
  async batch(statements: Statement[], mode: WriteMode): Promise<Result[]> {
    if (mode === 'read') return this.#reader.batch(statements, mode)
    const thread = await this.#writer()
    return thread.batch('batch', statements, mode)
  }

  async migrate(statements: Statement[]): Promise<Result[]> {
    const thread = await this.#writer()
    return thread.batch('migrate', statements)
  }

  async transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T> {
    if (mode === 'read') return this.#reader.transaction(mode, work)
    return (await this.#writer()).transaction(mode, work)
  }

  /** Pulls the primary's changes now; a replica opened read-only reconnects. */
  async sync(): Promise<SyncResult> {
    if (!this.#thread?.alive) return this.#reconnect()
    return this.#thread.sync()
  }

  close(): void {
    this.#closed = true
    clearInterval(this.#recovery)
    this.#thread?.close()
    this.#reader.close()
  }

  /** The worker, started again if it stopped or the replica opened without its primary. */
  async #writer(): Promise<ReplicaThread> {
    if (this.#thread?.alive) return this.#thread
    try {
      await this.#reconnect()
    } catch (error) {
      throw error instanceof DatabaseUnavailableError
        ? new DatabaseUnavailableError(
            `${serverOf(this.config)} is unreachable; this replica serves reads from its local copy until it returns`
          )
        : error
    }
    return this.#thread!
  }

  /** Starts the worker, synced with the primary; throws if the primary does not answer. */
  #reconnect(): Promise<SyncResult> {
    this.#reconnecting ??= (async () => {
      try {
        const { thread, synced } = await ReplicaThread.start(this.config)
        if (this.#closed) {
          thread.close()
          throw new DatabaseUnavailableError('The database is closed')
        }
        const wasReadOnly = this.readOnly
        this.#thread?.close()
        this.#thread = thread
        clearInterval(this.#recovery)
        if (wasReadOnly)
          log.warn(`${serverOf(this.config)} is reachable again: ${this.config.path} syncs with it again`)
        return synced
      } finally {
        this.#reconnecting = undefined
      }
    })()
    return this.#reconnecting
  }

  /** While read-only, looks for the primary every few seconds. */
  #watchPrimary(): void {
    this.#recovery = setInterval(() => {
      probePrimary(this.config)
        .then(() => (this.readOnly ? this.#reconnect() : undefined))
        .catch(() => undefined)
    }, replicaTimings.recoveryInterval)
    this.#recovery.unref()
  }
}
