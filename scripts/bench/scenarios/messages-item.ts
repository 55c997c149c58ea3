/** What the two parts of item 12, pages and appends, share. */
import type { Store } from '../../../src/service/store.js'
import type { Context, SizeName } from '../context.js'
import type { Target } from '../report.js'
import type { LimitDriver } from '../sides/limit.js'
import { type Contender, interleave, median, type Rounds, type TimingOptions } from '../timing.js'

export const ITEM = 12
export const SIZES = ['10k', '1m'] as const satisfies readonly SizeName[]
export const DRIVERS: readonly LimitDriver[] = ['libsql', 'better-sqlite3']
export const TARGET: Target = { op: '<=', value: 1.5 }
export const STORE = 'agor-store'

export const messagesOf = (store: Store) => store.service('messages')

/**
 * Times `contenders` in interleaved rounds (see timing.ts), and logs what ran (`what`: an append)
 * and each one's per-operation CPU time, the median over rounds, under `name` (appends).
 */
export async function timedRounds(
  context: Context,
  what: string,
  name: string,
  contenders: readonly Contender[],
  timing: TimingOptions
): Promise<Rounds> {
  context.log(`messages: ${what}, ${contenders.length} contenders`)
  const rounds = await interleave(contenders, timing)
  const line = contenders
    .map((contender, k) => `${contender.label} ${(median(rounds.cpu[k]!) * 1000).toFixed(1)} µs`)
    .join(', ')
  context.log(`messages: ${name} (CPU, median per operation): ${line}`)
  return rounds
}
