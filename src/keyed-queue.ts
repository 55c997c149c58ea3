/**
 * Runs tasks that share a key one after another, and tasks with different keys at once. A local
 * database's one connection takes its work through one key (an open transaction holds it), and
 * writes of one document from one process take turns under its id instead of racing: racing
 * writers are correct (each re-reads and retries) but thousands of them at once spend most of their
 * time retrying.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>()

  /** True when no task of `key` is queued or in progress. */
  idle(key: string): boolean {
    return !this.#tails.has(key)
  }

  /**
   * Runs `task` after the tasks of `key` before it. `failFast` may turn the error of the task just
   * before into this one's: a task that waited behind one that could not reach its server would
   * wait as long again, in turn (see Collection).
   */
  run<T>(
    key: string,
    task: () => Promise<T>,
    failFast?: (previous: unknown) => Error | undefined
  ): Promise<T> {
    const previous = this.#tails.get(key)
    // nothing of this key in progress: start at once, without waiting a turn of the event loop
    const result = previous
      ? previous.then(task, (error: unknown) => {
          const instead = failFast?.(error)
          if (instead) throw instead
          return task()
        })
      : task()
    this.#tails.set(key, result)
    // the last task of a key removes it, so that the map holds only keys with work queued
    const forget = () => {
      if (this.#tails.get(key) === result) this.#tails.delete(key)
    }
    result.then(forget, forget)
    return result
  }
}
