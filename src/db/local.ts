/**
 * A local database file (or `:memory:`): one native connection with its prepared statements. The
 * engine's calls are synchronous, so more connections would buy no parallelism inside one process;
 * with one, the per-connection settings hold for every statement, and the store's work takes turns
 * on it (an open transaction holds it). A write that finds another process holding the lock past
 * the busy timeout is tried again on a fresh connection.
 */
import { BadRequest } from '@feathersjs/errors'
import { DatabaseUnavailableError } from '../errors.js'
import { KeyedQueue } from '../keyed-queue.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { Connection, Executor, Result, Statement, SyncResult, WriteMode } from './connection.js'
import { driverCode, explainDamage, explainOpenError } from './driver-errors.js'
import { prepareLocalFile } from './local-file.js'
import { NativeDatabase } from './native.js'
import { collectionDue, collectNativeStatements } from './native-memory.js'

const BEGIN: Record<WriteMode, string> = { write: 'BEGIN IMMEDIATE', read: 'BEGIN TRANSACTION READONLY' }

/**
 * The page cache of the connection (KiB): the engine's default of 2 MiB holds too few pages for
 * the reads of a database of tens of thousands of documents to find theirs, and each miss is a
 * read of the file (measured: a get by id at 20k sessions took 5.8 µs with 2 MiB, 5.1 µs with
 * 16 MiB). 16 MiB is better-sqlite3's default.
 */
export const PAGE_CACHE_KIB = 16_000

/**
 * The pages the WAL may hold before a commit copies them into the database file (the engine's
 * default is 1,000). A checkpoint copies each page once however many commits wrote it, and writes
 * of new documents write the same few pages again and again (the last leaves of the table and of
 * its indexes, and of the change feed's), so rarer checkpoints copy much less: 20,000 appends of
 * messages to a file of 200k took 94 µs each with 1,000 pages, 79 µs with 10,000 (`npm run
 * bench:checkpoints`). Reads are as fast with a WAL of 10,000 frames as with an empty one. The WAL file
 * grows to about 40 MiB between checkpoints; closing the store empties it.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000

/** How often work is tried when another process holds the lock past the busy timeout. */
const BUSY_ATTEMPTS = 3

function isBusy(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(driverCode(error) ?? '')
}

/**
 * A failure of a local file that is not the statement's fault, in words: damaged or unwritable for
 * a file; damaged for a replica's local copy, whose refused writes go to its primary instead.
 */
function explainFile(config: ResolvedDatabaseConfig, error: unknown): unknown {
  if (config.mode === 'file') return explainOpenError(config.path!, error)
  return config.mode === 'replica' ? explainDamage(config.path!, error) : error
}

export class LocalConnection implements Connection {
  readonly config: ResolvedDatabaseConfig
  readonly readOnly: boolean
  readonly #native: NativeDatabase
  readonly #queue = new KeyedQueue()
  /** Set after a failure: the connection may have been replaced, losing its settings. */
  #settingsInDoubt = false
  #closed = false

  /**
   * Opens the file (creating it and its folder unless `create` is false) or memory. `readOnly`
   * opens an existing copy that must not change (a replica's local copy). A file that cannot be a
   * database says why in words (DatabaseFileError).
   */
  static async open(
    config: ResolvedDatabaseConfig,
    options: { create?: boolean; readOnly?: boolean } = {}
  ): Promise<LocalConnection> {
    const readOnly = options.readOnly ?? false
    if (config.mode === 'file') prepareLocalFile(config.path!, options.create !== false)
    let connection: LocalConnection | undefined
    try {
      connection = new LocalConnection(config, readOnly)
      if (config.mode === 'file') connection.#useWal()
      connection.#applySettings()
      return connection
    } catch (error) {
      connection?.close()
      throw explainFile(config, error)
    }
  }

