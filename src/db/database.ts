/**
 * The one path from the store to the driver. Collections run their SQL through a Database, which
 * serialises transactions on a local connection, keeps the driver's native memory bounded, and
 * turns driver failures that are not the request's fault into clear Feathers errors.
 */
import './quiet-driver.js'
import { BadRequest } from '@feathersjs/errors'
import type { Client, InStatement, ResultSet, Transaction, TransactionMode } from '@libsql/client'
import { DatabaseUnavailableError } from '../errors.js'
import { applyLocalPragmas, type OpenClientOptions, openClient } from './client.js'
import type { ResolvedDatabaseConfig } from './config.js'
import { driverCode, refusedByPrimary, serverOf, translate } from './driver-errors.js'
import { collectNativeStatements, noteNativeStatements } from './native-memory.js'
import {
  databaseLog,
  openReplica,
  openSynced,
  probePrimary,
  replicaTimings,
  type SyncResult
} from './replica.js'

export { driverCode } from './driver-errors.js'

export class Database {
  readonly config: ResolvedDatabaseConfig
  #client: Client
  /** A replica reading its local copy because its primary was unreachable (see replica.ts). */
  #readOnly: boolean
  #recovery: NodeJS.Timeout | undefined
  #closed = false
  /** The end of the queue of work on a local connection (see #exclusive). */
  #tail: Promise<unknown> = Promise.resolve()
  /** Set after a failure: the driver may have replaced the connection, losing its settings. */
  #settingsInDoubt = false

  private constructor(config: ResolvedDatabaseConfig, client: Client, readOnly = false) {
    this.config = config
    this.#client = client
    this.#readOnly = readOnly
    if (readOnly) this.#watchPrimary()
  }

  /**
   * Opens the database. A replica is synced with its primary before it is returned; if the
   * primary is unreachable, its local copy is opened read-only and reconnected when it returns.
   * With `create: false` a local file that does not exist is a NoDatabaseError (see openClient).
   */
  static async open(config: ResolvedDatabaseConfig, options: OpenClientOptions = {}): Promise<Database> {
    if (config.mode !== 'replica') return new Database(config, await openClient(config, options))
    const { client, readOnly } = await openReplica(config)
    return new Database(config, client, readOnly)
  }

  /**
   * The driver client. A replica opened read-only gets a new one when it reconnects: read this
   * each time rather than keeping the client.
   */
  get client(): Client {
    return this.#client
  }

  /**
   * True while a replica serves reads from its local copy because its primary was unreachable
   * when it opened: writes fail with a 503 until the primary returns.
   */
  get readOnly(): boolean {
    return this.#readOnly
  }

  async execute(statement: InStatement): Promise<ResultSet> {
    await this.#collect(1)
    return this.#exclusive(() => this.#client.execute(statement))
  }

