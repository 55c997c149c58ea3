/**
 * Item 3, reading: the service's get against the driver running the same SELECT and against the
 * knex service's get, on the 100k data set (the peer opens the same file: the same rows and
 * indexes); and a filtered, sorted page with its total at 1M sessions, with the collection's
 * declared JSON index and on a copy of the file without it.
 */
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient, type ResultSet } from '@libsql/client'
import { parseIdPrefix } from '../../../src/ids.js'
import { collections as definitions } from '../../../src/schema/index.js'
import { rowMapper } from '../../../src/store/row.js'
import { runChild } from '../child.js'
import type { Context, Scenario } from '../context.js'
import { AGENTS } from '../datasets.js'
import { compared, type Result, throughputByYardstick } from '../report.js'
import { COLUMNS, expectSame, openFileStore } from '../stores.js'
import { type ClockRatios, clockRatios, interleave, type Rounds } from '../timing.js'
import { rawSelect } from '../yardsticks.js'

/** The JSON index of `sessions` (declared as `indexes: ['agent']`). */
const AGENT_INDEX = 'sessions_agent_idx'
const PEER_CHILD = fileURLToPath(new URL('../peer-child.ts', import.meta.url))
const PAGE_QUERY = { agent: AGENTS[1], $sort: { created_at: -1 }, $limit: 50 }

/**
 * The service's get against the driver's own SELECTs, with where the difference goes; and
 * against the knex service's get, each timed against the same raw SELECT in a process of its
 * own (see yardsticks.ts).
 */
async function gets(context: Context): Promise<Result[]> {
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

/** The query plan of the page and of its total, from a short-lived client of its own. */
async function plans(path: string): Promise<string> {
  const client = createClient({ url: `file:${path}` })
  try {
    const explain = async (sql: string) =>
      (await client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args: [AGENTS[1]] })).rows
        .map((r) => r.detail)
        .join('; ')
    const where = `"data" ->> '$.agent' = ?`
    return `page: ${await explain(`SELECT * FROM sessions WHERE ${where} ORDER BY created_at DESC, session_id LIMIT 50`)}; total: ${await explain(`SELECT count(*) FROM sessions WHERE ${where}`)}`
  } finally {
    client.close()
  }
}

async function jsonFind(context: Context): Promise<Result[]> {
  const dataset = await context.dataset('1m')
  const unindexedPath = join(context.workDir, 'unindexed.db')
  for (const suffix of ['', '-wal']) {
    if (existsSync(dataset.path + suffix)) copyFileSync(dataset.path + suffix, unindexedPath + suffix)
  }
  const copy = createClient({ url: `file:${unindexedPath}` })
  await copy.execute(`DROP INDEX ${AGENT_INDEX}`)
  copy.close()
  const indexed = await openFileStore(dataset.path)
  const unindexed = await openFileStore(unindexedPath)
  try {
    const [a, b] = [
      await indexed.sessions.find({ query: PAGE_QUERY }),
      await unindexed.sessions.find({ query: PAGE_QUERY })
    ]
    expectSame(JSON.stringify(a), JSON.stringify(b), 'the same page with and without the index')
    context.note(
      `item 3: the page query matches ${a.total.toLocaleString('en')} of ${dataset.size.toLocaleString('en')} sessions (agent = '${AGENTS[1]}'); ` +
        `with the index: ${await plans(dataset.path)}; without: ${await plans(unindexedPath)}`
    )
    const rounds = await interleave(
      [
        { label: 'indexed find', op: () => indexed.sessions.find({ query: PAGE_QUERY }) },
        { label: 'unindexed find', op: () => unindexed.sessions.find({ query: PAGE_QUERY }) }
      ],
      context.profile.slowTiming
    )
    return [
      compared(
        {
          item: 3,
          name: 'indexed_vs_unindexed_json_find_1m',
          description:
            'find on a JSON field + $sort created_at + $limit 50 + total, 1M: without the JSON index / with it',
          unit: 'speedup',
          target: { op: '>=', value: 50 }
        },
        rounds,
        0,
        1
      )
    ]
  } finally {
    await indexed.store.close()
    await unindexed.store.close()
  }
}

export const read: Scenario = async (context) => [...(await gets(context)), ...(await jsonFind(context))]
