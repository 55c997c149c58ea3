/**
 * How the writes of one document go: in turns within this process (KeyedQueue), and again from
 * the read when another writer changed the document meanwhile (the write views refuse a write
 * over a row that is not as read, see write-views.ts).
 */
import { DatabaseUnavailableError, NotSentError } from '../errors.js'
import type { KeyedQueue } from '../keyed-queue.js'
import { isStaleWrite } from './constraints.js'

/** Most attempts a write makes when other writers keep changing its document. */
const MAX_ATTEMPTS = 200

/** The wait before attempt `attempt + 1`: none at first, then a random few ms, growing to 50. */
function backoff(attempt: number): Promise<void> {
  if (attempt < 3) return Promise.resolve()
  const ms = Math.min(50, 2 ** Math.min(attempt, 6)) * Math.random()
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Runs `work` in the turn of the document `id` (its writes in this process take turns). A turn
 * after a write the server did not answer fails at once, or each would wait out AGOR_DB_TIMEOUT.
 */
export function inTurn<T>(
  queue: KeyedQueue,
  id: unknown,
  singular: string,
  work: () => Promise<T>
): Promise<T> {
  return queue.run(String(id).toLowerCase(), work, (previous) =>
    previous instanceof DatabaseUnavailableError ? new NotSentError(singular, previous) : undefined
  )
}

/**
 * Runs `attempt` until it writes: it answers undefined when another writer came between its read
 * and its write, and is then made again from the read, after a growing wait. `subject` names what
 * kept changing when it never writes (`The session`).
 */
export async function untilWritten<T>(subject: string, attempt: () => Promise<T | undefined>): Promise<T> {
  for (let n = 0; n < MAX_ATTEMPTS; n++) {
    const written = await attempt()
    if (written !== undefined) return written
    await backoff(n)
  }
  throw new DatabaseUnavailableError(`${subject} kept changing; try again`)
}

/**
 * Runs `attempt` (read, change, write) until its write is not refused as stale; each time again
 * from the read. Any other failure ends it.
 */
export function untilFresh<T>(singular: string, attempt: () => Promise<T>): Promise<T> {
  return untilWritten(`The ${singular}`, () =>
    attempt().catch((error: unknown) => {
      if (isStaleWrite(error)) return undefined
      throw error
    })
  )
}
