/**
 * Item 2, creating sessions: one document through the service against one raw INSERT on the same
 * connection; an array of 1,000 through the service against the driver's batch of 1,000 INSERTs,
 * and against the knex service's array create inside a transaction (the peer, timed in a process
 * of its own against the same batch: see yardsticks.ts). Every side makes its own ids and
 * serialises its own JSON inside the timed operation, as its user would.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runChild } from '../child.js'
import type { Context, Scenario } from '../context.js'
import { fieldPool } from '../datasets.js'
import { compared, throughputByYardstick } from '../report.js'
import { expectSame, openFileStore } from '../stores.js'
import { type ClockRatios, clockRatios, interleave } from '../timing.js'
import { rawBatch, rawInsert } from '../yardsticks.js'

const PEER_CHILD = fileURLToPath(new URL('../peer-child.ts', import.meta.url))
const ARRAY = 1000

export const create: Scenario = async (context: Context) => {
  const pool = fieldPool(ARRAY, 7)
  const { store, sessions, client } = await openFileStore(join(context.workDir, 'create.db'))
  try {
    const one = await interleave(
      [
        { label: 'service create', op: (i) => sessions.create(pool[i % ARRAY]!) },
        rawInsert(client, pool),
        { label: 'service _create', op: (i) => sessions._create(pool[i % ARRAY]!) }
      ],
      context.profile.timing
    )
    expectSame((await sessions.create(pool)).length, ARRAY, 'array create')
    const many = await interleave(
      [{ label: 'service array create', op: () => sessions.create(pool) }, rawBatch(client, pool)],
      context.profile.slowTiming
    )
    const [knex] = await runChild<ClockRatios[]>(PEER_CHILD, [
      'create',
      context.profile.mode,
      context.workDir
    ])
    return [
      compared(
        {
          item: 2,
          name: 'create_vs_raw_insert',
          description: 'service create of one session / raw execute of one INSERT',
          unit: 'time ratio',
          target: { op: '<=', value: 1.5 }
        },
        one,
        0,
        1
      ),
      compared(
        {
          item: 2,
          name: 'anatomy_unhooked_create_vs_raw_insert',
          description: 'where a create goes: service _create (no Feathers hooks, no event) / raw INSERT',
          unit: 'time ratio'
        },
        one,
        2,
        1
      ),
      compared(
        {
          item: 2,
          name: 'array_create_throughput_vs_raw_batch',
          description:
            'service create of an array of 1,000 / raw batch of 1,000 INSERTs (sessions per second)',
          unit: 'throughput ratio',
          target: { op: '>=', value: 0.8 }
        },
        many,
        0,
        1
      ),
      throughputByYardstick(
        {
          item: 2,
          name: 'array_create_throughput_vs_knex',
          description:
            'service create of an array of 1,000 / knex + better-sqlite3 array create in a transaction (sessions per second)',
          unit: 'throughput ratio',
          target: { op: '>=', value: 2 }
        },
        clockRatios(many, 0, 1),
        knex!
      )
    ]
  } finally {
    await store.close()
  }
}
