/**
 * SVG charts of each operation's cost at 10k, 100k and 1M sessions for agor-store, the limit and
 * each peer, hand-drawn: log scale on both axes, in units of the limit's cost at 10k (the costs are
 * ratios of interleaved rounds, not absolute times; see costs.ts). A line that grows more than
 * 1.5x per 10x rows is drawn dashed and named in the legend.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OpCosts } from './costs.js'

/** Growth per 10x rows above which an operation is flagged. */
export const GROWTH_FLAG = 1.5

const COLORS: Record<string, string> = {
  'agor-store': '#d62728',
  limit: '#2ca02c',
  knex: '#1f77b4',
  '@libsql/client': '#9467bd',
  NeDB: '#ff7f0e'
}
const W = 780
const H = 420
const PAD = { left: 70, right: 250, top: 64, bottom: 56 }

const xmlText = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

const STEPS = [1, 2, 5]

/** The values 1, 2, 5, 10, 20, 50, … (and below 1 alike) from `lo` to `hi`. */
function ticks(lo: number, hi: number): number[] {
  const out: number[] = []
  for (let decade = Math.floor(Math.log10(lo)); 10 ** decade <= hi; decade++) {
    for (const step of STEPS) {
      const v = step * 10 ** decade
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v)
    }
  }
  return out
}

/** The largest of 1, 2, 5 × 10^k not above `value`. */
const niceBelow = (value: number) => {
  const decade = 10 ** Math.floor(Math.log10(value))
  return decade * [...STEPS].reverse().find((s) => s * decade <= value)!
}

/** The smallest of 1, 2, 5 × 10^k not below `value`. */
const niceAbove = (value: number) => {
  const decade = 10 ** Math.floor(Math.log10(value))
  return decade * ([...STEPS, 10].find((s) => s * decade >= value) ?? 10)
}

/** The lines of a chart: agor-store, the limit (the faster driver at each size), the peers. */
export function chartLines(costs: OpCosts): Map<string, Map<string, number>> {
  const lines = new Map<string, Map<string, number>>()
  const limit = new Map<string, number>()
  for (const size of costs.sizes) {
    const value = costs.cost[costs.limit[size]!]?.[size]?.[0]
    if (value !== undefined) limit.set(size, value)
  }
  for (const [side, bySize] of Object.entries(costs.vsLimit)) {
    lines.set(side, new Map(Object.entries(bySize).map(([size]) => [size, costs.cost[side]![size]![0]])))
  }
  lines.set('limit', limit)
  return lines
}

/** The growth per 10x rows of each line (from one size to the next). */
export function lineGrowth(line: Map<string, number>, sizes: readonly string[]): number[] {
  const steps: number[] = []
  for (let k = 1; k < sizes.length; k++) {
    const from = line.get(sizes[k - 1]!)
    const to = line.get(sizes[k]!)
    if (from !== undefined && to !== undefined) steps.push(to / from)
  }
  return steps
}

export function chartSvg(costs: OpCosts, title: string, sizeLabels: Record<string, string>): string {
  const lines = chartLines(costs)
  const values = [...lines.values()].flatMap((l) => [...l.values()])
  const lo = niceBelow(Math.min(...values))
  const hi = niceAbove(Math.max(...values))
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const x = (k: number) =>
    PAD.left + (costs.sizes.length > 1 ? (k * plotW) / (costs.sizes.length - 1) : plotW / 2)
  const y = (v: number) =>
    PAD.top + plotH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlText(title)}: cost at each table size, for agor-store, the limit and the peers</title>`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${PAD.left}" y="20" font-size="14" font-weight="bold">${xmlText(title)}</text>`,
    `<text x="${PAD.left}" y="38" fill="#555">cost per operation in units of the limit's at ${xmlText(sizeLabels[costs.sizes[0]!] ?? costs.sizes[0]!)} sessions (log scale)</text>`,
    `<text x="${PAD.left}" y="54" fill="#555">CPU time, medians of per-round ratios of interleaved rounds</text>`
  ]
  for (const v of ticks(lo, hi)) {
    out.push(`<line x1="${PAD.left}" x2="${PAD.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`)
    out.push(
      `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(2))}×</text>`
    )
  }
  for (const [k, size] of costs.sizes.entries()) {
    out.push(`<line x1="${x(k)}" x2="${x(k)}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#eee"/>`)
    out.push(
      `<text x="${x(k)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${xmlText(sizeLabels[size] ?? size)} sessions</text>`
    )
  }
  let legend = PAD.top
  for (const [side, line] of lines) {
    const color = COLORS[side] ?? '#7f7f7f'
    const steps = lineGrowth(line, costs.sizes)
    const flagged = steps.some((g) => g > GROWTH_FLAG)
    const points = costs.sizes
      .map((size, k) => [k, line.get(size)] as const)
      .filter((p): p is readonly [number, number] => p[1] !== undefined)
    const path = points.map(([k, v]) => `${x(k).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
    out.push(
      `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2.5"${flagged ? ' stroke-dasharray="6 4"' : ''}/>`
    )
    for (const [k, v] of points) out.push(`<circle cx="${x(k)}" cy="${y(v)}" r="3.5" fill="${color}"/>`)
    const growth = steps.map((g) => `${g.toFixed(2)}×`).join(', ')
    out.push(`<rect x="${W - PAD.right + 12}" y="${legend - 9}" width="12" height="4" fill="${color}"/>`)
    out.push(
      `<text x="${W - PAD.right + 30}" y="${legend - 4}">${xmlText(side)}${flagged ? ' ⚑' : ''}</text>`
    )
    out.push(
      `<text x="${W - PAD.right + 30}" y="${legend + 10}" fill="#555" font-size="10">per 10x rows: ${growth}</text>`
    )
    legend += 32
  }
  out.push(
    `<text x="${PAD.left}" y="${H - 12}" fill="#555" font-size="11">⚑ dashed: grows more than ${GROWTH_FLAG}× per 10x rows; the limit is the faster of libsql and better-sqlite3 at each size</text>`
  )
  out.push('</svg>')
  return `${out.join('\n')}\n`
}

/** Writes one chart per operation into `dir`; returns the files' names. */
export function writeCharts(
  dir: string,
  all: readonly OpCosts[],
  titles: Record<string, string>,
  sizeLabels: Record<string, string>
): string[] {
  mkdirSync(dir, { recursive: true })
  return all.map((costs) => {
    const file = `${costs.op}.svg`
    writeFileSync(join(dir, file), chartSvg(costs, titles[costs.op] ?? costs.op, sizeLabels))
    return file
  })
}
