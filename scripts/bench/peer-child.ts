// The other stacks of items 2 and 3, each in a process of its own (see yardsticks.ts): times
// them against the yardstick and prints, as JSON, each one's time over the yardstick's. Usage:
//   peer-child.ts get <quick|full>           the knex get / raw SELECT, on the 100k data set
//   peer-child.ts create <quick|full> <dir>  the knex array create / raw batch, on new files in <dir>
//   peer-child.ts drivers <quick|full>       other ways to read the row / raw SELECT, 100k
import { join } from 'node:path'
import type { Client } from '@libsql/client'
import Libsql from 'libsql'
import { PROFILES } from './context.js'
import { fieldPool, sessionsDataset } from './datasets.js'
import { createPeerSchema, knexArrayCreate, openPeer } from './peer.js'
import { loadBetterSqlite3 } from './peer-modules.js'
import { expectSame, openFileStore } from './stores.js'
import { type ClockRatios, type Contender, clockRatios, interleave, type TimingOptions } from './timing.js'
import { BY_ID, rawBatch, rawSelect } from './yardsticks.js'

interface Workload {
  /** The file the yardstick runs on, through our store's own client. */
  yardstickPath: string
  timing: TimingOptions
  yardstick(client: Client): Contender
  /** The contenders to time against it, checked; and how to close what they opened. */
  others(): Promise<{ contenders: Contender[]; close(): Promise<void> }>
}

async function getWorkload(mode: 'quick' | 'full'): Promise<Workload> {
  const dataset = await sessionsDataset(PROFILES[mode].sizes['100k'])
  const ids = dataset.samples.random
  return {
    yardstickPath: dataset.path,
    timing: PROFILES[mode].timing,
    yardstick: (client) => rawSelect(client, ids),
    async others() {
      const peer = openPeer(dataset.path)
      expectSame((await peer.service.get(ids[0]!)).session_id, ids[0], 'knex get')
      return {
        contenders: [{ label: 'knex get', op: (i) => peer.service.get(ids[i % ids.length]!) }],
        close: () => peer.close()
      }
    }
  }
}

function createWorkload(mode: 'quick' | 'full', dir: string): Workload {
  const pool = fieldPool(1000, 7)
  return {
    yardstickPath: join(dir, 'yardstick.db'),
    timing: PROFILES[mode].slowTiming,
    yardstick: (client) => rawBatch(client, pool),
    async others() {
      const peerPath = join(dir, 'peer-create.db')
      createPeerSchema(peerPath)
      const peer = openPeer(peerPath)
      const create = knexArrayCreate(peer, pool)
      expectSame((await create()).length, pool.length, 'knex array create')
      return { contenders: [{ label: 'knex array create', op: create }], close: () => peer.close() }
    }
  }
}

/** The same row read other ways: fewer columns, better-sqlite3, and libsql with a prepared statement. */
async function driversWorkload(mode: 'quick' | 'full'): Promise<Workload> {
  const dataset = await sessionsDataset(PROFILES[mode].sizes['100k'])
  const ids = dataset.samples.random
  const id = (i: number) => ids[i % ids.length]!
  return {
    yardstickPath: dataset.path,
    timing: PROFILES[mode].timing,
    yardstick: (client) => rawSelect(client, ids),
    async others() {
      const { store, client } = await openFileStore(dataset.path)
      const BetterSqlite3 = loadBetterSqlite3()
      const better = new BetterSqlite3(dataset.path, { readonly: true })
      const native = new Libsql(dataset.path, { readonly: true })
      const prepared = native.prepare(BY_ID).raw(true)
      const oneColumn = 'SELECT "data" FROM "sessions" WHERE "session_id" = ?'
      expectSame((prepared.get(id(0)) as unknown[])[0], id(0), 'libsql prepared statement')
      return {
        contenders: [
          { label: 'one column', op: (i) => client.execute({ sql: oneColumn, args: [id(i)] }) },
          { label: 'better-sqlite3', op: async (i) => better.prepare(BY_ID).get(id(i)) },
          { label: 'libsql prepared', op: async (i) => prepared.get(id(i)) }
        ],
        async close() {
          better.close()
          native.close()
          await store.close()
        }
      }
    }
  }
}

const [name, mode, dir] = process.argv.slice(2)
if (mode !== 'quick' && mode !== 'full')
  throw new Error('usage: peer-child.ts <get|create|drivers> <quick|full> [dir]')
const workload =
  name === 'get'
    ? await getWorkload(mode)
    : name === 'drivers'
      ? await driversWorkload(mode)
      : name === 'create' && dir
        ? createWorkload(mode, dir)
        : undefined
if (!workload) throw new Error(`unknown workload ${name}`)
// knex compiles slowly: without a long warm-up, a quick run times it half-optimised (1.4x slower)
const timing = { ...workload.timing, warmupMs: Math.max(workload.timing.warmupMs, 2000) }
const { store, client } = await openFileStore(workload.yardstickPath)
const others = await workload.others()
try {
  const rounds = await interleave([workload.yardstick(client), ...others.contenders], timing)
  const ratios: ClockRatios[] = others.contenders.map((_, k) => clockRatios(rounds, k + 1, 0))
  console.log(JSON.stringify(ratios))
} finally {
  await others.close()
  await store.close()
}
