/**
 * How long a write takes to reach a socket client as its Feathers event: a plain socket.io client
 * of a daemon listens for `sessions created`, and writes are made that the daemon learns of only
 * through the change feed (another process on its file, another daemon on another replica). Every
 * write and every arrival is timed in this process, by one clock: a latency is the event's arrival
 * less the moment the write returned to its caller, by which it had committed. (The write's own
 * duration, from its call to its return, bounds how much earlier the commit may have been.)
 * Writes come at uneven gaps, so that they fall at every phase of the daemon's polling.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { io } from 'socket.io-client'

export interface LatencyRun {
  /** The daemon whose socket client listens. */
  url: string
  /** Makes write `i` (a create of one session) and resolves with its id once it returned. */
  write(i: number): Promise<string>
  writes: number
  /** Gaps between writes are spread over 0 to this (ms). */
  maxGapMs: number
  /** How long to wait for the last events after the last write (ms). */
  timeoutMs: number
}

export interface Latencies {
  /** Per write: its event's arrival less its return (ms). */
  latencies: number[]
  /** Per write: from its call to its return (ms). */
  durations: number[]
}

const WARMUP = 3
/** A low-discrepancy sequence in [0, 1): gaps of every length, evenly, with no randomness. */
const spread = (i: number) => (i * 0.618_033_988_75) % 1

async function until(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`feed: ${what()} within ${timeoutMs} ms`)
    await sleep(5)
  }
}

export async function eventLatencies(run: LatencyRun): Promise<Latencies> {
  const socket = io(run.url, { transports: ['websocket'], reconnection: false })
  const arrived = new Map<string, number>()
  socket.on('sessions created', (doc: { session_id: string }) => {
    arrived.set(doc.session_id, performance.now())
  })
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', reject)
    })
    // the daemon's tail and this socket are running before the first timed write
    for (let w = 0; w < WARMUP; w++) {
      const id = await run.write(-1 - w)
      await until(
        () => arrived.has(id),
        run.timeoutMs,
        () => `no event for warm-up write ${id}`
      )
    }
    const returned = new Map<string, number>()
    const durations: number[] = []
    for (let i = 0; i < run.writes; i++) {
      await sleep(spread(i) * run.maxGapMs)
      const called = performance.now()
      const id = await run.write(i)
      const at = performance.now()
      returned.set(id, at)
      durations.push(at - called)
    }
    const missing = () => [...returned.keys()].filter((id) => !arrived.has(id))
    await until(
      () => missing().length === 0,
      run.timeoutMs,
      () => `${missing().length} of ${run.writes} writes had no event`
    )
    return { latencies: [...returned].map(([id, at]) => arrived.get(id)! - at), durations }
  } finally {
    socket.close()
  }
}
