// npm run bench [-- --quick] [--only reads,2] [--fresh] [--out bench/results.json]
// Measures agor-store against the limit (the fastest correct way to do the same work in Node: the
// same engine through a synchronous driver, statements prepared once) and against the stacks users
// pick instead (knex + better-sqlite3, @libsql/client, NeDB), at 10k, 100k and 1M sessions, and
// what the change feed costs; it reports ratios (and the feed's latencies and sizes): see
// BENCHMARKS.md. --quick uses smaller data sets and fewer rounds; --only runs some items (numbers or
// names; their results go to a temporary folder unless --out/--charts say where); --fresh rebuilds the cached data sets. The peers' packages are not in the root install:
// the first run installs them into bench/node_modules.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { writeCharts } from './bench/charts.js'
import { runChild } from './bench/child.js'
import { PROFILES, type SizeName } from './bench/context.js'
import { mergeCosts, type OpCosts } from './bench/costs.js'
import { ensureBuilt } from './bench/daemon.js'
import { sessionsDataset } from './bench/datasets.js'
import { machineMarkdown } from './bench/machine.js'
import { OP_TITLES, OPS } from './bench/matrix.js'
import { installPeers } from './bench/peer-install.js'
import { markdownTable, met, type Result, writeResults } from './bench/report.js'
import { ITEMS, selectItems } from './bench/scenarios/index.js'
import { costsTable, growthFlags, growthOf } from './bench/summary.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    out: { type: 'string' },
    charts: { type: 'string' }
  }
})

// A run of some items writes beside the full run's results, not over them: the committed
// results.json and charts stay those of one whole run.
const partial = values.only === undefined ? undefined : join(tmpdir(), `agor-bench-${process.pid}`)
const outFile = values.out ?? (partial ? join(partial, 'results.json') : 'bench/results.json')
const chartsDir = values.charts ?? (partial ? join(partial, 'charts') : 'bench/charts')

const RUN_ITEM = fileURLToPath(new URL('./bench/run-item.ts', import.meta.url))
const profile = values.quick ? PROFILES.quick : PROFILES.full
const items = selectItems(values.only)
const log = (line: string) => process.stderr.write(`bench: ${line}\n`)

if (items.some((item) => ITEMS[item]!.peer)) installPeers(log)
if (items.some((item) => ITEMS[item]!.build)) ensureBuilt(log)

const started = performance.now()
// The data sets are built (or found in the cache) before any item runs, so that no item's
// numbers include a build, and --fresh rebuilds each one once.
const sizes = new Set<SizeName>(items.flatMap((item) => ITEMS[item]!.datasets))
for (const size of (['10k', '100k', '1m'] as const).filter((s) => sizes.has(s))) {
  await sessionsDataset(profile.sizes[size], { fresh: values.fresh, log })
}

const results: Result[] = []
const notes: string[] = []
const costs = new Map<string, OpCosts>()
const failed: string[] = []
for (const item of items) {
  const itemStarted = performance.now()
  try {
    const output = await runChild<{ results: Result[]; notes: string[]; costs: OpCosts[] }>(RUN_ITEM, [
      String(item),
      profile.mode
    ])
    results.push(...output.results)
    notes.push(...output.notes)
    for (const measured of output.costs) {
      const known = costs.get(measured.op)
      if (known) mergeCosts(known, measured)
      else costs.set(measured.op, measured)
    }
  } catch (error) {
    failed.push(`${item} (${ITEMS[item]!.name})`)
    log(`item ${item} (${ITEMS[item]!.name}) failed: ${(error as Error).message}`)
  }
  log(`item ${item} (${ITEMS[item]!.name}) took ${((performance.now() - itemStarted) / 1000).toFixed(0)} s`)
}
const seconds = (performance.now() - started) / 1000
const sizeLabels = Object.fromEntries(
  Object.entries(profile.sizes).map(([name, n]) => [name, n >= 1e6 ? `${n / 1e6}M` : `${n / 1000}k`])
)
if (profile.mode === 'quick') {
  notes.push(
    `quick run: the "10k", "100k" and "1m" data sets hold ${Object.values(sizeLabels).join(', ')} sessions; names keep the full run's labels`
  )
}
const ordered = OPS.map((op) => costs.get(op)).filter((c): c is OpCosts => c !== undefined)
const flags = growthFlags(ordered, OP_TITLES)
const charts = writeCharts(chartsDir, ordered, OP_TITLES, sizeLabels)
writeResults(outFile, {
  mode: profile.mode,
  results,
  notes,
  sizes: profile.sizes,
  seconds,
  costs: ordered,
  growth: growthOf(ordered),
  flags
})
console.log(markdownTable(results))
console.log()
for (const note of notes) console.log(`- ${note}`)
console.log()
// items that time no operation against the limit (remote, replica, cli, soak, feed) have no such table
if (ordered.length > 0) {
  console.log(costsTable(ordered, OP_TITLES, sizeLabels))
  console.log()
  console.log(
    flags.length
      ? flags.map((f) => `- grows more than 1.5x per 10x rows: ${f}`).join('\n')
      : '- no operation grows more than 1.5x per 10x rows'
  )
  console.log()
}
console.log(machineMarkdown())
const missed = results.filter((r) => met(r) === false).length
console.log(
  `\n${profile.mode} run: ${results.length} results, ${missed} missed, ${failed.length ? `items that failed: ${failed.join(', ')}, ` : ''}${seconds.toFixed(0)} s; wrote ${outFile} and ${charts.length} charts in ${chartsDir}`
)
if (failed.length > 0) process.exitCode = 1
