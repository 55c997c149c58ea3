/**
 * How connect()'s socket clients receive every change exactly once, in seq order, across
 * disconnects: the daemon sends such a client the change feed alone (`changes feed` events; no
 * document events, see service/channels.ts), and the follower turns each change into the events
 * the client's listeners expect (`changes created`, and `sessions patched` and the like), skipping
 * what it has seen. After a reconnect, or a hole in the seqs it receives, it asks `/changes` for
 * what it missed and delivers that first; what arrives meanwhile waits its turn.
 *
 * A plain @feathersjs/client does the same by hand (the README shows how): listen to
 * `changes created`, remember the last `seq`, and after a reconnect or a hole
 * `find({ query: { seq: { $gt: last } } })` before going on, holding what arrives meanwhile.
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
/** Waits between attempts of a catch-up read that failed (ms): doubling up to the last. */
const RETRY = { first: 250, most: 5000 }

export class FeedFollower {
  readonly #socket: FollowedSocket
  readonly #changes: ChangesReader
  #last: number | undefined
  /** Changes that arrived while a catch-up read runs: delivered after what it reads. */
  #waiting: FeedChange[] | undefined = []
  /** The catch-up in progress: a newer one (after a reconnect) ends an older one's retries. */
  #run = 0
  #onGone: (() => void) | undefined

  constructor(socket: FollowedSocket, changes: ChangesReader, onGone?: () => void) {
    this.#socket = socket
    this.#changes = changes
    this.#onGone = onGone
    socket.on('changes feed', (change: FeedChange) => this.#receive(change))
    socket.on('connect', () => {
      this.#waiting ??= []
      void this.#catchUp()
    })
  }

  /** Ends the catch-up in progress (the client closes). */
  close(): void {
    this.#run++
  }

  /** The seq of the last change delivered (undefined before the first connection). */
  get lastSeq(): number | undefined {
    return this.#last
  }

  #receive(change: FeedChange): void {
    if (this.#waiting) {
      this.#waiting.push(change)
    } else if (this.#last !== undefined && change.seq > this.#last + 1) {
      // seqs have no holes: one here is changes this client was not sent (the daemon fell behind)
      this.#waiting = [change]
      void this.#catchUp()
    } else {
      this.#deliver(change)
    }
  }

  /**
   * Reads what this client missed (the first time: only where the feed is, as what came before is
   * history), then delivers what waited. A failed read is tried again until it succeeds or a
   * reconnection starts over: a follower that gave up would stay silent on a live socket.
   */
  async #catchUp(): Promise<void> {
    const run = ++this.#run
    let gone = false
    for (let attempt = 0; run === this.#run; attempt++) {
      try {
        if (this.#last === undefined || gone) {
          // what arrived meanwhile is new to this client, whatever the head says (its own create)
          const head = await this.#changes.newest()
          const arrived = this.#waiting?.[0]?.seq
          this.#last = arrived === undefined ? head : Math.min(head, arrived - 1)
          if (gone) this.#onGone?.()
        } else {
          for (;;) {
            const missed = await this.#changes.after(this.#last, PAGE)
            for (const change of missed) this.#deliver(change)
            if (missed.length < PAGE) break
          }
        }
        break
      } catch (error) {
        // pruned beyond the last change seen: what was missed is gone; go on from the newest
        if ((error as { code?: unknown })?.code === 410 && !gone) {
          gone = true
          attempt = -1
          continue
        }
        const wait = Math.min(RETRY.first * 2 ** attempt, RETRY.most)
        await new Promise((resolve) => setTimeout(resolve, wait).unref?.())
      }
    }
    if (run !== this.#run) return
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
