/**
 * Item 3, gets: the service's get against the driver running the same SELECT, with where the
 * difference goes, and against the knex service's get (timed in a process of its own against the
 * same SELECT: see yardsticks.ts), on the 100k data set.
 */
import { fileURLToPath } from 'node:url'
import type { ResultSet } from '@libsql/client'
import { parseIdPrefix } from '../../../src/ids.js'
import { collections as definitions } from '../../../src/schema/index.js'
import { rowMapper } from '../../../src/store/row.js'
import { runChild } from '../child.js'
import type { Context } from '../context.js'
import { compared, type Result, throughputByYardstick } from '../report.js'
import { COLUMNS, openFileStore } from '../stores.js'
import { type ClockRatios, clockRatios, interleave, type Rounds } from '../timing.js'
import { rawSelect } from '../yardsticks.js'

const PEER_CHILD = fileURLToPath(new URL('../peer-child.ts', import.meta.url))

/**
 * The service's get against the driver's own SELECTs, with where the difference goes; and
 * against the knex service's get, each timed against the same raw SELECT in a process of its
 * own (see yardsticks.ts).
 */
export async function gets(context: Context): Promise<Result[]> {
  const dataset = await context.dataset('100k')
  const { store, sessions, client } = await openFileStore(dataset.path)
  let rounds: Rounds
  try {
    const ids = dataset.samples.random
    const id = (i: number) => ids[i % ids.length]!
    const lookups = [...dataset.samples.prefix8, ...dataset.samples.longPrefix]
    const ranges = lookups.map((l) => parseIdPrefix(l.prefix))
    const mapper = rowMapper(definitions.sessions)
    const select = rawSelect(client, ids)
    const range = `SELECT ${COLUMNS} FROM "sessions" WHERE "session_id" >= ? AND "session_id" < ? LIMIT 2`
    rounds = await interleave(
      [
        { label: 'service get by short id', op: (i) => sessions.get(lookups[i % lookups.length]!.prefix) },
        {
          label: 'raw range select',
          op: (i) => {
            const { lo, hi } = ranges[i % ranges.length]!
            return client.execute({ sql: range, args: [lo, hi] })
          }
        },
        select,
        {
          label: 'raw select + row mapping',
          op: async (i) => mapper.fromRow(((await select.op(i)) as ResultSet).rows[0]!)
        },
        { label: 'service _get', op: (i) => sessions._get(id(i)) },
        { label: 'service get', op: (i) => sessions.get(id(i)) }
      ],
      context.profile.timing
    )
  } finally {
    await store.close()
  }
  const [knex] = await runChild<ClockRatios[]>(PEER_CHILD, ['get', context.profile.mode])
  const drivers = await runChild<ClockRatios[]>(PEER_CHILD, ['drivers', context.profile.mode])
  const anatomy = (name: string, description: string, a: number) =>
    compared(
      { item: 3, name, description: `where a get goes: ${description}, 100k`, unit: 'time ratio' },
      rounds,
      a,
      2
    )
  return [
    compared(
      {
        item: 3,
        name: 'short_id_get_vs_raw_select',
        description: 'service get by short id / raw execute of the same range SELECT, 100k',
        unit: 'time ratio',
        target: { op: '<=', value: 1.25 }
      },
      rounds,
      0,
      1
    ),
    throughputByYardstick(
      {
        item: 3,
        name: 'get_throughput_vs_knex_get',
        description: 'service get / knex + better-sqlite3 service get, by whole id, 100k (gets per second)',
        unit: 'throughput ratio',
        target: { op: '>=', value: 1 }
      },
      clockRatios(rounds, 5, 2),
      knex!
    ),
    anatomy(
      'anatomy_row_mapping_vs_raw_select',
      'raw SELECT by id + our row mapping (JSON, ISO timestamps) / raw SELECT',
      3
    ),
    anatomy('anatomy_unhooked_get_vs_raw_select', 'service _get (no Feathers hooks) / raw SELECT', 4),
    anatomy('anatomy_service_get_vs_raw_select', 'service get / raw SELECT', 5),
    measuredElsewhere('anatomy_knex_get_vs_raw_select', 'knex + better-sqlite3 service get', knex!),
    measuredElsewhere(
      'anatomy_driver_one_column_select_vs_raw_select',
      'SELECT of the data column only',
      drivers[0]!
    ),
    measuredElsewhere(
      'anatomy_driver_better_sqlite3_vs_raw_select',
      'better-sqlite3 prepare and get',
      drivers[1]!
    ),
    measuredElsewhere(
      'anatomy_driver_libsql_prepared_vs_raw_select',
      'libsql (under @libsql/client), statement prepared once',
      drivers[2]!
    )
  ]
}

/** A time ratio against the raw SELECT, measured in a process of its own (see yardsticks.ts). */
function measuredElsewhere(name: string, what: string, ratio: ClockRatios): Result {
  return {
    item: 3,
    name,
    description: `where a get goes: ${what} / raw @libsql/client SELECT (the same row), 100k`,
    unit: 'time ratio',
    value: ratio.cpu.value,
    iqr: ratio.cpu.iqr,
    clock: 'cpu',
    otherClock: ratio.wall.value
  }
}
