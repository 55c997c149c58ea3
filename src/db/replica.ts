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
import { DatabaseForbiddenError, DatabaseUnavailableError } from '../errors.js'
import { log } from '../log.js'
import { DATABASE_ID_TABLE } from '../schema/database-id.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { Connection, Executor, Result, Statement, SyncResult, WriteMode } from './connection.js'
import { driverCode, serverOf } from './driver-errors.js'
import { LocalConnection } from './local.js'
import { probePrimary, queryPrimary, replicaTimings } from './probe.js'
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
  /** Why the primary is not this replica's any more (it lost its data), once noticed. */
  #lost: string | undefined
  /** When the primary's identity was last compared with the local copy's (ms). */
  #verified = 0
  #verifying: Promise<void> | undefined
  #watch: NodeJS.Timeout | undefined

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
      const connection = new ReplicaConnection(config, reader, thread)
      if (thread) await connection.#verifyPrimary().catch(() => undefined)
      return connection
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
    // a primary that loses its data while nobody writes is noticed as often as the replica syncs
    const every = config.syncInterval ?? 0
    if (every > 0) {
      this.#watch = setInterval(() => this.#verifyInBackground(), Math.max(every, 5) * 1000)
      this.#watch.unref()
    }
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
      return this.#onPrimary((thread) => thread.execute(statement))
    }
  }

  /** A read batch is one read transaction on the local copy (a page and its total agree). */
  async batch(statements: Statement[], mode: WriteMode): Promise<Result[]> {
    if (mode === 'read') return this.#reader.batch(statements, mode)
    return this.#onPrimary((thread) => thread.batch('batch', statements, mode))
  }

  async migrate(statements: Statement[]): Promise<Result[]> {
    return this.#onPrimary((thread) => thread.batch('migrate', statements))
  }

  async transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T> {
    if (mode === 'read') return this.#reader.transaction(mode, work)
    return this.#onPrimary((thread) => thread.transaction(mode, work))
  }

  /** Pulls the primary's changes now; a replica opened read-only reconnects. */
  async sync(): Promise<SyncResult> {
    await this.#verifyPrimary()
    if (this.#lost) throw new DatabaseUnavailableError(this.#lost)
    if (!this.#thread?.alive) return this.#reconnect()
    return this.#thread.sync()
  }

  /**
   * A primary that lost its data. Answers at once with what is known: the
   * primary is asked again in the background when the last answer is a few seconds old.
   */
  async problems(): Promise<string[]> {
    if (Date.now() - this.#verified > replicaTimings.recoveryInterval) this.#verifyInBackground()
    if (this.#lost) return [this.#lost]
    return []
  }

  close(): void {
    this.#closed = true
    clearInterval(this.#recovery)
    clearInterval(this.#watch)
    this.#thread?.close()
    this.#reader.close()
  }

  #verifyInBackground(): void {
    this.#verifying ??= this.#verifyPrimary()
      .catch(() => undefined)
      .finally(() => {
        this.#verifying = undefined
      })
  }

  /**
   * Compares the database id of the local copy with the primary's (see schema/database-id.ts). A
   * primary that lost its data (restarted empty, or replaced) answers without it, or with another:
   * writes through it would go to another database, so they are refused until it is sorted out.
   * Throws when the primary cannot be asked.
   */
  async #verifyPrimary(): Promise<void> {
    const sql = `SELECT id FROM ${DATABASE_ID_TABLE}`
    const local = await this.#reader.execute(sql).then(
      (result) => result.rows[0]?.id,
      () => undefined
    )
    // a copy from before database ids: nothing to compare
    if (typeof local !== 'string') return
    const answer = await queryPrimary(this.config, sql)
    this.#verified = Date.now()
    const primary = 'value' in answer ? answer.value : undefined
    if (primary === local) {
      this.#lost = undefined
      return
    }
    const known = this.#lost !== undefined
    this.#lost = `${serverOf(this.config)} lost its data or is another database (its database id is ${typeof primary === 'string' ? primary : 'missing'}; this replica is a copy of ${local}): this replica serves reads from its copy and refuses writes. To start again from the primary: agor db sync --rebootstrap (the copy is kept as a backup); to keep the copy's data, export it first (agor db export) and import it into the primary`
    if (!known) log.warn(this.#lost)
  }

  /**
   * Work for the primary. A primary that lost its data refuses the writes of the replica's old
   * session as if its token allowed only reads: that refusal is explained.
   */
  async #onPrimary<T>(work: (thread: ReplicaThread) => Promise<T>): Promise<T> {
    const thread = await this.#writer()
    try {
      return await work(thread)
    } catch (error) {
      if (error instanceof DatabaseForbiddenError) {
        await this.#verifyPrimary().catch(() => undefined)
        if (this.#lost) throw new DatabaseUnavailableError(this.#lost)
      }
      throw error
    }
  }

  /** The worker, started again if it stopped or the replica opened without its primary. */
  async #writer(): Promise<ReplicaThread> {
    if (this.#lost) {
      await this.#verifyPrimary().catch(() => undefined)
      if (this.#lost) throw new DatabaseUnavailableError(this.#lost)
    }
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
