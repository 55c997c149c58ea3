/**
 * Item 1, short-id resolution at three table sizes: the service's get by an 8-digit prefix, by a
 * longer unique prefix and by whole id; the driver's own `SELECT … WHERE id = ?`; and `LIKE
 * 'prefix%'`, the scan we beat. Every contender of every size runs in the same interleaved rounds,
 * so that the sizes can be compared with each other too.
 */
import type { Context, Scenario, SizeName } from '../context.js'
import type { Lookup } from '../dataset-ids.js'
import { type Comparison, compared, type Result } from '../report.js'
import { COLUMNS, expectSame, openFileStore } from '../stores.js'
import { type Contender, interleave } from '../timing.js'

const SIZES: SizeName[] = ['10k', '100k', '1m']

type Kind = 'prefix8' | 'full8' | 'long' | 'fullLong' | 'raw' | 'like'

/** The comparisons made at every size: contender `a` against contender `b`. */
const PER_SIZE: (Omit<Comparison, 'item'> & { a: Kind; b: Kind })[] = [
  {
    name: 'prefix8_get_vs_full_get',
    description: 'service get by 8-digit prefix / by whole id',
    a: 'prefix8',
    b: 'full8',
    unit: 'time ratio',
    target: { op: '<=', value: 1.2 }
  },
  {
    name: 'long_prefix_get_vs_full_get',
    description: 'service get by longer unique prefix / by whole id',
    a: 'long',
    b: 'fullLong',
    unit: 'time ratio',
    target: { op: '<=', value: 1.2 }
  },
  {
    name: 'full_get_vs_raw_select',
    description: 'service get by whole id / raw execute of SELECT … WHERE id = ?',
    a: 'full8',
    b: 'raw',
    unit: 'time ratio',
    target: { op: '<=', value: 1.25 }
  },
  {
    name: 'prefix8_get_speedup_vs_like_scan',
    description: "raw LIKE 'prefix%' / service get by 8-digit prefix",
    a: 'prefix8',
    b: 'like',
    unit: 'speedup',
    target: { op: '>=', value: 1 }
  }
]

/** The comparisons of the largest size with the smallest. */
const ACROSS_SIZES: (Omit<Comparison, 'item'> & { kind: Kind })[] = [
  {
    name: 'prefix8_get_1m_vs_10k',
    description: 'service get by 8-digit prefix: 1M sessions / 10k',
    kind: 'prefix8',
    unit: 'time ratio',
    target: { op: '<=', value: 1.5 }
  },
  {
    name: 'long_prefix_get_1m_vs_10k',
    description: 'service get by longer unique prefix: 1M sessions / 10k',
    kind: 'long',
    unit: 'time ratio',
    target: { op: '<=', value: 1.5 }
  }
]

const at = <T>(items: readonly T[], i: number) => items[i % items.length]!

export const resolution: Scenario = async (context: Context) => {
  const contenders: Contender[] = []
  const index = new Map<string, number>()
  const closers: (() => Promise<void>)[] = []
  for (const size of SIZES) {
    const dataset = await context.dataset(size)
    const { store, sessions, client } = await openFileStore(dataset.path)
    closers.push(() => store.close())
    const { prefix8, longPrefix } = dataset.samples
    if (prefix8.length === 0 || longPrefix.length === 0) throw new Error(`no lookups in the ${size} data set`)
    for (const lookup of [...prefix8.slice(0, 20), ...longPrefix.slice(0, 20)]) {
      expectSame((await sessions.get(lookup.prefix)).session_id, lookup.id, `get('${lookup.prefix}')`)
    }
    const get = (lookups: Lookup[], key: keyof Lookup) => (i: number) => sessions.get(at(lookups, i)[key])
    const select = (operator: string, arg: (l: Lookup) => string) => (i: number) =>
      client.execute({
        sql: `SELECT ${COLUMNS} FROM "sessions" WHERE "session_id" ${operator} ?`,
        args: [arg(at(prefix8, i))]
      })
    const ops: Record<Kind, Contender['op']> = {
      prefix8: get(prefix8, 'prefix'),
      full8: get(prefix8, 'id'),
      long: get(longPrefix, 'prefix'),
      fullLong: get(longPrefix, 'id'),
      raw: select('=', (l) => l.id),
      like: select('LIKE', (l) => `${l.prefix}%`)
    }
    for (const [kind, op] of Object.entries(ops)) {
      index.set(`${kind} ${size}`, contenders.length)
      contenders.push({ label: `${kind} ${size}`, op })
    }
    context.note(
      `item 1, ${size} (${dataset.size.toLocaleString('en')} sessions, ${dataset.burst.toLocaleString('en')} of them in one second): ` +
        `${prefix8.length} sampled documents have a unique 8-digit prefix; the longer unique prefixes average ` +
        `${dataset.samples.meanLongPrefixHex.toFixed(1)} hex digits`
    )
  }
  context.log(`item 1: ${contenders.length} contenders, ${context.profile.timing.rounds} rounds`)
  const rounds = await interleave(contenders, context.profile.timing)
  for (const close of closers) await close()

  const of = (kind: Kind, size: SizeName) => index.get(`${kind} ${size}`)!
  const results: Result[] = []
  for (const size of SIZES) {
    for (const { a, b, name, description, ...rest } of PER_SIZE) {
      const comparison = { item: 1, name: `${name}_${size}`, description: `${description}, ${size}`, ...rest }
      results.push(compared(comparison, rounds, of(a, size), of(b, size)))
    }
  }
  for (const { kind, ...comparison } of ACROSS_SIZES) {
    results.push(compared({ item: 1, ...comparison }, rounds, of(kind, '1m'), of(kind, '10k')))
  }
  return results
}
