// A child process of the memory scenario: runs one workload on a database file and prints
// its RSS as JSON, so that no other scenario's memory counts. Usage:
//   memory-child.ts paging <file> <expected documents> | creates <file> <documents>
import { readFileSync } from 'node:fs'
import { fieldPool } from './documents.js'
import { openStoreSide } from './sides/store.js'

const [workload, path, countText] = process.argv.slice(2)
const count = Number(countText)
const { store, sessions } = await openStoreSide(path!)
const mib = (bytes: number) => bytes / 2 ** 20

// The peak RSS of this process image. Not resourceUsage().maxRSS: Linux carries that over from
// the parent across fork and exec, so a child would report its parent's peak.
function highWaterMark(): number | undefined {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return kib ? Number(kib) / 1024 : undefined
  } catch {
    return undefined
  }
}
const checkpoints: number[] = []
let peak = 0
const sample = (done: number) => {
  const rss = mib(process.memoryUsage.rss())
  peak = Math.max(peak, rss)
  // RSS at 25, 50, 75 and 100% of the run
  while (checkpoints.length < 4 && done >= (count * (checkpoints.length + 1)) / 4) checkpoints.push(rss)
}

let done = 0
if (workload === 'paging') {
  let last = ''
  for (;;) {
    const page = await sessions.find({
      paginate: false,
      query: { session_id: { $gt: last }, $sort: { session_id: 1 }, $limit: 500 }
    })
    if (page.length === 0) break
    done += page.length
    last = page.at(-1)!.session_id
    sample(done)
    if (process.env.BENCH_DEBUG && done % 50_000 === 0)
      console.error(done, checkpoints, peak.toFixed(0), highWaterMark())
  }
} else if (workload === 'creates') {
  const pool = fieldPool(1000, 11)
  for (; done < count; done++) {
    await sessions.create(pool[done % pool.length]!)
    if (done % 500 === 0) sample(done)
  }
  sample(done)
} else {
  throw new Error(`unknown workload ${workload}`)
}
await store.close()
if (done !== count) throw new Error(`${workload}: ${done} documents, expected ${count}`)
console.log(JSON.stringify({ peak: Math.max(peak, highWaterMark() ?? 0), checkpoints }))
