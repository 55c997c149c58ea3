/**
 * A remote database (Turso or a libSQL server) through @libsql/client. Every call is a request of
 * its own (no queue: the server serialises), bounded by AGOR_DB_TIMEOUT over HTTP; failures the
 * request did not cause become the 503s and 401s of driver-errors.ts.
 */
import './quiet-driver.js'
import { BadRequest } from '@feathersjs/errors'
import { type Client, createClient } from '@libsql/client'
import { DatabaseUnavailableError } from '../errors.js'
import { DEFAULT_REQUEST_TIMEOUT, type ResolvedDatabaseConfig } from './config.js'
import type { Connection, Executor, Result, Statement, SyncResult, WriteMode } from './connection.js'
import { withDeadline } from './deadline.js'
import { serverOf, translate } from './driver-errors.js'

/** Runs a driver call, reporting its failure in the store's terms. */
export async function driverCall<T>(config: ResolvedDatabaseConfig, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    throw translate(error, config)
  }
}

/** An interactive transaction of @libsql/client as an Executor, committed or rolled back around `work`. */
export async function clientTransaction<T>(
  client: Client,
  config: ResolvedDatabaseConfig,
  mode: WriteMode,
  work: (tx: Executor) => Promise<T>
): Promise<T> {
  const tx = await driverCall(config, () => client.transaction(mode))
  try {
    const result = await work({ execute: (statement) => driverCall(config, () => tx.execute(statement)) })
    await driverCall(config, () => tx.commit())
    return result
  } finally {
    tx.close()
  }
}

export class RemoteConnection implements Connection {
  readonly config: ResolvedDatabaseConfig
  readonly readOnly = false
  #client: Client

  constructor(config: ResolvedDatabaseConfig) {
    this.config = config
    this.#client = this.#open()
  }

  execute(statement: Statement): Promise<Result> {
    return this.#call((client) => client.execute(statement))
  }

  batch(statements: Statement[], mode: WriteMode): Promise<Result[]> {
    return this.#call((client) => client.batch(statements, mode))
  }

  migrate(statements: Statement[]): Promise<Result[]> {
    return this.#call((client) =>
      client.migrate(statements.map((s) => (typeof s === 'string' ? { sql: s } : s)))
    )
  }

  transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T> {
    return clientTransaction(this.#client, this.config, mode, work)
  }

  async sync(): Promise<SyncResult> {
    throw new BadRequest('Only an embedded replica syncs; this database is remote (set AGOR_DB_SYNC_URL)')
  }

  async problems(): Promise<string[]> {
    return []
  }

  close(): void {
    this.#client.close()
  }

  #open(): Client {
    const ms = this.#timeoutMs()
    // the driver's HTTP transport calls fetch(request), which this bounds; a ws:// client does not
    const fetchWithTimeout = (request: Request) => fetch(request, { signal: AbortSignal.timeout(ms) })
    return createClient({
      url: this.config.url,
      authToken: this.config.authToken,
      ...(ms > 0 ? { fetch: fetchWithTimeout } : {})
    })
  }

  #timeoutMs(): number {
    return (this.config.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT) * 1000
  }

  /**
   * A call bounded by AGOR_DB_TIMEOUT over HTTP and ws(s):// alike. A websocket whose server went
   * silent would hold every later call too, so the client is replaced: the next call connects anew.
   */
  #call<T>(call: (client: Client) => Promise<T>): Promise<T> {
    const ms = this.#timeoutMs()
    const client = this.#client
    return withDeadline(
      driverCall(this.config, () => call(client)),
      ms,
      () => {
        if (this.#client === client) {
          this.#client = this.#open()
          client.close()
        }
        return new DatabaseUnavailableError(
          `${serverOf(this.config)} did not answer within ${ms / 1000} s (AGOR_DB_TIMEOUT): a write may or may not have been applied; read it back before trying again`
        )
      }
    )
  }
}
