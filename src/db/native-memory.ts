/**
 * A bound on the driver's native memory. A native statement is freed only when V8 collects its
 * JavaScript wrapper, and V8 does not see that memory, so it does not hurry: with @libsql/client,
 * which prepares a statement for every call, 200k statements grew a process by about 700 MB while
 * its JS heap stayed under 20 MB. Local files keep their statements prepared (native.ts),
 * so only an uncached text (or an embedded replica's call, which goes through @libsql/client)
 * makes one. After every few thousand of those, a full collection followed by one turn of the
 * event loop (the native finalizers run there, not inside gc()) keeps RSS flat.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** Native statements made between two full collections. */
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

// Looked up at the first collection, not at import: a V8 flag set at run time changes the flag hash
// that code caches are checked against, and every process that never needs a collection (a CLI
// command) would write a code cache that no later process accepts (see src/cli/main.cts).
let gc: (() => void) | null | undefined
let made = 0

function collector(): (() => void) | undefined {
  if (gc === undefined) gc = loadGc() ?? null
  return gc ?? undefined
}

/** Records native statements that become garbage once their wrappers are collected. */
export function noteNativeStatements(count: number): void {
  made += count
}

/** True when enough native statements were made since the last collection to collect now. */
export function collectionDue(): boolean {
  return made >= STATEMENTS_PER_COLLECTION && collector() !== undefined
}

/**
 * Collects garbage once STATEMENTS_PER_COLLECTION native statements were made since the last
 * time, and yields one event-loop turn so that their finalizers run.
 */
export async function collectNativeStatements(): Promise<void> {
  if (made < STATEMENTS_PER_COLLECTION) return
  const collect = collector()
  if (!collect) return
  made = 0
  collect()
  await new Promise((resolve) => setImmediate(resolve))
}
