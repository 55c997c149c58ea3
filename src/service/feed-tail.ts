/**
 * A daemon's tail of the change feed: every change made anywhere (this daemon, library processes
 * and CLIs without a daemon on the same file, daemons on other replicas of the same primary,
 * imports, a foreign key's cascade) becomes an event for this daemon's clients, exactly once, in
 * seq order: `created` on `changes` for every change, and the document event (`created`,
 * `updated`, `patched`, `removed`) on its collection's service. The services' own writes are no
 * exception: their events come from here too, or a write of this daemon would overtake an earlier
 * one made elsewhere (a removal before its creation), and a write that failed on its way back
 * (a timeout after the commit) would have none.
 *
 * How it notices: a local file by `PRAGMA data_version` (it moves when another connection
 * commits) every AGOR_FEED_INTERVAL ms; a replica by syncing (in its worker) and reading its copy;
 * a remote database by reading. This process's own writes ask for a look at once.
 */
import { Gone } from '@feathersjs/errors'
import type { Application, HookContext, NextFunction } from '@feathersjs/feathers'
import { log } from '../log.js'
import { READ_METHODS } from '../protocol.js'
import { isCollectionName } from '../schema/index.js'
import type { Database } from '../store/database.js'
import { type Change, Feed, MAX_CHANGES } from '../store/feed.js'

export interface FeedTailOptions {
  /** How often to look for changes made elsewhere (ms). */
  interval: number
  /** What the feed keeps: changes younger than `age` ms, or the newest `count`. */
  retention: Retention
}

/** What the feed keeps. */
export type Retention = { age: number } | { count: number }

/** How often the server prunes the feed (ms). */
const PRUNE_EVERY = 60_000
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * AGOR_FEED_RETENTION: a duration (`30d`, `12h`, `90m`, …) or a count of changes (`100000`).
 * Default: 30 days.
 */
export function feedRetention(env: NodeJS.ProcessEnv = process.env): Retention {
  const value = (env.AGOR_FEED_RETENTION ?? '').trim() || '30d'
  if (/^\d+$/.test(value)) return { count: Number(value) }
  const match = /^(\d+)\s*([smhdw])$/.exec(value)
  if (!match)
    throw new Error(
      `AGOR_FEED_RETENTION must be a duration (30d, 12h, 90m) or a count of changes, got ${value}`
    )
  return { age: Number(match[1]) * UNITS[match[2]!]! }
}

/** AGOR_FEED_INTERVAL, or the default of the database's mode (ms). */
export function feedInterval(mode: string, env: NodeJS.ProcessEnv = process.env): number {
  const value = env.AGOR_FEED_INTERVAL
  if (value !== undefined && value.trim() !== '') {
    const ms = Number(value)
    if (!Number.isFinite(ms) || ms < 10)
      throw new Error(`AGOR_FEED_INTERVAL must be milliseconds (10 or more), got ${value}`)
    return ms
  }
  return mode === 'replica' || mode === 'remote' ? 1000 : 100
}

export class FeedTail {
  readonly #app: Application
  readonly #database: Database
  readonly #feed: Feed
  readonly #options: FeedTailOptions
  #last = 0
  #timer: NodeJS.Timeout | undefined
  #pruner: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #again = false
  #dataVersion: unknown
  #stopped = false
  #failing = false
  #ticking = false

  constructor(app: Application, database: Database, options: FeedTailOptions) {
    this.#app = app
    this.#database = database
    this.#feed = new Feed(database.connection)
    this.#options = options
  }

  /** Starts from the newest change now: what came before is history (read it from /changes). */
  async start(): Promise<void> {
    this.#last = await this.#feed.head()
    this.#timer = setInterval(() => this.#tick(), this.#options.interval)
    this.#timer.unref()
    this.#pruner = setInterval(() => void this.prune().catch(() => undefined), PRUNE_EVERY)
    this.#pruner.unref()
  }

