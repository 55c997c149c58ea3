/**
 * An embedded replica (issue 14): its driver client runs in a worker process, and it reads its local
 * copy on the main thread through a read-only connection. Against a real sqld on loopback holding
 * the 10k data set: the replica's get by whole id (a local read) against the same get on a local
 * file, and the replica's create (a write forwarded through the worker to sqld) against the same
 * INSERT made by @libsql/client as an embedded replica on the main thread, with no worker. Both
 * by the wall clock: a replica's cost is in its waits (on the worker, on sqld) as much as in CPU.
 */

import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { createClient } from '@libsql/client'
import { uuidv7 } from 'uuidv7'
import { migrate } from '../../../src/db/migrate.js'
import { startSqld } from '../../sqld.js'
import type { Context, Scenario } from '../context.js'
import { datasetIdsOf, insertSessions } from '../datasets.js'
import { fieldPool } from '../documents.js'
import { compared, type Result } from '../report.js'
import { INSERT_ONE, newRow } from '../sides/side.js'
import { openStoreSide } from '../sides/store.js'
import { interleave } from '../timing.js'

export const replica: Scenario = async (context: Context): Promise<Result[]> => {
  const dataset = await context.dataset('10k')
  const sqld = await startSqld()
  const closers: (() => unknown)[] = [() => sqld.stop()]
  try {
    const loader = createClient({ url: sqld.url })
    await migrate(loader)
    await insertSessions(loader, datasetIdsOf(dataset.size), 42)
    loader.close()
    const replicaPath = join(context.workDir, 'replica.db')
    const store = await openStoreSide(replicaPath, { syncUrl: sqld.url, syncInterval: 0 }, 'replica')
    closers.push(() => store.close())
    const file = await openStoreSide(dataset.path)
    closers.push(() => file.close())
    const direct = createClient({
      url: `file:${join(context.workDir, 'direct-replica.db')}`,
      syncUrl: sqld.url
    })
    closers.push(() => direct.close())
    await direct.sync()

    const ids = dataset.samples.random
    const id = (i: number) => ids[i % ids.length]!
    for (const k of [0, 1, 2]) {
      if (!isDeepStrictEqual(await store.getWhole(id(k)), await file.getWhole(id(k))))
        throw new Error(`replica get(${id(k)}) differs from the file's`)
    }
    // samples as they were before minOps: ten writes a sample, forwarded to sqld in every round,
    // made this sqld (0.24) answer a replica's catch-up with "snapshot not found"
    const timing = { ...context.profile.timing, minOps: 1 }
    const gets = await interleave(
      [
        { label: 'replica get', op: (i) => store.getWhole(id(i)) },
        { label: 'file get', op: (i) => file.getWhole(id(i)) }
      ],
      timing
    )
    const pool = fieldPool(1000, 17)
    const insertOf = (id: string, i: number) =>
      direct.execute({
        sql: INSERT_ONE,
        args: newRow(id, Date.now(), pool[i % pool.length]!) as (string | number | null)[]
      })
    const insert = (i: number) => insertOf(uuidv7(), i)
    // both writes must reach the primary
    const created = String((await store.create(pool[0]!)).session_id)
    const inserted = uuidv7()
    await insertOf(inserted, 0)
    const primary = createClient({ url: sqld.url })
    const found = await primary.execute({
      sql: 'SELECT count(*) FROM sessions WHERE session_id IN (?, ?)',
      args: [created, inserted]
    })
    primary.close()
    if (Number(found.rows[0]![0]) !== 2) throw new Error('a replica write did not reach the primary')
    const writes = await interleave(
      [
        { label: 'replica create (worker)', op: (i) => store.create(pool[i % pool.length]!) },
        { label: 'direct replica INSERT (main thread)', op: insert }
      ],
      timing
    )
    context.note(
      `replica: sqld ${sqld.url.replace(/:\d+$/, ':<port>')} on loopback holding the ${dataset.size.toLocaleString('en')} sessions of the 10k data set; the store's replica with syncInterval 0`
    )
    return [
      compared(
        {
          item: 8,
          name: 'replica_get_vs_file',
          description:
            'store get by whole id: embedded replica (local read on the main thread) / local file, 10k',
          unit: 'time ratio',
          target: { op: '<=', value: 1.5 }
        },
        gets,
        0,
        1,
        'wall'
      ),
      compared(
        {
          item: 8,
          name: 'replica_write_worker_vs_direct',
          description:
            "a create forwarded to sqld: the store replica (its worker process, which asks for the primary's identity first) / @libsql/client embedded replica INSERT on the main thread",
          unit: 'time ratio'
        },
        writes,
        0,
        1,
        'wall'
      )
    ]
  } finally {
    for (const close of closers.reverse()) await close()
  }
}
