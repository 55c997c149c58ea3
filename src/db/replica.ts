/**
 * An embedded replica and its primary. The driver's replica client lives in a worker process
 * (replica-process.ts), because its writes (forwarded to the primary) and syncs block the thread
 * they run on until the primary answers; the local copy is read here, on a read-only connection of
 * its own, so reads, health checks and sockets keep going while the primary is slow or silent.
 *
 * When the primary cannot be reached at open, the local copy is opened alone, read-only, and the
 * replica comes back by itself as soon as the primary answers. A primary that is not the database
 * of the local copy any more (identity.ts) is never synced from: the worker asks before every sync
 * and every write, and this side reports what it heard.
 */
import { existsSync } from 'node:fs'
import { DatabaseForbiddenError, DatabaseUnavailableError, PrimaryLostError } from '../errors.js'
import { log } from '../log.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { Connection, Executor, Result, Statement, SyncResult, WriteMode } from './connection.js'
import { driverCode, serverOf } from './driver-errors.js'
import { checkPrimary, copyIdOf, copyIdOfFile } from './identity.js'
import { LocalConnection } from './local.js'
import { byRealPath } from './local-file.js'
import { replicaTimings } from './probe.js'
import { ReplicaProcess } from './replica-process.js'

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
  #worker: ReplicaProcess | undefined
  #reconnecting: Promise<SyncResult> | undefined
  #recovery: NodeJS.Timeout | undefined
  #syncs: NodeJS.Timeout | undefined
  #backgroundSync: Promise<unknown> | undefined
  #closed = false
  /** Why the primary is not this replica's any more (it lost its data), once noticed. */
  #lost: string | undefined
  /** Why the primary did not answer when last asked; undefined once it answers. */
  #away: string | undefined
  /** When the primary last answered or failed to (ms). */
  #asked = 0
  #verifying: Promise<void> | undefined

  /**
   * Opens a replica synced with its primary, or, when the primary is unreachable or lost its
   * data, its local copy read-only (with a warning). A replica that has no local copy yet cannot
   * open without its primary; nor can one whose primary refuses the token.
   */
  static async open(given: ResolvedDatabaseConfig): Promise<ReplicaConnection> {
    const config = byRealPath(given)
    let worker: ReplicaProcess | undefined
    let failure: DatabaseUnavailableError | undefined
    try {
      worker = (await ReplicaProcess.start(config, await copyIdOfFile(config))).worker
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error
      failure = error
    }
    try {
      const lost = failure instanceof PrimaryLostError
      const reader = await openLocalCopy(config, lost ? undefined : failure)
      if (failure && !lost) {
        log.warn(
          `${failure.message}: reading the local replica ${config.path} until it returns; writes fail meanwhile`
        )
      }
      const connection = new ReplicaConnection(config, reader, worker)
      connection.#note(failure)
      return connection
    } catch (error) {
      worker?.close()
      throw error
    }
  }

  private constructor(
    config: ResolvedDatabaseConfig,
    reader: LocalConnection,
    worker: ReplicaProcess | undefined
  ) {
    this.config = config
    this.#reader = reader
    this.#worker = worker
    if (!worker) this.#watchPrimary()
    // the driver's own periodic syncs would not ask for the primary's identity first
    const every = config.syncInterval ?? 0
    if (every > 0) {
      this.#syncs = setInterval(() => this.#syncInBackground(), every * 1000)
      this.#syncs.unref()
    }
  }

  get readOnly(): boolean {
    return this.#worker === undefined
  }

  /** That the primary did not answer when last asked, in words (for a health check). */
  get unreachable(): string | undefined {
    if (this.#away === undefined) return undefined
    return `${serverOf(this.config)} is unreachable: reads come from the local copy, writes fail`
  }

  /** A read runs on the local copy; anything else goes to the primary. */
  async execute(statement: Statement): Promise<Result> {
    try {
      return await this.#reader.execute(statement)
    } catch (error) {
      if (!isWrite(error)) throw error
      return this.#onPrimary((worker) => worker.execute(statement))
    }
  }

  /** A read batch is one read transaction on the local copy (a page and its total agree). */
  async batch(statements: Statement[], mode: WriteMode): Promise<Result[]> {
    if (mode === 'read') return this.#reader.batch(statements, mode)
    return this.#onPrimary((worker) => worker.batch('batch', statements, mode))
  }

  async migrate(statements: Statement[]): Promise<Result[]> {
    return this.#onPrimary((worker) => worker.batch('migrate', statements))
  }

  async transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T> {
    if (mode === 'read') return this.#reader.transaction(mode, work)
    return this.#onPrimary((worker) => worker.transaction(mode, work))
  }

  /** Pulls the primary's changes now; a replica opened read-only reconnects. */
  async sync(): Promise<SyncResult> {
    if (!this.#worker?.alive) return this.#reconnect()
    return this.#heard(this.#worker.sync())
  }

  /**
   * A primary that lost its data. Answers at once with what is known: the primary is asked again
   * in the background when the last answer is a few seconds old.
   */
  async problems(): Promise<string[]> {
    if (Date.now() - this.#asked > replicaTimings.recoveryInterval) this.#verifyInBackground()
    return this.#lost ? [this.#lost] : []
  }

  close(): void {
    this.#closed = true
    clearInterval(this.#recovery)
    clearInterval(this.#syncs)
    this.#worker?.close()
    this.#reader.close()
  }

  /**
   * What a call to the primary showed: that it answered as the database of the local copy (no
   * error), that it is another database now, or that it did not answer.
   */
  #note(error?: unknown): void {
    if (error instanceof PrimaryLostError) {
      this.#asked = Date.now()
      this.#away = undefined
      if (this.#lost === undefined) log.warn(error.message)
      this.#lost = error.message
    } else if (error instanceof DatabaseUnavailableError) {
      if (this.#closed) return
      this.#asked = Date.now()
      this.#away = error.message
    } else if (error === undefined) {
      this.#asked = Date.now()
      this.#away = undefined
      this.#lost = undefined
    }
  }

  /** `call`, whose outcome says how the primary is. */
  #heard<T>(call: Promise<T>): Promise<T> {
    return call.then(
      (value) => {
        this.#note()
        return value
      },
      (error: unknown) => {
        this.#note(error)
        throw error
      }
    )
  }

  #syncInBackground(): void {
    if (!this.#worker?.alive || this.#backgroundSync) return
    this.#backgroundSync = this.sync()
      .catch(() => undefined)
      .finally(() => {
        this.#backgroundSync = undefined
      })
  }

  #verifyInBackground(): void {
    this.#verifying ??= this.#verifyPrimary()
      .catch(() => undefined)
      .finally(() => {
        this.#verifying = undefined
      })
  }

  /** Asks the primary for its database id (identity.ts), here, without syncing. */
  async #verifyPrimary(): Promise<void> {
    await this.#heard(checkPrimary(this.config, await copyIdOf(this.#reader)))
  }

  /**
   * Work for the primary. A primary that lost its data refuses the writes of the replica's old
   * session as if its token allowed only reads: that refusal is explained.
   */
  async #onPrimary<T>(work: (worker: ReplicaProcess) => Promise<T>): Promise<T> {
    const worker = await this.#writer()
    try {
      return await this.#heard(work(worker))
    } catch (error) {
      if (error instanceof DatabaseForbiddenError) {
        await this.#verifyPrimary().catch(() => undefined)
        if (this.#lost) throw new PrimaryLostError(this.#lost)
      }
      throw error
    }
  }

  /** The worker, started again if it stopped or the replica opened without its primary. */
  async #writer(): Promise<ReplicaProcess> {
    if (this.#worker?.alive) return this.#worker
    try {
      await this.#reconnect()
    } catch (error) {
      if (error instanceof PrimaryLostError || !(error instanceof DatabaseUnavailableError)) throw error
      throw new DatabaseUnavailableError(
        `${serverOf(this.config)} is unreachable; this replica serves reads from its local copy until it returns`
      )
    }
    return this.#worker!
  }

  /** Starts the worker, synced with the primary; throws if the primary does not answer, or is another database. */
  #reconnect(): Promise<SyncResult> {
    this.#reconnecting ??= this.#heard(
      (async () => {
        const { worker, synced } = await ReplicaProcess.start(this.config, await copyIdOf(this.#reader))
        if (this.#closed) {
          worker.close()
          throw new DatabaseUnavailableError('The database is closed')
        }
        const wasReadOnly = this.readOnly
        this.#worker?.close()
        this.#worker = worker
        clearInterval(this.#recovery)
        if (wasReadOnly)
          log.warn(`${serverOf(this.config)} is reachable again: ${this.config.path} syncs with it again`)
        return synced
      })()
    ).finally(() => {
      this.#reconnecting = undefined
    })
    return this.#reconnecting
  }

  /** While read-only, looks for the primary every few seconds, and reconnects once it is the same database. */
  #watchPrimary(): void {
    this.#recovery = setInterval(() => {
      this.#verifyPrimary()
        .then(() => (this.readOnly ? this.#reconnect() : undefined))
        .catch(() => undefined)
    }, replicaTimings.recoveryInterval)
    this.#recovery.unref()
  }
}
