/**
 * Runs tasks that share a key one after another, and tasks with different keys at once. A local
 * database's one connection takes its work through one key (an open transaction holds it), and
 * writes of one document from one process take turns under its id instead of racing: racing
 * writers are correct (each re-reads and retries) but thousands of them at once spend most of their
 * time retrying.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key)
    // nothing of this key in progress: start at once, without waiting a turn of the event loop
    const result = previous ? previous.then(task, task) : task()
    const tail = result.catch(() => {})
    this.#tails.set(key, tail)
    // the last task of a key removes it, so that the map holds only keys with work queued
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return result
  }
}
