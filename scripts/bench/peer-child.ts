// The knex peer's side of items 2 and 3, in a process of its own (see yardsticks.ts): times the
// peer's operation against the yardstick and prints the ratio as JSON. Usage:
//   peer-child.ts get <quick|full>           knex get / raw SELECT, on the 100k data set
//   peer-child.ts create <quick|full> <dir>  knex array create / raw batch, on new files in <dir>
import { join } from 'node:path'
import type { Client } from '@libsql/client'
import { PROFILES } from './context.js'
import { fieldPool, sessionsDataset } from './datasets.js'
import { createPeerSchema, knexArrayCreate, openPeer, type Peer } from './peer.js'
import { expectSame, openFileStore } from './stores.js'
import { type Contender, clockRatios, interleave, type TimingOptions } from './timing.js'
import { rawBatch, rawSelect } from './yardsticks.js'

interface Workload {
  /** The peer's database file, and the file the yardstick runs on (through our store's client). */
  peerPath: string
  yardstickPath: string
  timing: TimingOptions
  yardstick(client: Client): Contender
  peer(peer: Peer): Promise<Contender>
}

async function getWorkload(mode: 'quick' | 'full'): Promise<Workload> {
  const dataset = await sessionsDataset(PROFILES[mode].sizes['100k'])
  const ids = dataset.samples.random
  return {
    peerPath: dataset.path,
    yardstickPath: dataset.path,
    timing: PROFILES[mode].timing,
    yardstick: (client) => rawSelect(client, ids),
    async peer(peer) {
      expectSame((await peer.service.get(ids[0]!)).session_id, ids[0], 'knex get')
      return { label: 'knex get', op: (i) => peer.service.get(ids[i % ids.length]!) }
    }
  }
}

function createWorkload(mode: 'quick' | 'full', dir: string): Workload {
  const pool = fieldPool(1000, 7)
  const peerPath = join(dir, 'peer-create.db')
  createPeerSchema(peerPath)
  return {
    peerPath,
    yardstickPath: join(dir, 'yardstick.db'),
    timing: PROFILES[mode].slowTiming,
    yardstick: (client) => rawBatch(client, pool),
    async peer(peer) {
      const create = knexArrayCreate(peer, pool)
      expectSame((await create()).length, pool.length, 'knex array create')
      return { label: 'knex array create', op: create }
    }
  }
}

const [name, mode, dir] = process.argv.slice(2)
if (mode !== 'quick' && mode !== 'full')
  throw new Error('usage: peer-child.ts <get|create> <quick|full> [dir]')
const workload =
  name === 'get' ? await getWorkload(mode) : name === 'create' && dir ? createWorkload(mode, dir) : undefined
if (!workload) throw new Error(`unknown workload ${name}`)
// knex compiles slowly: without a long warm-up, a quick run times it half-optimised (1.4x slower)
const timing = { ...workload.timing, warmupMs: Math.max(workload.timing.warmupMs, 2000) }
const { store, client } = await openFileStore(workload.yardstickPath)
const peer = openPeer(workload.peerPath)
try {
  const rounds = await interleave([workload.yardstick(client), await workload.peer(peer)], timing)
  console.log(JSON.stringify(clockRatios(rounds, 1, 0)))
} finally {
  await peer.close()
  await store.close()
}