  /**
   * Runs statements in one transaction (one round trip to a remote server). On a replica, a read
   * batch runs statement by statement on the local copy: the driver sends every transaction, even
   * a read-only one, to the primary, which would cost a round trip and fail while it is down.
   */
  async batch(statements: InStatement[], mode: TransactionMode): Promise<ResultSet[]> {
    await this.#collect(statements.length + 2)
    if (mode === 'read' && this.config.mode === 'replica') {
      return this.#exclusive(async () => {
        const results: ResultSet[] = []
        for (const statement of statements) results.push(await this.#client.execute(statement))
        return results
      })
    }
    return this.#exclusive(() => this.#client.batch(statements, mode))
  }

  /**
   * Runs statements in one transaction with foreign key checks off (schema migrations; one round
   * trip to a remote server).
   */
  async migrate(statements: InStatement[]): Promise<ResultSet[]> {
    await this.#collect(statements.length + 4)
    return this.#exclusive(() => this.#client.migrate(statements))
  }

  /**
   * Runs `work` in an interactive transaction and commits it, or rolls it back if `work` throws.
   * `work` must use `tx`, not this Database: on a local database other work waits until the
   * transaction ends.
   */
  async transaction<T>(mode: TransactionMode, work: (tx: Transaction) => Promise<T>): Promise<T> {
    await this.#collect(2)
    return this.#exclusive(async () => {
      const tx = await this.#client.transaction(mode)
      try {
        const result = await work(tx)
        await tx.commit()
        return result
      } finally {
        tx.close()
      }
    })
  }

  /**
   * Pulls the primary's changes into an embedded replica now (replicas also sync on open and every
   * `syncInterval` seconds). A replica opened read-only reconnects. Other modes throw.
   */
  async sync(): Promise<SyncResult> {
    if (this.config.mode !== 'replica') {
      throw new BadRequest(
        `Only an embedded replica syncs; this database is ${this.config.mode} (set AGOR_DB_SYNC_URL)`
      )
    }
    return this.#exclusive(async () => {
      if (this.#readOnly) return this.#reconnect()
      await probePrimary(this.config)
      const result = await this.#client.sync()
      return { framesSynced: result?.frames_synced ?? 0, frameNo: result?.frame_no ?? 0 }
    })
  }

  /**
   * Keeps the driver's native statement memory bounded (native-memory.ts): a replica's calls go
   * through @libsql/client, which prepares a native statement for each; a local file's client
   * counts the statements it prepares itself.
   */
  async #collect(statements: number): Promise<void> {
    if (this.config.mode === 'replica') noteNativeStatements(statements)
    await collectNativeStatements()
  }

  close(): void {
    this.#closed = true
    clearInterval(this.#recovery)
    this.#client.close()
  }

  /**
   * Runs `work` after all work queued before it. A local database has one connection, which an
   * open transaction holds: queueing keeps other statements from failing with TRANSACTION_ACTIVE
   * meanwhile. The driver's calls are synchronous, so the queue costs no parallelism. A remote
   * client has a stream per call and needs no queue.
   */
  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = async () => {
      try {
        if (this.#settingsInDoubt) {
          this.#settingsInDoubt = false
          await applyLocalPragmas(this.#client, this.config, { readOnly: this.#readOnly })
        }
        return await work()
      } catch (error) {
        return this.#failed(error, work, 1)
      }
    }
    if (this.config.mode === 'remote') return run()
    const result = this.#tail.then(run, run)
    this.#tail = result.catch(() => undefined)
    return result
  }

  /**
   * After `work` failed (in the queue): a write on a replica opened read-only reconnects it and runs
   * again if the primary is back; a write that a replica's primary refused, maybe because the
   * local copy was behind, syncs the copy before the caller looks again. Throws what to report.
   */
  async #failed<T>(error: unknown, work: () => Promise<T>, attempt: number): Promise<T> {
    const { mode } = this.config
    // a replica's client has no local settings: the driver would send them to the primary
    this.#settingsInDoubt = mode === 'file' || mode === 'memory' || this.#readOnly
    if (mode === 'file' && isBusy(error)) {
      // A statement that failed busy stays in progress on its connection: later statements run in
      // its open transaction and are never committed (libsql-client-ts #352). Start over on a fresh
      // connection. Nothing was written, so the work can run again.
      await this.#client.reconnect()
      await applyLocalPragmas(this.#client, this.config)
      this.#settingsInDoubt = false
      if (attempt < BUSY_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 25 * attempt * (1 + Math.random())))
        return work().catch((again: unknown) => this.#failed(again, work, attempt + 1))
      }
    }
    const failure = translate(error, this.config)
    if (this.#readOnly && isReadOnlyRefusal(failure)) {
      try {
        await this.#reconnect()
      } catch (reconnect) {
        throw reconnect instanceof DatabaseUnavailableError
          ? new DatabaseUnavailableError(
              `${serverOf(this.config)} is unreachable; this replica serves reads from its local copy until it returns`
            )
          : reconnect
      }
      return work().catch((again: unknown) => this.#failed(again, work, attempt + 1))
    }
    if (mode === 'replica' && refusedByPrimary(error)) {
      await this.#client.sync().catch(() => undefined)
    }
    throw failure
  }

  /** Reopens a read-only replica synced with its primary (in the queue). Throws if it is not back. */
  async #reconnect(): Promise<SyncResult> {
    const { client, ...result } = await openSynced(this.config)
    if (this.#closed) {
      client.close()
      throw new DatabaseUnavailableError('The database is closed')
    }
    const local = this.#client
    this.#client = client
    this.#readOnly = false
    this.#settingsInDoubt = false
    clearInterval(this.#recovery)
    local.close()
    databaseLog.warn(`${serverOf(this.config)} is reachable again: ${this.config.path} syncs with it again`)
    return result
  }

  /** While read-only, looks for the primary every few seconds, outside the queue. */
  #watchPrimary(): void {
    this.#recovery = setInterval(() => {
      probePrimary(this.config)
        .then(() =>
          this.#exclusive(async () => {
            if (this.#readOnly) await this.#reconnect()
          })
        )
        .catch(() => undefined)
    }, replicaTimings.recoveryInterval)
    this.#recovery.unref()
  }
}

/** How often work on a local file is tried when another process holds the lock past the busy timeout. */
const BUSY_ATTEMPTS = 3

function isBusy(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(driverCode(error) ?? '')
}

/** A write that a read-only local copy refused. */
function isReadOnlyRefusal(error: unknown): boolean {
  return driverCode(error)?.startsWith('SQLITE_READONLY') ?? false
}
