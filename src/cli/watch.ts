/**
 * `agor watch`: the change feed followed at a terminal, through whatever serves the database.
 *
 * A tail that ended at the first failed read would end with every daemon restart. A read that
 * fails because the daemon or the database is away for a moment (no answer, a 502/503/504) is
 * tried again after a pause that grows to at most 5 s, and the watch goes on after the last change
 * it printed: nothing is lost or printed twice, as seqs are the feed's order. The loss and the
 * return are said on stderr. A daemon found through its record is looked for again before each
 * try (it may come back on another port, or not at all: then the file is read directly, as other
 * agor commands do); one named by --url or AGOR_URL is asked again.
 */
import { type Backend, openBackend } from './backend.js'
import type { Context } from './context.js'
import { asWireError } from './errors.js'
import { printChanges } from './feed-print.js'
import { daemonUrl } from './source.js'

export interface WatchOptions {
  /** What to print only: `{ collection, id, actor }` (the /changes query). */
  only: Record<string, unknown>
  /** --since-seq: start after this seq instead of the newest. */
  sinceSeq?: number
}

/** The most changes one read asks for. */
const PAGE = 1000
/** Pauses between tries of a read that failed (ms): doubling up to the last. */
const RETRY = { first: 250, most: 5000 }

/** How often to ask for new changes (ms): AGOR_FEED_INTERVAL, else `fallback`. */
function watchInterval(fallback: number): number {
  const value = Number(process.env.AGOR_FEED_INTERVAL)
  return Number.isFinite(value) && value >= 10 ? value : fallback
}

/** Aborted on SIGINT or SIGTERM: the watch ends, quietly (exit 0). */
function stopSignal(): AbortSignal {
  const controller = new AbortController()
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort())
  return controller.signal
}

/**
 * `work`'s result, or `otherwise` as soon as `signal` aborts (a read of a daemon that hangs must not
 * hold Ctrl-C). The listener goes with the call: a watch makes one every interval for days.
 */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal, otherwise: T): Promise<T> {
  if (signal.aborted) {
    // what it comes to is of no interest any more, a failure included
    work.catch(() => undefined)
    return Promise.resolve(otherwise)
  }
  return new Promise((resolve, reject) => {
    const abort = () => resolve(otherwise)
    signal.addEventListener('abort', abort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort))
  })
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return unlessAborted(new Promise<void>((resolve) => setTimeout(resolve, ms)), signal, undefined)
}

class Watch {
  readonly #context: Context
  readonly #only: Record<string, unknown>
  readonly #stopped = stopSignal()
  #backend!: Backend
  /** A backend this watch opened itself, after a lost daemon (the context closes its own). */
  #opened: Backend | undefined
  #last = 0
  #failures = 0
  #syncFailing = false

  constructor(context: Context, only: Record<string, unknown>) {
    this.#context = context
    this.#only = only
  }

  async run(sinceSeq: number | undefined): Promise<void> {
    const { output } = this.#context
    try {
      this.#backend = await this.#context.backend()
      const newest = await this.#backend.changes().find({ $sort: { seq: -1 }, $limit: 1 })
      const head = newest[0]?.seq ?? 0
      this.#last = sinceSeq ?? head
      if (sinceSeq !== undefined && sinceSeq > head) {
        // a seq of another database, or of this one before a restore: later changes will reuse it
        this.#warn(
          `the feed is at seq ${head}: there is nothing after seq ${sinceSeq} to replay (is it another database?); watching from seq ${head}`
        )
        this.#last = head
      }
      output.err(`Watching the changes after seq ${this.#last} (Ctrl-C to stop)`)
      while (!this.#stopped.aborted) {
        const read = await this.#read()
        if (read !== undefined && read < PAGE)
          await pause(watchInterval(this.#backend.sync ? 1000 : 200), this.#stopped)
      }
    } finally {
      await this.#opened?.close()
    }
  }

  /** Reads and prints what came after the last change printed: how many, or undefined after a failure. */
  async #read(): Promise<number | undefined> {
    const { output } = this.#context
    try {
      await this.#sync()
      const page = await unlessAborted(
        this.#backend.changes().find({ ...this.#only, seq: { $gt: this.#last }, $limit: PAGE }),
        this.#stopped,
        []
      )
      if (this.#failures > 0)
        output.err(`Connection regained (${this.#backend.label}): going on after seq ${this.#last}`)
      this.#failures = 0
      // printed before it counts as seen: a page whose short ids could not be read is read again
      await printChanges(output, this.#backend, page, output.json)
      if (page.length > 0) this.#last = page.at(-1)!.seq
      return page.length
    } catch (error) {
      if (this.#skipPruned(error)) return PAGE
      if (!this.#transient(error)) throw error
      if (this.#failures === 0)
        this.#warn(
          `lost the connection to ${this.#backend.label} (${(error as Error).message}); trying again, to go on after seq ${this.#last}`
        )
      await pause(Math.min(RETRY.first * 2 ** this.#failures, RETRY.most), this.#stopped)
      this.#failures++
      await this.#reopen()
      return undefined
    }
  }

  /** A failure that passes: the daemon or the database away for a moment. */
  #transient(error: unknown): boolean {
    const wire = asWireError(error)
    // a daemon's client fails without a Feathers error when the connection itself breaks
    if (!wire) return this.#backend.daemon
    return wire.code === 502 || wire.code === 503 || wire.code === 504
  }

  /** A daemon found through its record may be back on another port, or gone: look for it again. */
  async #reopen(): Promise<void> {
    if (this.#stopped.aborted || !this.#backend.daemon || daemonUrl(this.#context.options)) return
    let backend: Backend
    try {
      backend = await openBackend(this.#context.options, this.#context.output)
    } catch (error) {
      if (this.#transient(error)) return
      throw error
    }
    await this.#opened?.close()
    this.#backend = backend
    this.#opened = backend
  }

  /**
   * An embedded replica opened directly pulls its primary's changes before each read, as a
   * daemon's tail does: its background syncs (AGOR_DB_SYNC_INTERVAL) are far apart. While the
   * primary is away, the watch follows the local copy.
   */
  async #sync(): Promise<void> {
    if (!this.#backend.sync) return
    try {
      await this.#backend.sync()
      if (this.#syncFailing) this.#context.output.err('Syncing with the primary again')
      this.#syncFailing = false
    } catch (error) {
      if (!asWireError(error)) throw error
      if (!this.#syncFailing)
        this.#warn(
          `cannot sync with the primary (${(error as Error).message}): watching the local copy until it can`
        )
      this.#syncFailing = true
    }
  }

  /** Changes pruned while the watch could not read (AGOR_FEED_RETENTION): said, and skipped. */
  #skipPruned(error: unknown): boolean {
    const wire = asWireError(error)
    const pruned = Number((wire?.data as { prunedThrough?: unknown } | undefined)?.prunedThrough)
    if (wire?.code !== 410 || !Number.isSafeInteger(pruned) || pruned <= this.#last) return false
    this.#warn(
      `changes ${this.#last + 1} to ${pruned} were pruned before they could be printed: going on after them`
    )
    this.#last = pruned
    return true
  }

  #warn(message: string): void {
    const { output } = this.#context
    output.err(`${output.errColor.yellow('warning:')} ${message}`)
  }
}

/** Follows the change feed until SIGINT or SIGTERM. */
export function watch(context: Context, options: WatchOptions): Promise<void> {
  return new Watch(context, options.only).run(options.sinceSeq)
}
