// npm run bench:checkpoints -- [--size 200000] [--appends 20000] [--rounds 3]
//
// What the WAL's checkpoint interval costs writes (src/db/local.ts, WAL_AUTOCHECKPOINT_PAGES):
// appends of messages to a copy of item 12's data set, written as the store writes them (one
// INSERT through the write view, the store's connection settings), without the discards between
// samples that `npm run bench` makes, so that every checkpoint a long run of writes makes is
// counted, and the one that empties the WAL at the end too. Each interval runs on a fresh copy, in
// turn, for several rounds; a line gives each interval's median CPU time per append.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import Libsql from 'libsql'
import { uuidv7 } from 'uuidv7'
import { PAGE_CACHE_KIB, WAL_AUTOCHECKPOINT_PAGES } from '../../src/db/local.js'
import { appendPool, PER_SESSION } from './message-documents.js'
import { messagesDataset } from './messages-data.js'
import { median } from './timing.js'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200000' },
    appends: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' }
  }
})
const INTERVALS = [1000, WAL_AUTOCHECKPOINT_PAGES]
const APPEND = `INSERT INTO "agor_create_messages" ("message_id", "status", "created_at", "updated_at", "session_id", "task_id", "index", "data", "agor_workspace", "agor_actor", "agor_transport", "agor_remote") VALUES (${new Array(12).fill('?').join(', ')})`

const dataset = await messagesDataset(Number(values.size), { log: (line) => console.error(line) })
const pool = appendPool(64, 11)
const scratch = mkdtempSync(join(tmpdir(), 'agor-checkpoints-'))

/** CPU µs per append of `count` appends with checkpoints every `interval` pages, the last one included. */
function appends(interval: number, count: number): number {
  const path = join(scratch, `${interval}.db`)
  copyFileSync(dataset.path, path)
  const db = new Libsql(path)
  try {
    for (const pragma of ['foreign_keys = ON', `cache_size = -${PAGE_CACHE_KIB}`, 'synchronous = NORMAL'])
      db.exec(`PRAGMA ${pragma}`)
    db.exec(`PRAGMA wal_autocheckpoint = ${interval}`)
    const insert = db.prepare(APPEND)
    const { sessions, lastTasks } = dataset.samples
    const started = process.cpuUsage()
    for (let k = 0; k < count; k++) {
      const s = k % sessions.length
      const now = Date.now()
      const index = PER_SESSION + Math.floor(k / sessions.length)
      const data = JSON.stringify(pool[k % pool.length])
      insert.run([
        uuidv7(),
        'sent',
        now,
        now,
        sessions[s],
        lastTasks[s],
        index,
        data,
        'default',
        'library',
        'library',
        null
      ])
    }
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    const used = process.cpuUsage(started)
    return (used.user + used.system) / count
  } finally {
    db.close()
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
  }
}

const times = new Map<number, number[]>(INTERVALS.map((interval) => [interval, []]))
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 ? [...INTERVALS].reverse() : INTERVALS
    for (const interval of order) times.get(interval)!.push(appends(interval, Number(values.appends)))
  }
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
const base = median(times.get(INTERVALS[0]!)!)
for (const [interval, list] of times) {
  const value = median(list)
  console.log(
    `checkpoint every ${interval.toLocaleString('en')} pages: ${value.toFixed(1)} µs per append (${(value / base).toFixed(2)}x), ${values.appends} appends to ${Number(values.size).toLocaleString('en')} messages, median of ${list.length}`
  )
}
