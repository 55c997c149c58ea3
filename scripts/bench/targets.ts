/**
 * The results that judge a side against the limit: for an operation measured at every size, one
 * named target judged on the worst size's median, and the ratio at each size under `info`, each
 * with the limit's driver and the ratio against both drivers.
 */
import type { OpCosts, Spread } from './costs.js'
import type { Result, Target } from './report.js'

function sizeResult(
  item: number,
  name: string,
  what: string,
  costs: OpCosts,
  side: string,
  size: string
): Result {
  const [value, p25, p75] = costs.vsLimit[side]![size]!
  return {
    item,
    name: `${name}_${size}`,
    description: `${what} / the limit (${costs.limit[size]}), ${size}`,
    unit: 'time ratio',
    value,
    iqr: [p25, p75],
    clock: 'cpu',
    limit: costs.limit[size],
    candidates: costs.vsCandidates[side]?.[size]
  }
}

/**
 * `<name>` (the worst size, with `target`) and `<name>_<size>` for each size (info), of `side`'s
 * time over the limit's in `costs`.
 */
export function limitResults(
  item: number,
  name: string,
  what: string,
  costs: OpCosts,
  side: string,
  target?: Target
): Result[] {
  const perSize = costs.sizes
    .filter((size) => costs.vsLimit[side]?.[size])
    .map((size) => sizeResult(item, name, what, costs, side, size))
  if (!target || perSize.length === 0) return perSize
  const worst = perSize.reduce((a, b) => (b.value > a.value ? b : a))
  const size = worst.name.slice(name.length + 1)
  return [
    {
      ...worst,
      name,
      description: `${what} / the limit, the worst of ${costs.sizes.join(', ')} (${size}; limit ${worst.limit})`,
      target
    },
    ...perSize
  ]
}

/** A spread as a result (a ratio computed elsewhere: costs, growth). */
export function spreadResult(
  base: Omit<Result, 'value' | 'iqr' | 'clock'>,
  [value, p25, p75]: Spread
): Result {
  return { ...base, value, iqr: [p25, p75], clock: 'cpu' }
}
