// npm run bench:versions -- <git ref> [--rows 100000] [--rounds 15]
//
// This checkout's store against the store of another version (a git ref of this repository),
// side by side in one process: each opens a file of its own with the same sessions, and the same
// operations run in interleaved rounds (see timing.ts); the ratio is this version's CPU time over
// the other's, the median of the rounds with its quartiles. It answers "did this change slow the
// store down?", e.g. workspaces against the version before them:
//
//   npm run bench:versions -- 4035cd5
//
// The other version is cloned into a temporary folder, installed (npm ci) and built there.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from '../built-cli.js'
import { fieldPool } from './documents.js'
import { type Contender, interleave, median, timeRatio } from './timing.js'

interface Sessions {
  get(id: string): Promise<unknown>
  create(data: unknown): Promise<unknown>
  patch(id: string, data: unknown): Promise<unknown>
  find(params: unknown): Promise<unknown>
}
interface StoreModule {
  openStore(options: unknown): Promise<{ service(name: string): Sessions; close(): Promise<void> }>
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rows: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '31' } }
})
const ref = positionals[0]
if (!ref) throw new Error('usage: npm run bench:versions -- <git ref> [--rows n] [--rounds n]')
const rows = Number(values.rows)
const scratch = mkdtempSync(join(tmpdir(), 'agor-versions-'))
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] })

try {
  const other = join(scratch, 'other')
  console.log(`versions: building ${ref} in ${other}`)
  run('git', ['clone', '--quiet', ROOT, other], scratch)
  run('git', ['checkout', '--quiet', ref], other)
  run('npm', ['ci', '--silent', '--ignore-scripts'], other)
  run('npx', ['tsc', '-p', 'tsconfig.json'], other)
  run('npx', ['tsc', '-p', 'tsconfig.json'], ROOT)
  const pool = fieldPool(1000, 7)
  const open = async (module: string, name: string) => {
    const { openStore } = (await import(module)) as StoreModule
    const store = await openStore({ url: `file:${join(scratch, `${name}.db`)}`, auth: false })
    const sessions = store.service('sessions')
    const ids: string[] = []
    for (let i = 0; i < rows; i += pool.length) {
      const made = (await sessions.create(pool)) as { session_id: string }[]
      ids.push(...made.map((s) => s.session_id))
    }
    // the search's matches: the same 500 on both sides, whatever number of sessions the timed
    // creates add (the faster side adds more), and never changed by them
    for (const id of ids.slice(0, 500)) await sessions.patch(id, { description: 'the heron marker' })
    return { store, sessions, ids }
  }
  console.log(`versions: ${rows} sessions each`)
  const sides = {
    [ref]: await open(join(other, 'dist', 'index.js'), 'other'),
    this: await open(join(ROOT, 'dist', 'index.js'), 'this')
  }
  type Side = (typeof sides)[string]
  const at = (side: Side, i: number) => side.ids[(i * 7919) % side.ids.length]!
  const operations: [string, (side: Side, i: number) => Promise<unknown>][] = [
    ['get by whole id', (s, i) => s.sessions.get(at(s, i))],
    // 20 digits: unique although the sessions of one array create share their first 12
    ['get by a prefix', (s, i) => s.sessions.get(at(s, i).slice(0, 23))],
    ['create', (s, i) => s.sessions.create(pool[i % pool.length])],
    ['array create of 1,000', (s) => s.sessions.create(pool)],
    ['patch', (s, i) => s.sessions.patch(at(s, i), { git_state: { current_sha: `${i}`.padStart(40, '0') } })],
    [
      'patch of the title (searched)',
      (s, i) => s.sessions.patch(at(s, i), { title: `Session ${i} renamed` })
    ],
    [
      'page of 50 with its total',
      (s) => s.sessions.find({ query: { $sort: { created_at: -1 }, $limit: 50 } })
    ],
    [
      'indexed find, sorted',
      (s) => s.sessions.find({ query: { agent: 'codex', $sort: { created_at: -1 } } })
    ],
    [
      'search, a page of 50 of 500 matches',
      (s) => s.sessions.find({ query: { $search: 'heron marker', $limit: 50 } })
    ]
  ]
  const options = { rounds: Number(values.rounds), sampleMs: 100, warmupMs: 500 }
  console.log(`\n| operation | ${ref} (µs) | this (µs) | this / ${ref} |\n| --- | ---: | ---: | ---: |`)
  for (const [name, op] of operations) {
    const contenders: Contender[] = Object.entries(sides).map(([label, side]) => ({
      label,
      op: (i) => op(side, i)
    }))
    const { cpu } = await interleave(contenders, options)
    const { value, iqr } = timeRatio(cpu[1]!, cpu[0]!)
    const us = (times: number[]) => (median(times) * 1000).toFixed(1)
    console.log(
      `| ${name} | ${us(cpu[0]!)} | ${us(cpu[1]!)} | ${value.toFixed(3)} (${iqr[0].toFixed(3)}-${iqr[1].toFixed(3)}) |`
    )
  }
  for (const side of Object.values(sides)) await side.store.close()
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
