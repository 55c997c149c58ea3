/**
 * How connect()'s socket clients receive every change exactly once, in seq order, across
 * disconnects: the daemon sends such a client the change feed alone (`changes feed` events; no
 * document events, see service/channels.ts), and the follower turns each change into the events
 * the client's listeners expect (`changes created`, and `sessions patched` and the like), skipping
 * what it has seen. After a reconnect it asks `/changes` for what it missed and delivers that
 * first; what arrives meanwhile waits its turn.
 *
 * A plain @feathersjs/client does the same by hand: listen to `changes created`, remember the
 * last `seq`, and after a reconnect `find({ query: { seq: { $gt: last } } })` before going on.
 */

/** A change as the daemon sends it. */
export interface FeedChange {
  seq: number
  collection: string
  event: string
  doc: unknown
}

/** What the follower needs of the socket (socket.io-client's). */
export interface FollowedSocket {
  on(event: string, listener: (...args: never[]) => void): unknown
  listeners(event: string): ((...args: unknown[]) => unknown)[]
}

/** Reads of `/changes`: the newest change, and those after a seq (at most `limit`). */
export interface ChangesReader {
  newest(): Promise<number>
  after(seq: number, limit: number): Promise<FeedChange[]>
}

/** The most changes one catch-up read asks for. */
const PAGE = 1000

export class FeedFollower {
  readonly #socket: FollowedSocket
  readonly #changes: ChangesReader
  #last: number | undefined
  #waiting: FeedChange[] | undefined = []
  #onGone: (() => void) | undefined

  constructor(socket: FollowedSocket, changes: ChangesReader, onGone?: () => void) {
    this.#socket = socket
    this.#changes = changes
    this.#onGone = onGone
    socket.on('changes feed', (change: FeedChange) => this.#receive(change))
    socket.on('connect', () => void this.#resume())
  }

  /** The seq of the last change delivered (undefined before the first connection). */
  get lastSeq(): number | undefined {
    return this.#last
  }

  #receive(change: FeedChange): void {
    if (this.#waiting) this.#waiting.push(change)
    else this.#deliver(change)
  }

  /** On a (re)connection: from the feed's head the first time, else what was missed, then what waited. */
  async #resume(): Promise<void> {
    this.#waiting ??= []
    try {
      if (this.#last === undefined) {
        // the first connection: what arrived since is new to this client, whatever the head says
        const head = await this.#changes.newest()
        const arrived = this.#waiting
        this.#waiting = undefined
        for (const change of arrived) this.#deliver(change)
        this.#last = Math.max(head, this.#last ?? 0)
        return
      } else {
        for (;;) {
          const missed = await this.#changes.after(this.#last, PAGE)
          for (const change of missed) this.#deliver(change)
          if (missed.length < PAGE) break
        }
      }
    } catch (error) {
      // pruned beyond the last seen change: what was missed is gone; start from the head again
      if ((error as { code?: unknown })?.code !== 410) return
      this.#last = await this.#changes.newest().catch(() => this.#last)
      this.#onGone?.()
    }
    const waiting = this.#waiting ?? []
    this.#waiting = undefined
    for (const change of waiting) this.#deliver(change)
  }

  #deliver(change: FeedChange): void {
    if (this.#last !== undefined && change.seq <= this.#last) return
    this.#last = change.seq
    this.#dispatch('changes created', change)
    this.#dispatch(`${change.collection} ${change.event}`, change.doc)
  }

  #dispatch(event: string, data: unknown): void {
    for (const listener of this.#socket.listeners(event)) listener(data)
  }
}
