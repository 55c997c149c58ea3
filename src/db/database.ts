/**
 * The one path from the store to the driver. Collections run their SQL through a Database, which
 * serialises transactions on a local connection, keeps the driver's native memory bounded, and
 * turns driver failures that are not the request's fault into clear Feathers errors.
 */
import type { Client, InStatement, ResultSet, Transaction, TransactionMode } from '@libsql/client'
import { LibsqlError } from '@libsql/client'
import { DatabaseUnavailableError } from '../errors.js'
import { applyLocalPragmas, openClient, type ResolvedDatabaseConfig } from './client.js'
import { countStatements } from './native-memory.js'

/** The driver error code of a failure, if it has one (`SQLITE_CONSTRAINT_UNIQUE`, …). */
export function driverCode(error: unknown): string | undefined {
  if (!(error instanceof LibsqlError)) return undefined
  return error.extendedCode ?? error.code
}

const BUSY = /^SQLITE_(BUSY|LOCKED)/

export class Database {
  readonly config: ResolvedDatabaseConfig
  readonly client: Client
  /** The end of the queue of work on a local connection (see #exclusive). */
  #tail: Promise<unknown> = Promise.resolve()
  /** Set after a failure: the driver may have replaced the connection, losing its settings. */
  #settingsInDoubt = false

  private constructor(config: ResolvedDatabaseConfig, client: Client) {
    this.config = config
    this.client = client
  }

  static async open(config: ResolvedDatabaseConfig): Promise<Database> {
    return new Database(config, await openClient(config))
  }

  async execute(statement: InStatement): Promise<ResultSet> {
    await countStatements(1)
    return this.#exclusive(() => this.client.execute(statement))
  }

  /** Runs statements in one transaction (one round trip to a remote server). */
  async batch(statements: InStatement[], mode: TransactionMode): Promise<ResultSet[]> {
    await countStatements(statements.length + 2)
    return this.#exclusive(() => this.client.batch(statements, mode))
  }

  /**
   * Runs `work` in an interactive transaction and commits it, or rolls it back if `work` throws.
   * `work` must use `tx`, not this Database: on a local database other work waits until the
   * transaction ends.
   */
  async transaction<T>(mode: TransactionMode, work: (tx: Transaction) => Promise<T>): Promise<T> {
    await countStatements(2)
    return this.#exclusive(async () => {
      const tx = await this.client.transaction(mode)
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
   * Pulls the primary's changes into an embedded replica. Only replicas sync; other modes throw.
   */
  async sync(): Promise<{ framesSynced: number; frameNo: number }> {
    if (this.config.mode !== 'replica') {
      throw new Error(
        `Only an embedded replica syncs; this database is ${this.config.mode} (set AGOR_DB_SYNC_URL)`
      )
    }
    const result = await this.#exclusive(() => this.client.sync())
    return { framesSynced: result?.frames_synced ?? 0, frameNo: result?.frame_no ?? 0 }
  }

  close(): void {
    this.client.close()
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
          await applyLocalPragmas(this.client, this.config)
        }
        return await work()
      } catch (error) {
        this.#settingsInDoubt = this.config.mode !== 'remote'
        throw translate(error)
      }
    }
    if (this.config.mode === 'remote') return run()
    const result = this.#tail.then(run, run)
    this.#tail = result.catch(() => undefined)
    return result
  }
}

// Failures that say nothing about the request become 503s; constraint failures and everything
// else go back to the caller, which knows what the statement was for.
function translate(error: unknown): unknown {
  const code = driverCode(error)
  if (code && BUSY.test(code)) {
    return new DatabaseUnavailableError('The database is busy; try again')
  }
  return error
}
