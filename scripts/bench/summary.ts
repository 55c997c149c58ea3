/**
 * The operations measured at every size, side by side: each side's time over the limit's (with the
 * quartiles of the per-round ratios), and how each side's cost grows per 10x rows, with the ones
 * that grow more than 1.5x flagged.
 */
import { chartLines, GROWTH_FLAG, lineGrowth } from './charts.js'
import type { OpCosts } from './costs.js'

const SIDE_ORDER = ['agor-store', 'knex', '@libsql/client', 'NeDB']

const ratio = (spread: [number, number, number] | undefined) =>
  spread
    ? `${spread[0] >= 100 ? spread[0].toFixed(0) : spread[0].toFixed(2)}x (${spread[1].toFixed(2)}-${spread[2].toFixed(2)})`
    : '-'

function sidesOf(all: readonly OpCosts[]): string[] {
  const present = new Set(all.flatMap((c) => Object.keys(c.vsLimit)))
  return [...SIDE_ORDER.filter((s) => present.has(s)), ...[...present].filter((s) => !SIDE_ORDER.includes(s))]
}

/** One row per operation and size: the limit's driver, then each side's time over the limit's. */
export function costsTable(
  all: readonly OpCosts[],
  titles: Record<string, string>,
  sizeLabels: Record<string, string>
): string {
  const sides = sidesOf(all)
  const lines = [
    `| operation | sessions | limit | ${sides.join(' | ')} |`,
    `| --- | --- | --- | ${sides.map(() => '---:').join(' | ')} |`
  ]
  for (const costs of all) {
    for (const size of costs.sizes) {
      const cells = sides.map((side) => ratio(costs.vsLimit[side]?.[size]))
      lines.push(
        `| ${titles[costs.op] ?? costs.op} | ${sizeLabels[size] ?? size} | ${costs.limit[size]} | ${cells.join(' | ')} |`
      )
    }
  }
  return lines.join('\n')
}

/** Op → side → growth per 10x rows, for results.json. */
export function growthOf(all: readonly OpCosts[]): Record<string, Record<string, number[]>> {
  return Object.fromEntries(
    all.map((costs) => [
      costs.op,
      Object.fromEntries(
        [...chartLines(costs)].map(([side, line]) => [
          side,
          lineGrowth(line, costs.sizes).map((g) => Number(g.toFixed(3)))
        ])
      )
    ])
  )
}

/** The lines that grow more than GROWTH_FLAG per 10x rows, in words. */
export function growthFlags(all: readonly OpCosts[], titles: Record<string, string>): string[] {
  const flags: string[] = []
  for (const [op, bySide] of Object.entries(growthOf(all))) {
    for (const [side, steps] of Object.entries(bySide)) {
      if (steps.some((g) => g > GROWTH_FLAG))
        flags.push(
          `${titles[op] ?? op}, ${side}: ${steps.map((g) => `${g.toFixed(2)}x`).join(' then ')} per 10x rows`
        )
    }
  }
  return flags
}
