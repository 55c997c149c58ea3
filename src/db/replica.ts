/**
 * An embedded replica and its primary: the replica is synced before its first read; when the
 * primary cannot be reached at open, its local copy is opened read-only instead, so that reads keep
 * working, and it becomes a replica again as soon as the primary answers. Writes go to the primary;
 * one the primary refuses because the local copy was behind syncs the copy before the caller looks
 * again.
 */
import './quiet-driver.js'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { FeathersError } from '@feathersjs/errors'
import { type Client, createClient } from '@libsql/client'
import { DatabaseForbiddenError, DatabaseUnavailableError } from '../errors.js'
import { KeyedQueue } from '../keyed-queue.js'
import { log } from '../log.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { Connection, Executor, Result, Statement, SyncResult, WriteMode } from './connection.js'
import { driverCode, refusedByPrimary, serverOf, translate } from './driver-errors.js'
import { LocalConnection } from './local.js'
import { collectNativeStatements, noteNativeStatements } from './native-memory.js'
import { clientTransaction, driverCall } from './remote.js'

/** How long a probe waits for the primary, and how often a replica opened read-only probes it (ms). */
export const replicaTimings = { probeTimeout: 5000, recoveryInterval: 5000 }

/**
 * One HTTP request to the primary that opens and closes an empty stream: it proves that the
 * primary answers and takes the token. The driver cannot tell these apart (a refused token looks
 * like an unreachable primary after a 3 s handshake timeout), and its sync blocks the event loop
 * while it waits, so every sync is preceded by this probe, which does not.
 */
export async function probePrimary(config: ResolvedDatabaseConfig): Promise<void> {
  let response: Response
  try {
    response = await fetch(`${config.syncUrl}/v2/pipeline`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(config.authToken ? { authorization: `Bearer ${config.authToken}` } : {})
      },
      body: JSON.stringify({ requests: [{ type: 'close' }] }),
      signal: AbortSignal.timeout(replicaTimings.probeTimeout)
    })
    await response.arrayBuffer()
  } catch (error) {
    throw translate(error, config)
  }
  if (response.ok) return
  const server = serverOf(config)
  if (response.status === 403) {
    throw new DatabaseForbiddenError(
      `${server} refused the auth token: it does not allow reading the database`
    )
  }
  const failure = translate(new Error(`Server returned HTTP status ${response.status}`), config)
  if (failure instanceof FeathersError) throw failure
  throw new DatabaseUnavailableError(
    `${server} answered HTTP ${response.status}: is AGOR_DB_SYNC_URL a libSQL server?`
  )
}

/** Opens the replica and syncs it with its primary, which must be reachable. */
async function openSynced(config: ResolvedDatabaseConfig): Promise<{ client: Client } & SyncResult> {
  await probePrimary(config)
  mkdirSync(dirname(config.path!), { recursive: true })
  let client: Client | undefined
  try {
    // The driver sends every statement that is not a plain read, PRAGMAs included, to the
    // primary, which enforces foreign keys itself: a replica gets no local settings.
    client = createClient({
      url: config.url,
      syncUrl: config.syncUrl,
      authToken: config.authToken,
      syncInterval: config.syncInterval
    })
    const result = await client.sync()
    return { client, framesSynced: result?.frames_synced ?? 0, frameNo: result?.frame_no ?? 0 }
  } catch (error) {
    client?.close()
    throw translate(error, config)
  }
}

