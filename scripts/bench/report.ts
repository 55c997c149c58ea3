/**
 * Results: each comparison is one named number with its target. They are written to
 * bench/results.json (`ratios`, `targets`, `info`, `details`, `costs`, `growth`, `machine`, …) and
 * printed as a markdown table that marks each row met or missed. No absolute time is reported
 * but the change feed's event latencies (what a client waits, which no ratio can say): otherwise
 * only ratios, counts, sizes and memory.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { OpCosts } from './costs.js'
import { machine } from './machine.js'
import type { Rounds, Times } from './timing.js'
import { timeRatio } from './timing.js'

export type Op = '<=' | '>='

/** Which clock a time comparison used (see timing.ts). */
export type Clock = 'cpu' | 'wall'

export interface Target {
  op: Op
  value: number
}

/** What a number is: the direction of a ratio is part of its meaning. */
export type Unit =
  | 'time ratio' // how many times longer the first side takes: lower is better
  | 'speedup' // how many times longer the second side takes: higher is better
  | 'throughput ratio' // documents per second of the first side over the second's: higher is better
  | 'MiB'
  | 'bytes'
  | 'ms' // a latency, the only absolute time reported
  | 'statements'
  | 'requests'

export interface Result {
  /** The benchmark's item (scenarios/index.ts). */
  item: number
  name: string
  value: number
  unit: Unit
  /** What is compared, for the table. */
  description: string
  /** No target: reported for information only (in `info`, not in `ratios`). */
  target?: Target
  /** Quartiles of the per-round ratios (time ratios only): how noisy the number was. */
  iqr?: [number, number]
  /** The clock of a timed comparison, and the value by the other clock. */
  clock?: Clock
  otherClock?: number
  /** Against the limit: the driver that was faster, and the ratio against each driver. */
  limit?: string
  candidates?: Record<string, number>
}

/** What a comparison is, before it is measured. */
export interface Comparison {
  item: number
  name: string
  description: string
  unit: 'time ratio' | 'speedup' | 'throughput ratio'
  target?: Target
}

/**
 * Compares contenders `a` and `b` of the same rounds: a `time ratio` is A's time over B's, a
 * `speedup` or `throughput ratio` B's time over A's (how many times more A does in B's time).
 * The value comes from `clock`; the other clock's value is kept for comparison.
 */
export function compared(
  comparison: Comparison,
  rounds: Rounds,
  a: number,
  b: number,
  clock: Clock = 'cpu'
): Result {
  const ratio = (times: Times) =>
    comparison.unit === 'time ratio' ? timeRatio(times[a]!, times[b]!) : timeRatio(times[b]!, times[a]!)
  const { value, iqr } = ratio(rounds[clock])
  const other = clock === 'cpu' ? 'wall' : 'cpu'
  return { ...comparison, value, iqr, clock, otherClock: ratio(rounds[other]).value }
}

export function met(result: Result): boolean | undefined {
  const { target, value } = result
  if (!target) return undefined
  return target.op === '<=' ? value <= target.value : value >= target.value
}

function format(value: number, unit: Unit): string {
  if (unit === 'statements' || unit === 'requests') return String(value)
  if (unit === 'MiB') return `${value.toFixed(0)} MiB`
  if (unit === 'bytes') return `${value.toFixed(0)} B`
  if (unit === 'ms') return `${value.toFixed(value >= 100 ? 0 : 1)} ms`
  if (value >= 100) return `${value.toFixed(0)}x`
  return `${value.toFixed(2)}x`
}

function formatTarget(result: Result): string {
  const { target } = result
  if (!target) return '(info)'
  const value =
    result.unit === 'MiB'
      ? `${target.value} MiB`
      : result.unit === 'statements' || result.unit === 'requests'
        ? String(target.value)
        : `${target.value}x`
  return `${target.op} ${value}`
}

/** The markdown table of the results, one row per comparison. */
export function markdownTable(results: readonly Result[]): string {
  const lines = [
    '| # | comparison | name | unit | value | target | result |',
    '| --- | --- | --- | --- | ---: | --- | --- |'
  ]
  for (const r of results) {
    const outcome = met(r)
    const mark = outcome === undefined ? '' : outcome ? 'met' : '**missed**'
    const noise = r.iqr ? ` (${r.iqr.map((q) => q.toFixed(2)).join('-')})` : ''
    const both = r.candidates
      ? ` [${Object.entries(r.candidates)
          .map(([driver, value]) => `vs ${driver} ${value.toFixed(2)}x`)
          .join(', ')}]`
      : ''
    lines.push(
      `| ${r.item} | ${r.description}${both} | \`${r.name}\` | ${r.unit}${r.clock ? ` (${r.clock === 'cpu' ? 'CPU' : 'wall'})` : ''} | ${format(r.value, r.unit)}${noise} | ${formatTarget(r)} | ${mark} |`
    )
  }
  return lines.join('\n')
}

export interface Report {
  mode: 'quick' | 'full'
  results: Result[]
  notes: string[]
  sizes: Record<string, number>
  seconds: number
  /** Every operation at every size, for every side (the charts' data). */
  costs: OpCosts[]
  /** Op → side → growth per 10x rows. */
  growth: Record<string, Record<string, number[]>>
  /** Operations whose cost grows more than 1.5x per 10x rows, in words. */
  flags: string[]
}

const round = (value: number) => Number(value.toPrecision(4))
const mapValues = (record: Record<string, number>, map: (value: number) => number) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]))

/** Writes bench/results.json in the issue's contract, with the details next to it. */
export function writeResults(file: string, report: Report): void {
  const withTarget = report.results.filter((r) => r.target)
  const json = {
    ratios: Object.fromEntries(withTarget.map((r) => [r.name, round(r.value)])),
    targets: Object.fromEntries(withTarget.map((r) => [r.name, r.target])),
    info: Object.fromEntries(report.results.filter((r) => !r.target).map((r) => [r.name, round(r.value)])),
    details: Object.fromEntries(
      report.results.map((r) => [
        r.name,
        {
          item: r.item,
          description: r.description,
          unit: r.unit,
          met: met(r),
          ...(r.limit && { limit: r.limit, vsBothDrivers: mapValues(r.candidates ?? {}, round) }),
          ...(r.clock && {
            clock: r.clock === 'cpu' ? 'process CPU time' : 'wall clock',
            iqr: r.iqr?.map(round),
            ...(r.otherClock !== undefined && {
              [r.clock === 'cpu' ? 'wallClockValue' : 'cpuClockValue']: round(r.otherClock)
            })
          })
        }
      ])
    ),
    mode: report.mode,
    sizes: report.sizes,
    notes: report.notes,
    growth: report.growth,
    growthFlags: report.flags,
    costs: report.costs,
    seconds: Math.round(report.seconds),
    machine: machine()
  }
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`)
}
