/**
 * Bounded waits: a call to a server or primary that may never answer (AGOR_DB_TIMEOUT).
 */

/**
 * `work`, or the error `expired()` makes once `ms` milliseconds have passed (0: no limit). The work
 * itself is not stopped: the caller decides what to do with a call that may still answer.
 *
 * @example
 * await withDeadline(client.execute(sql), 30_000, () => new DatabaseUnavailableError('…'))
 */
export function withDeadline<T>(work: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  if (ms <= 0) return work
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(expired()), ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      }
    )
  })
}
