/**
 * Every operation measured at every size, for agor-store, the limit (the faster of its drivers) and
 * the peers, all as ratios of interleaved rounds (see timing.ts): each side's time over the limit's
 * at the same size (the number a target judges), and each side's cost relative to the limit at
 * the smallest size (the charts: how the cost grows with the table).
 */
import type { SizeName } from './context.js'
import { median, quartiles, type Times } from './timing.js'

/** A median with the quartiles of the per-round ratios it is the median of. */
export type Spread = [median: number, p25: number, p75: number]

export interface OpCosts {
  op: string
  sizes: SizeName[]
  /** The label of the faster limit driver at each size. */
  limit: Record<string, string>
  /** Side → size → its time over the limit's at that size. */
  vsLimit: Record<string, Record<string, Spread>>
  /** Side → size → limit candidate → its time over that candidate's (both limits, printed). */
  vsCandidates: Record<string, Record<string, Record<string, number>>>
  /** Side → size → its time over the limit's at the smallest size (the charts' unit). */
  cost: Record<string, Record<string, Spread>>
}

/** One contender of an operation's rounds: a side at a size. */
export interface Entry {
  side: string
  size: SizeName
  /** One of the limit's drivers (the faster one at each size is the limit). */
  limit?: boolean
}

function spread(a: readonly number[], b: readonly number[]): Spread {
  const ratios = a.map((t, r) => t / b[r]!)
  const [p25, p75] = quartiles(ratios)
  const round = (value: number) => Number(value.toPrecision(4))
  return [round(median(ratios)), round(p25), round(p75)]
}

/** The costs of `op` from its rounds (`times[k]` belongs to `entries[k]`), by the CPU clock. */
export function opCosts(op: string, entries: readonly Entry[], times: Times): OpCosts {
  const sizes = [...new Set(entries.map((e) => e.size))].sort(
    (a, b) => SIZE_ORDER.indexOf(a) - SIZE_ORDER.indexOf(b)
  )
  const at = (side: string, size: SizeName) => entries.findIndex((e) => e.side === side && e.size === size)
  const limit: Record<string, string> = {}
  for (const size of sizes) {
    const candidates = entries.filter((e) => e.limit && e.size === size)
    const first = times[at(candidates[0]!.side, size)]!
    const rank = (e: Entry) => spread(times[at(e.side, size)]!, first)[0]
    limit[size] = candidates.reduce((best, e) => (rank(e) < rank(best) ? e : best)).side
  }
  const costs: OpCosts = { op, sizes, limit, vsLimit: {}, vsCandidates: {}, cost: {} }
  const base = times[at(limit[sizes[0]!]!, sizes[0]!)]!
  for (const [k, entry] of entries.entries()) {
    const { side, size } = entry
    const mine = times[k]!
    costs.cost[side] ??= {}
    costs.cost[side][size] = spread(mine, base)
    if (entry.limit) continue
    costs.vsLimit[side] ??= {}
    costs.vsLimit[side][size] = spread(mine, times[at(limit[size]!, size)]!)
    costs.vsCandidates[side] ??= {}
    costs.vsCandidates[side][size] = Object.fromEntries(
      entries
        .filter((e) => e.limit && e.size === size)
        .map((e) => [e.side, spread(mine, times[at(e.side, size)]!)[0]])
    )
  }
  return costs
}

/**
 * Merges costs of the same operation measured in other rounds (another size, another process: the
 * peers') into `into`; what `into` has already stays.
 */
export function mergeCosts(into: OpCosts, other: OpCosts): void {
  for (const size of other.sizes) if (!into.sizes.includes(size)) into.sizes.push(size)
  into.sizes.sort((a, b) => SIZE_ORDER.indexOf(a) - SIZE_ORDER.indexOf(b))
  for (const [size, label] of Object.entries(other.limit)) into.limit[size] ??= label
  for (const key of ['vsLimit', 'vsCandidates', 'cost'] as const) {
    const target: Record<string, Record<string, unknown>> = into[key]
    for (const [side, bySize] of Object.entries(other[key])) {
      target[side] ??= {}
      for (const [size, value] of Object.entries(bySize)) target[side][size] ??= value
    }
  }
}

const SIZE_ORDER: SizeName[] = ['10k', '100k', '1m']

/** How many times a side's cost grows from one size to the next (10x the rows), by its medians. */
export function growth(costs: OpCosts, side: string): number[] {
  const bySize = costs.cost[side] ?? {}
  const steps: number[] = []
  for (let k = 1; k < costs.sizes.length; k++) {
    const from = bySize[costs.sizes[k - 1]!]
    const to = bySize[costs.sizes[k]!]
    if (from && to) steps.push(to[0] / from[0])
  }
  return steps
}
