/**
 * A bound on the driver's native memory. Every statement the libSQL driver runs prepares a native
 * statement that is freed only when V8 collects its JavaScript wrapper, and V8 does not see that
 * memory, so it does not hurry: 200k statements grew a process by about 700 MB while its JS heap
 * stayed under 20 MB. A full collection every few thousand statements, followed by one turn of the
 * event loop (the native finalizers run there, not inside gc()), keeps RSS flat.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Statements between two full collections. */
export const STATEMENTS_PER_COLLECTION = 2000

function loadGc(): (() => void) | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc
  try {
    // Exposing gc at run time is the documented V8 way when the process was not started with --expose-gc.
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}

const gc = loadGc()
let statements = 0

/**
 * Counts statements sent to the driver; every STATEMENTS_PER_COLLECTION it collects garbage and
 * yields one event-loop turn so that the freed statements' finalizers run.
 */
export async function countStatements(count: number): Promise<void> {
  statements += count
  if (statements < STATEMENTS_PER_COLLECTION || !gc) return
  statements = 0
  gc()
  await new Promise((resolve) => setImmediate(resolve))
}
