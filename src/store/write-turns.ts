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
export function backoff(attempt: number): Promise<void> {
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
 * Runs `attempt` (read, change, write) until its write is not refused as stale; each time again
 * from the read. Any other failure ends it.
 */
export async function untilFresh<T>(singular: string, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; n < MAX_ATTEMPTS; n++) {
    try {
      return await attempt()
    } catch (error) {
      if (!isStaleWrite(error)) throw error
      await backoff(n)
    }
  }
  throw new DatabaseUnavailableError(`The ${singular} kept changing; try again`)
}
