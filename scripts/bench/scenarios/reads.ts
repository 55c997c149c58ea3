/**
 * Reads at 10k, 100k and 1M sessions: the store's get by whole id and by an 8-digit prefix against
 * the limit (a prepared SELECT by id; the range lookup `id >= ? AND id < ? LIMIT 2`), every size in
 * the same interleaved rounds; the prefix get's growth from 10k to 1M; and what resolving a prefix
 * costs over a get by whole id, at 1M.
 */
import type { Context, Scenario } from '../context.js'
import type { OpCosts } from '../costs.js'
import { measure, type Placed } from '../matrix.js'
import { openSizeSides, placeAll, SIZES, type SizeSides } from '../placement.js'
import { type Comparison, compared, type Result } from '../report.js'
import { limitResults } from '../targets.js'
import { interleave } from '../timing.js'

export const reads: Scenario = async (context: Context) => {
  const opened = new Map<string, SizeSides>()
  try {
    for (const size of SIZES)
      opened.set(size, await openSizeSides(context, size, { writes: false, store: true }))
    const placed = (size: string) => placeAll(size as Placed['size'], opened.get(size)!, false)
    const all = SIZES.flatMap(placed)
    context.log(`reads: get by whole id, ${all.length} contenders`)
    const whole = await measure('get_whole', all, context.profile.timing)
    context.log(`reads: get by 8-digit prefix, ${all.length} contenders`)
    const prefix = await measure('get_prefix8', all, context.profile.timing)
    context.costs.push(whole, prefix)
    return [
      ...limitResults(1, 'get_whole_vs_limit', 'store get by whole id', whole, 'agor-store', {
        op: '<=',
        value: 1.5
      }),
      ...limitResults(1, 'get_prefix8_vs_limit', 'store get by 8-digit prefix', prefix, 'agor-store', {
        op: '<=',
        value: 1.6
      }),
      ...(await resolution(context, opened)),
      ...growthInfo(prefix)
    ]
  } finally {
    for (const sides of opened.values()) await sides.close()
  }
}

/** Store gets at 10k and 1M, and by prefix against by whole id at 1M, in one set of rounds. */
async function resolution(context: Context, opened: Map<string, SizeSides>): Promise<Result[]> {
  const at = <T>(items: readonly T[], i: number) => items[i % items.length]!
  const small = (await context.dataset('10k')).samples
  const large = (await context.dataset('1m')).samples
  const store10k = opened.get('10k')!.store!
  const store1m = opened.get('1m')!.store!
  const rounds = await interleave(
    [
      { label: 'prefix8 1m', op: (i) => store1m.getPrefix(at(large.prefix8, i).prefix) },
      { label: 'prefix8 10k', op: (i) => store10k.getPrefix(at(small.prefix8, i).prefix) },
      { label: 'whole of prefix8 1m', op: (i) => store1m.getWhole(at(large.prefix8, i).id) },
      { label: 'long prefix 1m', op: (i) => store1m.getPrefix(at(large.longPrefix, i).prefix) },
      { label: 'whole of long prefix 1m', op: (i) => store1m.getWhole(at(large.longPrefix, i).id) }
    ],
    context.profile.timing
  )
  const comparison = (name: string, description: string, value: number): Comparison => ({
    item: 1,
    name,
    description,
    unit: 'time ratio',
    target: { op: '<=', value }
  })
  context.note(
    `reads: at 1m, ${large.prefix8.length} sampled documents have a unique 8-digit prefix; the longer unique prefixes average ${large.meanLongPrefixHex.toFixed(1)} hex digits`
  )
  return [
    compared(
      comparison('prefix_get_1m_vs_10k', 'store get by 8-digit prefix: 1M sessions / 10k', 1.3),
      rounds,
      0,
      1
    ),
    compared(
      comparison('prefix8_get_vs_full_get_1m', 'store get by 8-digit prefix / by whole id, 1M', 1.2),
      rounds,
      0,
      2
    ),
    compared(
      comparison(
        'long_prefix_get_vs_full_get_1m',
        'store get by longer unique prefix / by whole id, 1M',
        1.2
      ),
      rounds,
      3,
      4
    )
  ]
}

/** The limit's own growth, for reference: how much of the store's is the engine's. */
function growthInfo(prefix: OpCosts): Result[] {
  const limit1m = prefix.limit['1m']!
  const limit10k = prefix.limit['10k']!
  const [value, p25, p75] = prefix.cost[limit1m]!['1m']!
  const base = prefix.cost[limit10k]!['10k']![0]
  return [
    {
      item: 1,
      name: 'limit_prefix_get_1m_vs_10k',
      description: `the limit's range lookup: 1M sessions / 10k (${limit1m} / ${limit10k})`,
      unit: 'time ratio',
      value: value / base,
      iqr: [p25 / base, p75 / base],
      clock: 'cpu'
    }
  ]
}
