/**
 * A remote database (Turso or a libSQL server) through @libsql/client. Every call is a request of
 * its own (no queue: the server serialises), bounded by AGOR_DB_TIMEOUT over HTTP and websockets,
 * each call of a transaction too; failures the request did not cause become the 503s and 401s of
 * driver-errors.ts, and only a write that got no answer says it may have been applied.
 */
import './quiet-driver.js'
import { BadRequest } from '@feathersjs/errors'
import { type Client, createClient } from '@libsql/client'
import { DatabaseUnavailableError } from '../errors.js'
import { DEFAULT_REQUEST_TIMEOUT, type ResolvedDatabaseConfig } from './config.js'
import type { Connection, Executor, Result, Statement, SyncResult, WriteMode } from './connection.js'
import { withDeadline } from './deadline.js'
import { serverOf, translate, WRITE_IN_DOUBT } from './driver-errors.js'

/** What a write that failed without an answer adds: it may have been applied all the same. */

/** Statements that only read: when they fail without an answer, nothing can have been written. */
const READ = /^\s*(SELECT|VALUES|EXPLAIN)\b|^\s*PRAGMA\s+[\w.]+\s*;?\s*$/i

function kindOf(statement: Statement): WriteMode {
  return READ.test(typeof statement === 'string' ? statement : statement.sql) ? 'read' : 'write'
}

/** The driver's words for a call on a client that was closed under it. */
function closedUnder(error: unknown): boolean {
  return error instanceof Error && /manually closed|client is closed/i.test(error.message)
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
    return this.#call(kindOf(statement), (client) => client.execute(statement))
  }

  batch(statements: Statement[], mode: WriteMode): Promise<Result[]> {
    return this.#call(mode, (client) => client.batch(statements, mode))
  }

  migrate(statements: Statement[]): Promise<Result[]> {
    return this.#call('write', (client) =>
      client.migrate(statements.map((s) => (typeof s === 'string' ? { sql: s } : s)))
    )
  }

  /** An interactive transaction: each of its calls has the deadline of a single call. */
  async transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T> {
    const client = this.#client
    const tx = await this.#call(mode, () => client.transaction(mode), client)
    try {
      const result = await work({
        execute: (statement) => this.#call(mode, () => tx.execute(statement), client)
      })
      await this.#call(mode, () => tx.commit(), client)
      return result
    } finally {
      tx.close()
    }
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
   * A call on `client` bounded by AGOR_DB_TIMEOUT over HTTP and ws(s):// alike. A websocket whose
   * server went silent would hold every later call too, so the client is replaced: the next call
   * connects anew, and the calls that were waiting on the old one fail with it.
   */
  #call<T>(kind: WriteMode, call: (client: Client) => Promise<T>, client = this.#client): Promise<T> {
    const work = (async () => {
      try {
        return await call(client)
      } catch (error) {
        throw this.#failure(error, client, kind)
      }
    })()
    return withDeadline(work, this.#timeoutMs(), () => {
      if (this.#client === client) {
        this.#client = this.#open()
        client.close()
      }
      return new DatabaseUnavailableError(this.#late(kind))
    })
  }

  /** A failed call in the store's terms; only a write that got no answer may have been applied. */
  #failure(error: unknown, client: Client, kind: WriteMode): unknown {
    const doubt = kind === 'write' ? WRITE_IN_DOUBT : ''
    if (client !== this.#client && closedUnder(error)) {
      return new DatabaseUnavailableError(
        `${serverOf(this.config)} is not answering (another call waited ${this.#timeoutMs() / 1000} s, AGOR_DB_TIMEOUT)${doubt || '; try again when it answers'}`
      )
    }
    if (error instanceof Error && error.name === 'TimeoutError')
      return new DatabaseUnavailableError(this.#late(kind))
    return translate(error, this.config)
  }

  #late(kind: WriteMode): string {
    const seconds = this.#timeoutMs() / 1000
    return `${serverOf(this.config)} did not answer within ${seconds} s (AGOR_DB_TIMEOUT)${kind === 'write' ? WRITE_IN_DOUBT : ''}`
  }
}
