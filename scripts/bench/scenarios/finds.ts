/**
 * Finds: a page of the 50 newest sessions with its exact total at every size against the limit
 * (the page and a count in one read transaction); and at 1M, through the store only, what the
 * exact total adds to a page (unfiltered, and filtered on the indexed JSON field `agent`), what
 * leaving out `$sort` costs a find on `agent`, and what the JSON index buys (on a copy without it);
 * and a full-text search at 100k against the limit (search.ts), and tags (tags.ts).
 */
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createClient } from '@libsql/client'
import type { Context, Scenario } from '../context.js'
import { AGENTS } from '../documents.js'
import { measure } from '../matrix.js'
import { openSizeSides, placeAll, SIZES, type SizeSides } from '../placement.js'
import { type Comparison, compared, type Result } from '../report.js'
import { expectSame } from '../sides/side.js'
import { openStoreSide } from '../sides/store.js'
import { limitResults } from '../targets.js'
import { interleave } from '../timing.js'
import { searchFind } from './search.js'
import { tagFinds } from './tags.js'

/** The JSON index of `sessions` (declared as `indexes: ['agent']`). */
const AGENT_INDEX = 'sessions_agent_idx'
const AGENT = AGENTS[1]
const NEWEST = { $sort: { created_at: -1 }, $limit: 50 }
const FILTERED = { agent: AGENT, ...NEWEST }
const UNSORTED = { agent: AGENT, $limit: 50 }

/** The query plans of the store's statements for a find on `agent`, from a short-lived client. */
async function plans(path: string): Promise<string> {
  const client = createClient({ url: `file:${path}` })
  try {
    const explain = async (sql: string) =>
      (await client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args: [AGENT] })).rows
        .map((r) => r.detail)
        .join('; ')
    // as the store writes them: its workspace first, then the condition
    const where = `"workspace" = 'default' AND ("data" ->> '$.agent' = ?)`
    const page = (order: string) => `SELECT * FROM sessions WHERE ${where} ORDER BY ${order} LIMIT 50`
    return [
      `sorted page: ${await explain(page('created_at DESC, session_id DESC'))}`,
      `unsorted page: ${await explain(page('created_at, session_id'))}`,
      `total: ${await explain(`SELECT count(*) FROM sessions WHERE ${where}`)}`
    ].join('; ')
  } finally {
    client.close()
  }
}

const comparison = (name: string, description: string, target?: number): Comparison => ({
  item: 3,
  name,
  description,
  unit: 'time ratio',
  ...(target !== undefined && { target: { op: '<=', value: target } })
})

/** At 1M, through the store: the page with its total / the page alone; no $sort / $sort. */
async function storeFinds(context: Context, path: string): Promise<Result[]> {
  const { sessions, close } = await openStoreSide(path)
  try {
    const page = (query: object) => () => sessions.find({ query })
    const alone = (query: object) => () => sessions.find({ query, paginate: false })
    const paged = await sessions.find({ query: FILTERED })
    expectSame(
      JSON.stringify(paged.data),
      JSON.stringify(await alone(FILTERED)()),
      'the page with and without its total'
    )
    const totals = await interleave(
      [
        { label: 'page + total', op: page(NEWEST) },
        { label: 'page', op: alone(NEWEST) },
        { label: 'agent page + total', op: page(FILTERED) },
        { label: 'agent page', op: alone(FILTERED) }
      ],
      context.profile.slowTiming
    )
    const unfiltered = compared(
      comparison(
        'page_total_1m_vs_page_1m_unfiltered',
        'store page of 50 newest with its exact total / the page alone, 1M'
      ),
      totals,
      0,
      1
    )
    const filtered = compared(
      comparison(
        'page_total_1m_vs_page_1m_filtered',
        `the same, filtered on agent = '${AGENT}' (indexed JSON field), 1M`
      ),
      totals,
      2,
      3
    )
    const worst = filtered.value > unfiltered.value ? filtered : unfiltered
    const sorts = await interleave(
      [
        { label: 'no $sort', op: page(UNSORTED) },
        { label: '$sort created_at', op: page(FILTERED) }
      ],
      context.profile.slowTiming
    )
    context.note(
      `finds: at 1m, agent = '${AGENT}' matches ${paged.total.toLocaleString('en')} sessions; ${await plans(path)}`
    )
    return [
      {
        ...worst,
        name: 'page_total_1m_vs_page_1m',
        description: `store page of 50 with its exact total / the page alone, 1M: the worse of unfiltered and filtered on agent (${worst === filtered ? 'filtered' : 'unfiltered'})`,
        target: { op: '<=', value: 2 }
      },
      unfiltered,
      filtered,
      compared(
        comparison(
          'json_find_nosort_vs_sorted_1m',
          `store find on agent (indexed JSON field), $limit 50, with its total: no $sort / $sort created_at -1, 1M`,
          1.5
        ),
        sorts,
        0,
        1
      )
    ]
  } finally {
    await close()
  }
}

