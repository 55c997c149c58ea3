/**
 * Item 2, creating sessions: one document through the service against one raw INSERT on the same
 * connection; an array of 1,000 through the service against the driver's batch of 1,000 INSERTs,
 * and against the knex service's array create inside a transaction (the peer). Every side makes
 * its own ids and serialises its own JSON inside the timed operation, as its user would.
 */
import { join } from 'node:path'
import type { InStatement } from '@libsql/client'
import { uuidv7 } from 'uuidv7'
import type { Context, Scenario } from '../context.js'
import { fieldPool, multiRowInsert } from '../datasets.js'
import { createPeerSchema, openPeer, type PeerRow } from '../peer.js'
import { compared } from '../report.js'
import { expectSame, openFileStore } from '../stores.js'
import { interleave } from '../timing.js'

const ARRAY = 1000
const INSERT = multiRowInsert(1)

function rawArgs(fields: object, now: number) {
  return [uuidv7(), 'idle', now, now, null, null, JSON.stringify(fields)]
}

export const create: Scenario = async (context: Context) => {
  const pool = fieldPool(ARRAY, 7)
  const { store, sessions, client } = await openFileStore(join(context.workDir, 'create.db'))
  const peerPath = join(context.workDir, 'create-peer.db')
  createPeerSchema(peerPath)
  const peer = openPeer(peerPath)
  try {
    const one = await interleave(
      [
        { label: 'service create', op: (i) => sessions.create(pool[i % ARRAY]!) },
        {
          label: 'raw insert',
          op: (i) => client.execute({ sql: INSERT, args: rawArgs(pool[i % ARRAY]!, Date.now()) })
        },
        { label: 'service _create', op: (i) => sessions._create(pool[i % ARRAY]!) }
      ],
      context.profile.timing
    )

    const rawBatch = () => {
      const now = Date.now()
      const batch: InStatement[] = pool.map((fields) => ({ sql: INSERT, args: rawArgs(fields, now) }))
      return client.batch(batch, 'write')
    }
    const knexCreate = () => {
      const now = Date.now()
      const rows: PeerRow[] = pool.map((fields) => ({
        session_id: uuidv7(),
        status: 'idle',
        created_at: now,
        updated_at: now,
        parent_session_id: null,
        forked_from_session_id: null,
        data: JSON.stringify(fields)
      }))
      return peer.service.create(rows)
    }
    expectSame((await sessions.create(pool)).length, ARRAY, 'array create')
    expectSame((await rawBatch()).length, ARRAY, 'raw batch')
    expectSame((await knexCreate()).length, ARRAY, 'knex array create')
    const many = await interleave(
      [
        { label: 'service array create', op: () => sessions.create(pool) },
        { label: 'raw batch', op: rawBatch },
        { label: 'knex array create', op: knexCreate }
      ],
      context.profile.slowTiming
    )
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
      compared(
        {
          item: 2,
          name: 'array_create_throughput_vs_knex',
          description:
            'service create of an array of 1,000 / knex + better-sqlite3 array create in a transaction',
          unit: 'throughput ratio',
          target: { op: '>=', value: 2 }
        },
        many,
        0,
        2
      )
    ]
  } finally {
    await peer.close()
    await store.close()
  }
}