/** The replica's file as a read-only local database, if it holds a copy of the primary. */
async function openLocalCopy(config: ResolvedDatabaseConfig, unreachable: Error): Promise<LocalConnection> {
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

/** The synced replica, or, while the primary is away since the open, the read-only local copy. */
type Target = { client: Client } | { local: LocalConnection }

export class ReplicaConnection implements Connection {
  readonly config: ResolvedDatabaseConfig
  /** The synced replica, or, while the primary is away since the open, the read-only local copy. */
  #target: { client: Client } | { local: LocalConnection }
  readonly #queue = new KeyedQueue()
  #recovery: NodeJS.Timeout | undefined
  #closed = false

  /**
   * Opens a replica synced with its primary, or, when the primary is unreachable, its local copy
   * read-only (with a warning). A replica that has no local copy yet cannot open without its
   * primary; nor can one whose primary refuses the token.
   */
  static async open(config: ResolvedDatabaseConfig): Promise<ReplicaConnection> {
    try {
      return new ReplicaConnection(config, { client: (await openSynced(config)).client })
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError)) throw error
      const local = await openLocalCopy(config, error)
      log.warn(
        `${error.message}: reading the local replica ${config.path} until it returns; writes fail meanwhile`
      )
      return new ReplicaConnection(config, { local })
    }
  }

  private constructor(config: ResolvedDatabaseConfig, target: Target) {
    this.config = config
    this.#target = target
    if (this.readOnly) this.#watchPrimary()
  }

  get readOnly(): boolean {
    return 'local' in this.#target
  }

  execute(statement: Statement): Promise<Result> {
    return this.#call(1, (t) => ('local' in t ? t.local.execute(statement) : t.client.execute(statement)))
  }

  /**
   * A read batch runs statement by statement on the local copy: the driver sends every
   * transaction, even a read-only one, to the primary, which would cost a round trip and fail
   * while it is down.
   */
  batch(statements: Statement[], mode: WriteMode): Promise<Result[]> {
    return this.#call(statements.length + 2, async (t) => {
      if ('local' in t) return t.local.batch(statements, mode)
      if (mode === 'write') return t.client.batch(statements, mode)
      const results: Result[] = []
      for (const statement of statements) results.push(await t.client.execute(statement))
      return results
    })
  }

  migrate(statements: Statement[]): Promise<Result[]> {
    return this.#call(statements.length + 4, (t) =>
      'local' in t
        ? t.local.migrate(statements)
        : t.client.migrate(statements.map((s) => (typeof s === 'string' ? { sql: s } : s)))
    )
  }

  transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.#call(2, (t) =>
      'local' in t ? t.local.transaction(mode, work) : clientTransaction(t.client, this.config, mode, work)
    )
  }

  /** Pulls the primary's changes now; a replica opened read-only reconnects. */
  sync(): Promise<SyncResult> {
    return this.#queue.run('', async () => {
      if ('local' in this.#target) return this.#reconnect()
      const { client } = this.#target
      await probePrimary(this.config)
      const result = await driverCall(this.config, () => client.sync())
      return { framesSynced: result?.frames_synced ?? 0, frameNo: result?.frame_no ?? 0 }
    })
  }

  close(): void {
    this.#closed = true
    clearInterval(this.#recovery)
    if ('local' in this.#target) this.#target.local.close()
    else this.#target.client.close()
  }

  /**
   * Runs `work` after the work queued before it. The driver's calls block the event loop, and
   * @libsql/client prepares a native statement for each (`statements`: how many it makes; see
   * native-memory.ts).
   */
  async #call<T>(statements: number, work: (target: Target) => Promise<T>): Promise<T> {
    noteNativeStatements(statements)
    await collectNativeStatements()
    return this.#queue.run('', () => this.#attempt(work, 1))
  }

  async #attempt<T>(work: (target: Target) => Promise<T>, attempt: number): Promise<T> {
    try {
      return await work(this.#target)
    } catch (error) {
      const failure = translate(error, this.config)
      if (this.readOnly && driverCode(failure)?.startsWith('SQLITE_READONLY') && attempt < 3) {
        // a write on the read-only copy: if the primary is back, reconnect and run it there
        try {
          await this.#reconnect()
        } catch (reconnect) {
          throw reconnect instanceof DatabaseUnavailableError
            ? new DatabaseUnavailableError(
                `${serverOf(this.config)} is unreachable; this replica serves reads from its local copy until it returns`
              )
            : reconnect
        }
        return this.#attempt(work, attempt + 1)
      }
      if (!this.readOnly && refusedByPrimary(error) && 'client' in this.#target) {
        await this.#target.client.sync().catch(() => undefined)
      }
      throw failure
    }
  }

  /** Reopens a read-only replica synced with its primary (in the queue). Throws if it is not back. */
  async #reconnect(): Promise<SyncResult> {
    const { client, ...result } = await openSynced(this.config)
    if (this.#closed) {
      client.close()
      throw new DatabaseUnavailableError('The database is closed')
    }
    if ('local' in this.#target) this.#target.local.close()
    this.#target = { client }
    clearInterval(this.#recovery)
    log.warn(`${serverOf(this.config)} is reachable again: ${this.config.path} syncs with it again`)
    return result
  }

  /** While read-only, looks for the primary every few seconds, outside the queue. */
  #watchPrimary(): void {
    this.#recovery = setInterval(() => {
      probePrimary(this.config)
        .then(() =>
          this.#queue.run('', async () => {
            if (this.readOnly) await this.#reconnect()
          })
        )
        .catch(() => undefined)
    }, replicaTimings.recoveryInterval)
    this.#recovery.unref()
  }
}
