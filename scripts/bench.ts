// npm run bench [-- --quick] [--only 1,3] [--fresh] [--out bench/results.json]
// Measures agor-store against the driver beneath it (@libsql/client) and against the usual
// Feathers SQL stack (@feathersjs/knex on better-sqlite3), and reports ratios only: see
// BENCHMARKS.md. --quick uses smaller data sets and fewer rounds (under 2 minutes); --only runs
// some of the items; --fresh rebuilds the cached data sets. The knex peer's packages are
// not in the root install: the first run of items 2 or 3 installs them into bench/node_modules.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { runChild } from './bench/child.js'
import { PROFILES, type SizeName } from './bench/context.js'
import { sessionsDataset } from './bench/datasets.js'
import { machineMarkdown } from './bench/machine.js'
import { installPeers } from './bench/peer-install.js'
import { markdownTable, met, type Result, writeResults } from './bench/report.js'
import { ITEMS } from './bench/scenarios/index.js'

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results.json' }
  }
})

const RUN_ITEM = fileURLToPath(new URL('./bench/run-item.ts', import.meta.url))
const profile = values.quick ? PROFILES.quick : PROFILES.full
const items = Object.keys(ITEMS)
  .map(Number)
  .filter((item) => !values.only || values.only.split(',').map(Number).includes(item))
const log = (line: string) => process.stderr.write(`bench: ${line}\n`)

if (items.some((item) => ITEMS[item]!.peer)) installPeers(log)

const started = performance.now()
// The data sets are built (or found in the cache) before any item runs, so that no item's
// numbers include a build, and --fresh rebuilds each one once.
const sizes = new Set<SizeName>(items.flatMap((item) => ITEMS[item]!.datasets))
for (const size of (['10k', '100k', '1m'] as const).filter((s) => sizes.has(s))) {
  await sessionsDataset(profile.sizes[size], { fresh: values.fresh, log })
}

const results: Result[] = []
const notes: string[] = []
let failed = false
for (const item of items) {
  const itemStarted = performance.now()
  try {
    const output = await runChild<{ results: Result[]; notes: string[] }>(RUN_ITEM, [
      String(item),
      profile.mode
    ])
    results.push(...output.results)
    notes.push(...output.notes)
  } catch (error) {
    failed = true
    log(`item ${item} failed: ${(error as Error).message}`)
  }
  log(`item ${item} took ${((performance.now() - itemStarted) / 1000).toFixed(0)} s`)
}
const seconds = (performance.now() - started) / 1000
if (profile.mode === 'quick') {
  const held = Object.values(profile.sizes).map((n) => n.toLocaleString('en'))
  notes.push(
    `quick run: the "10k", "100k" and "1m" data sets hold ${held.join(', ')} sessions; names keep the full run's labels`
  )
}
writeResults(values.out, { mode: profile.mode, results, notes, sizes: profile.sizes, seconds })
console.log(markdownTable(results))
console.log()
for (const note of notes) console.log(`- ${note}`)
console.log()
console.log(machineMarkdown())
const missed = results.filter((r) => met(r) === false).length
console.log(
  `\n${profile.mode} run: ${results.length} results, ${missed} missed, ${seconds.toFixed(0)} s; wrote ${values.out}`
)
if (failed) process.exitCode = 1