/**
 * The agent that one session in RARE.every has on the JSON index's copies: a value the index finds
 * at once and a scan must look through the whole table for. (A common value, an eighth of the
 * sessions here, is found as fast by walking the created_at index, whose order the page follows.)
 */
const RARE = { agent: 'a-rare-agent', every: 10_000 }

/**
 * Copies the file at `path` to `copy`, gives every RARE.every-th session the rare agent (as
 * another tool's UPDATE would), drops the JSON index if `unindexed`, and says how many it gave it.
 */
async function rareCopy(path: string, copy: string, unindexed: boolean): Promise<number> {
  for (const suffix of ['', '-wal']) {
    if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix)
  }
  const client = createClient({ url: `file:${copy}` })
  try {
    const { rowsAffected } = await client.execute({
      sql: `UPDATE sessions SET data = json_set(data, '$.agent', ?) WHERE rowid % ? = 0`,
      args: [RARE.agent, RARE.every]
    })
    if (unindexed) await client.execute(`DROP INDEX ${AGENT_INDEX}`)
    return rowsAffected
  } finally {
    client.close()
  }
}

/** The store's find of a rare agent with $sort and total, with the declared JSON index and without it. */
async function jsonIndex(context: Context, path: string): Promise<Result> {
  const indexedPath = join(context.workDir, 'indexed.db')
  const unindexedPath = join(context.workDir, 'unindexed.db')
  const rare = await rareCopy(path, indexedPath, false)
  await rareCopy(path, unindexedPath, true)
  const query = { agent: RARE.agent, ...NEWEST }
  const indexed = await openStoreSide(indexedPath)
  const unindexed = await openStoreSide(unindexedPath)
  try {
    const find = (side: typeof indexed) => () => side.sessions.find({ query })
    expectSame(
      JSON.stringify(await find(indexed)()),
      JSON.stringify(await find(unindexed)()),
      'the same page with and without the index'
    )
    const rounds = await interleave(
      [
        { label: 'indexed find', op: find(indexed) },
        { label: 'unindexed find', op: find(unindexed) }
      ],
      context.profile.slowTiming
    )
    return compared(
      {
        item: 3,
        name: 'indexed_vs_unindexed_json_find_1m',
        description: `store find on a JSON field + $sort created_at + $limit 50 + total, 1M, of a value ${rare.toLocaleString('en')} sessions have: without the JSON index / with it`,
        unit: 'speedup',
        target: { op: '>=', value: 50 }
      },
      rounds,
      0,
      1
    )
  } finally {
    await indexed.close()
    await unindexed.close()
  }
}

export const finds: Scenario = async (context: Context) => {
  const opened = new Map<string, SizeSides>()
  let pages: Result[]
  try {
    for (const size of SIZES)
      opened.set(size, await openSizeSides(context, size, { writes: false, store: true }))
    const placed = SIZES.flatMap((size) => placeAll(size, opened.get(size)!, false))
    context.log(`finds: page with total, ${placed.length} contenders`)
    const costs = await measure('page', placed, context.profile.timing)
    context.costs.push(costs)
    pages = limitResults(
      3,
      'page_vs_limit',
      'store page of 50 newest with the exact total',
      costs,
      'agor-store'
    )
  } finally {
    for (const sides of opened.values()) await sides.close()
  }
  const { path } = await context.dataset('1m')
  context.log('finds: the total, $sort and the JSON index at 1m')
  const results = [...(await storeFinds(context, path)), ...pages, await jsonIndex(context, path)]
  context.log('finds: full-text search at 100k')
  const search = await searchFind(context)
  context.log('finds: tags at 100k')
  return [...results, search, ...(await tagFinds(context))]
}