  /** Removes the changes the retention does not keep any more (a chunk at a time). */
  prune(): Promise<number> {
    const { retention } = this.#options
    return this.#feed.prune(
      'count' in retention ? { keep: retention.count } : { olderThan: Date.now() - retention.age }
    )
  }

  /** After a write of this process: look now, not at the next interval. */
  poke(): void {
    if (this.#running) this.#again = true
    else this.#running = this.#drain()
  }

  /** Stops looking, after the look in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    clearInterval(this.#pruner)
    await this.#running
  }

  async #tick(): Promise<void> {
    // one look at a time: a sync with a slow primary outlasts many intervals
    if (this.#running || this.#ticking || this.#stopped) return
    this.#ticking = true
    try {
      const { mode } = this.#database.config
      if (mode === 'file') {
        const { rows } = await this.#database.connection.execute('PRAGMA data_version')
        const version = rows[0]?.[0]
        if (version === this.#dataVersion) return
        this.#dataVersion = version
      } else if (mode === 'replica') {
        await this.#database.sync()
      }
      this.poke()
    } catch (error) {
      // the database is away for a moment: the next tick looks again
      this.#failed(error)
    } finally {
      this.#ticking = false
    }
  }

  /** Emits every change after the last one emitted, in seq order, a page at a time. */
  async #drain(): Promise<void> {
    try {
      do {
        this.#again = false
        for (;;) {
          let changes: Change[]
          try {
            changes = await this.#feed.read({ after: this.#last, limit: MAX_CHANGES, order: 'asc' })
          } catch (error) {
            this.#skipPruned(error)
            continue
          }
          for (const change of changes) this.#emit(change)
          if (changes.length < MAX_CHANGES || this.#stopped) break
        }
      } while (this.#again && !this.#stopped)
      this.#recovered()
    } catch (error) {
      // an unreachable database, or changes pruned under a stalled tail: the next tick tries again
      this.#failed(error)
    } finally {
      this.#running = undefined
    }
  }

  /**
   * Changes pruned before this tail emitted them (it fell behind the retention: a daemon stopped
   * for a while, a replica cut off) cannot be emitted any more: it goes on after them, and says so.
   * connect() clients see the hole in the seqs and call their onGone.
   */
  #skipPruned(error: unknown): void {
    if (!(error instanceof Gone)) throw error
    const pruned = Number((error.data as { prunedThrough?: unknown } | undefined)?.prunedThrough)
    if (!Number.isSafeInteger(pruned) || pruned <= this.#last) throw error
    log.warn(
      `changes ${this.#last + 1} to ${pruned} were pruned before this server sent them: its clients missed them`
    )
    this.#last = pruned
  }

  /** Says once that the feed cannot be read, until it can again. */
  #failed(error: unknown): void {
    if (this.#failing) return
    this.#failing = true
    log.warn(
      `the change feed cannot be read (${(error as Error)?.message ?? error}): clients miss events until it can`
    )
  }

  #recovered(): void {
    if (!this.#failing) return
    this.#failing = false
    log.warn('the change feed is read again')
  }

  #emit(change: Change): void {
    this.#last = change.seq
    const changes = this.#app.service('changes')
    const context = (path: string, event: string, result: unknown) =>
      eventContext(path, event, result, change.workspace)
    changes.emit('created', change, context('changes', 'created', change))
    changes.emit('feed', change, context('changes', 'feed', change))
    if (!isCollectionName(change.collection)) return
    this.#app
      .service(change.collection)
      .emit(change.event, change.doc, context(change.collection, change.event, change.doc))
  }
}

/** What Feathers' publishing reads of an event's hook context: the workspace is in its params. */
function eventContext(path: string, event: string, result: unknown, workspace: string): Partial<HookContext> {
  return { path, event, result, params: { workspace } }
}

/** The methods of `methods` that may write: the ones eventsFromFeed is for. */
export function writeMethods(methods: readonly string[]): string[] {
  return methods.filter((method) => !READ_METHODS.has(method))
}

/**
 * Around hook of the document services' writes (see writeMethods: a read pays for every hook it
 * passes, even one that lets it by). While a tail runs (the store is served), a write's events
 * are the tail's: the service's own is dropped, and the tail looks at once, whether the call
 * succeeded or not (a write can commit and still fail on its way back).
 */
export function eventsFromFeed(tail: () => FeedTail | undefined) {
  return async (context: HookContext, next: NextFunction) => {
    try {
      await next()
      if (tail()) context.event = null
    } finally {
      tail()?.poke()
    }
  }
}