  private constructor(config: ResolvedDatabaseConfig, readOnly: boolean) {
    this.config = config
    this.readOnly = readOnly
    this.#native = new NativeDatabase(
      config.mode === 'memory' ? ':memory:' : config.path!,
      config.busyTimeout
    )
  }

  execute(statement: Statement): Promise<Result> {
    return this.#turn(() => this.#native.run(statement))
  }

  batch(statements: Statement[], mode: WriteMode, options: { busyWait?: number } = {}): Promise<Result[]> {
    // one statement commits alone, all or nothing: a BEGIN and COMMIT around it would only cost
    const work =
      statements.length === 1
        ? () => [this.#native.run(statements[0]!)]
        : () => this.#native.atomically(BEGIN[mode], () => statements.map((s) => this.#native.run(s)))
    return options.busyWait === undefined ? this.#turn(work) : this.#briefly(options.busyWait, work)
  }

  /**
   * Runs `work` once in the connection's turn, waiting at most `ms` for another connection's lock:
   * busy, it fails with a 503 at once (see #recover) instead of being tried again.
   */
  #briefly<T>(ms: number, work: () => T): Promise<T> {
    return this.#queue.run('', async () => {
      await this.#collectIfDue()
      if (this.#closed) throw new DatabaseUnavailableError('The database is closed')
      this.#restoreSettings()
      // the next turn puts the busy timeout back
      this.#settingsInDoubt = true
      this.#native.run(`PRAGMA busy_timeout = ${Math.trunc(ms)}`)
      try {
        return work()
      } catch (error) {
        this.#recover(error, BUSY_ATTEMPTS)
        throw error
      }
    })
  }

  migrate(statements: Statement[]): Promise<Result[]> {
    return this.#turn(() => {
      this.#native.run('PRAGMA foreign_keys = OFF')
      // a migration that makes a table again renames the new one into place, which SQLite refuses
      // while a view names the old one: another tool's views (a user's report) are no store's to
      // drop. (A server's database has no such pragma: the store drops its own views first.)
      this.#native.run('PRAGMA legacy_alter_table = ON')
      try {
        return this.#native.atomically('BEGIN DEFERRED', () => statements.map((s) => this.#native.run(s)))
      } finally {
        this.#native.run('PRAGMA foreign_keys = ON')
        this.#native.run('PRAGMA legacy_alter_table = OFF')
      }
    })
  }

  async transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.#queue.run('', async () => {
      await this.#collectIfDue()
      this.#restoreSettings()
      this.#native.run(BEGIN[mode])
      let open = true
      const tx: Executor = {
        execute: async (statement) => {
          if (!open) throw new Error('The transaction is closed')
          return this.#native.run(statement)
        }
      }
      try {
        const result = await work(tx)
        this.#native.run('COMMIT')
        return result
      } catch (error) {
        this.#settingsInDoubt = true
        throw error
      } finally {
        open = false
        if (this.#native.inTransaction) this.#native.run('ROLLBACK')
      }
    })
  }

  async sync(): Promise<SyncResult> {
    throw new BadRequest(
      `Only an embedded replica syncs; this database is ${this.config.mode} (set AGOR_DB_SYNC_URL)`
    )
  }

  async problems(): Promise<string[]> {
    return []
  }

  close(): void {
    this.#closed = true
    // The driver closes for good only once its statements are collected, so SQLite's own
    // checkpoint at the last close does not come: without this the file alone would lack every
    // write since the last automatic checkpoint (a `cp agor.db` after the daemon stopped), and the
    // next process to open it would read the whole WAL again (a CLI command, every time). With no
    // busy timeout, TRUNCATE never waits: it copies what no reader still needs, and empties the
    // WAL when no other connection is using it.
    if (this.config.mode === 'file' && !this.readOnly) {
      try {
        this.#native.run('PRAGMA busy_timeout = 0')
        this.#native.run('PRAGMA wal_checkpoint(TRUNCATE)')
      } catch {
        // a checkpoint that cannot run now comes at the next open's first commit
      }
    }
    this.#native.close()
  }

  /**
   * Runs `work` on the connection after all work queued before it: at once when nothing is queued
   * (the engine is synchronous, so a read then costs no turn of the event loop), in the queue
   * otherwise. A statement that fails busy stays in progress on its connection: later statements
   * would run in its open transaction and never be committed (libsql-client-ts #352), so it starts
   * over on a fresh connection. Nothing was written, so the work can run again.
   */
  #turn<T>(work: () => T): Promise<T> {
    if (this.#closed || collectionDue() || !this.#queue.idle('')) {
      return this.#queue.run('', () => this.#attempts(work, 1))
    }
    try {
      this.#restoreSettings()
      return Promise.resolve(work())
    } catch (error) {
      try {
        this.#recover(error, 1)
      } catch (final) {
        return Promise.reject(final)
      }
      return this.#queue.run('', () => this.#attempts(work, 2))
    }
  }

  /** Runs `work` in the connection's turn, from attempt `first` on (see #turn). */
  async #attempts<T>(work: () => T, first: number): Promise<T> {
    await this.#collectIfDue()
    for (let attempt = first; ; attempt++) {
      if (attempt > 1)
        await new Promise((resolve) => setTimeout(resolve, 25 * (attempt - 1) * (1 + Math.random())))
      if (this.#closed) throw new DatabaseUnavailableError('The database is closed')
      try {
        this.#restoreSettings()
        return work()
      } catch (error) {
        this.#recover(error, attempt)
      }
    }
  }

  /** After attempt `attempt` failed: throws what the caller gets, or renews a busy connection. */
  #recover(error: unknown, attempt: number): void {
    this.#settingsInDoubt = true
    if (!isBusy(error)) throw this.#explained(error)
    this.#native.reconnect()
    if (attempt >= BUSY_ATTEMPTS) throw new DatabaseUnavailableError('The database is busy; try again')
  }

  /**
   * Collects finalized native statements in the connection's turn, so that work keeps the order it
   * was queued in; an await before queueing would let later work overtake it.
   */
  async #collectIfDue(): Promise<void> {
    if (collectionDue()) await collectNativeStatements()
  }

  /** A failure of a local file that is not the statement's fault (damaged, unwritable), in words. */
  #explained(error: unknown): unknown {
    return explainFile(this.config, error)
  }

  #restoreSettings(): void {
    if (!this.#settingsInDoubt) return
    this.#settingsInDoubt = false
    this.#applySettings()
  }

  #useWal(): void {
    const mode = this.#native.run('PRAGMA journal_mode').rows[0]?.[0]
    if (String(mode).toLowerCase() !== 'wal') this.#native.run('PRAGMA journal_mode = WAL')
  }

  /**
   * The per-connection settings: foreign keys on; the busy timeout; the page cache; and, for a file in WAL mode,
   * synchronous=NORMAL: a commit survives the process being killed, and the file is never
   * corrupted, but it is not fsynced on every commit (a power cut may lose the last commits), which
   * makes a single-document write about four times faster; and checkpoints every
   * WAL_AUTOCHECKPOINT_PAGES pages. A read-only copy refuses writes. They are read back to be sure
   * they took.
   */
  #applySettings(): void {
    const timeout = Math.trunc(this.config.busyTimeout)
    const run = (sql: string) => this.#native.run(sql)
    run('PRAGMA foreign_keys = ON')
    run(`PRAGMA busy_timeout = ${timeout}`)
    run(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`)
    const writableFile = this.config.mode === 'file' && !this.readOnly
    if (writableFile) run('PRAGMA synchronous = NORMAL')
    if (writableFile) run(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
    if (this.readOnly) run('PRAGMA query_only = ON')
    if (Number(run('PRAGMA foreign_keys').rows[0]?.[0]) !== 1)
      throw new Error('The database connection did not enable foreign keys')
    if (Number(run('PRAGMA busy_timeout').rows[0]?.[0]) !== timeout)
      throw new Error('The database connection did not take the busy timeout')
    if (Number(run('PRAGMA cache_size').rows[0]?.[0]) !== -PAGE_CACHE_KIB)
      throw new Error('The database connection did not take the page cache size')
    if (writableFile && Number(run('PRAGMA wal_autocheckpoint').rows[0]?.[0]) !== WAL_AUTOCHECKPOINT_PAGES)
      throw new Error('The database connection did not take the checkpoint interval')
    if (this.readOnly && Number(run('PRAGMA query_only').rows[0]?.[0]) !== 1)
      throw new Error('The database connection did not become read-only')
  }
}
