/** What the two parts of item 12, pages and appends, share. */
import type { Store } from '../../../src/service/store.js'
import type { Context, SizeName } from '../context.js'
import type { Target } from '../report.js'
import type { LimitDriver } from '../sides/limit.js'
import { median, type Times } from '../timing.js'

export const ITEM = 12
export const SIZES = ['10k', '1m'] as const satisfies readonly SizeName[]
export const DRIVERS: readonly LimitDriver[] = ['libsql', 'better-sqlite3']
export const TARGET: Target = { op: '<=', value: 1.5 }
export const STORE = 'agor-store'

export const messagesOf = (store: Store) => store.service('messages')

/** The per-operation CPU time of each contender (µs), for the log: the medians over rounds. */
export function logTimes(context: Context, what: string, labels: readonly string[], times: Times): void {
  const line = labels.map((label, k) => `${label} ${(median(times[k]!) * 1000).toFixed(1)} µs`).join(', ')
  context.log(`messages: ${what} (CPU, median per operation): ${line}`)
}
