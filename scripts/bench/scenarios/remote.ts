/**
 * Remote: a real sqld on loopback (scripts/sqld.ts) holding the same sessions as the 10k
 * file data set. HTTP requests are counted by a proxy in front of sqld; the times are taken
 * without the proxy and compared with the same operations on the local file.
 */
import { join } from 'node:path'
import { createClient } from '@libsql/client'
import { migrate } from '../../../src/db/migrate.js'
import { startSqld } from '../../sqld.js'
import type { Context, Scenario } from '../context.js'
import { countingProxy } from '../counters.js'
import { datasetIdsOf, insertSessions } from '../datasets.js'
import { fieldPool } from '../documents.js'
import { compared, type Result } from '../report.js'
import { expectSame } from '../sides/side.js'
import { openStoreSide } from '../sides/store.js'
import { interleave } from '../timing.js'

const GETS = 50

export const remote: Scenario = async (context: Context): Promise<Result[]> => {
  const dataset = await context.dataset('10k')
  const sqld = await startSqld()
  const proxy = await countingProxy(sqld.url)
  const closers: (() => Promise<void>)[] = [() => sqld.stop(), () => proxy.close()]
  try {
    const loader = createClient({ url: sqld.url })
    await migrate(loader)
    await insertSessions(loader, datasetIdsOf(dataset.size), 42)
    loader.close()
    const counted = await openStoreSide(proxy.url)
    const direct = await openStoreSide(sqld.url)
    const file = await openStoreSide(dataset.path)
    const fileWrites = await openStoreSide(join(context.workDir, 'remote-file.db'))
    closers.push(
      () => counted.store.close(),
      () => direct.store.close(),
      () => file.store.close(),
      () => fileWrites.store.close()
    )
    const lookups = [...dataset.samples.prefix8, ...dataset.samples.longPrefix]
    const pool = fieldPool(1000, 13)

    await counted.sessions.get(lookups[0]!.prefix)
    proxy.reset()
    for (const lookup of lookups.slice(0, GETS)) {
      expectSame((await counted.sessions.get(lookup.prefix)).session_id, lookup.id, 'remote get')
    }
    const getRequests = proxy.requests / GETS
    proxy.reset()
    expectSame((await counted.sessions.create(pool)).length, pool.length, 'remote array create')
    const createRequests = proxy.requests

    const gets = await interleave(
      [
        { label: 'remote get', op: (i) => direct.sessions.get(lookups[i % lookups.length]!.prefix) },
        { label: 'file get', op: (i) => file.sessions.get(lookups[i % lookups.length]!.prefix) }
      ],
      context.profile.timing
    )
    const creates = await interleave(
      [
        { label: 'remote array create', op: () => direct.sessions.create(pool) },
        { label: 'file array create', op: () => fileWrites.sessions.create(pool) }
      ],
      context.profile.slowTiming
    )
    context.note(
      `remote: sqld ${sqld.url.replace(/:\d+$/, ':<port>')} on loopback, ${dataset.size.toLocaleString('en')} sessions; requests counted by an HTTP proxy in front of it, times taken without the proxy`
    )
    return [
      {
        item: 7,
        name: 'remote_get_by_short_id_requests',
        value: getRequests,
        unit: 'requests',
        description: 'HTTP requests per service get by short id (remote)',
        target: { op: '<=', value: 1 }
      },
      {
        item: 7,
        name: 'remote_array_create_requests',
        value: createRequests,
        unit: 'requests',
        description: 'HTTP requests per service create of an array of 1,000 (remote)',
        target: { op: '<=', value: 1 }
      },
      compared(
        {
          item: 7,
          name: 'remote_get_vs_file_get',
          description: 'service get by short id: remote (sqld, loopback) / local file',
          unit: 'time ratio'
        },
        gets,
        0,
        1,
        'wall'
      ),
      compared(
        {
          item: 7,
          name: 'remote_array_create_vs_file',
          description: 'service create of an array of 1,000: remote (sqld, loopback) / local file',
          unit: 'time ratio'
        },
        creates,
        0,
        1,
        'wall'
      )
    ]
  } finally {
    for (const close of closers.reverse()) await close()
  }
}
