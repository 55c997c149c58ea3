/**
 * Item 3, find: a page filtered on a JSON field, sorted by created_at, with its total, at 1M
 * sessions, with the collection's declared JSON index and on a copy of the file without it.
 */
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createClient } from '@libsql/client'
import type { Context } from '../context.js'
import { AGENTS } from '../datasets.js'
import { compared, type Result } from '../report.js'
import { expectSame, openFileStore } from '../stores.js'
import { interleave } from '../timing.js'

/** The JSON index of `sessions` (declared as `indexes: ['agent']`). */
const AGENT_INDEX = 'sessions_agent_idx'
const PAGE_QUERY = { agent: AGENTS[1], $sort: { created_at: -1 }, $limit: 50 }

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

export async function jsonFind(context: Context): Promise<Result[]> {
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
