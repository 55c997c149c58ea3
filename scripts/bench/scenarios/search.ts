/**
 * Full-text search at 100k: the store's `find({ query: { $search, $limit: 50 }, paginate: false })`
 * (the page of the best matches: a total the store keeps between writes would flatter it) against
 * the limit: the same page as the native driver's statement, prepared once, over the same FTS5
 * index (which the store made when it opened the file).
 */
import { sessions as sessionsCollection } from '../../../src/schema/sessions.js'
import { searchIndex } from '../../../src/store/search-index.js'
import type { Context } from '../context.js'
import { compared, type Result } from '../report.js'
import { openLimit } from '../sides/limit.js'
import { COLUMN_LIST, docOfValues, expectSame } from '../sides/side.js'
import { openStoreSide } from '../sides/store.js'
import { interleave } from '../timing.js'

/** Two words of the generated titles (`Session 12: fix the parser module (#1234)`): about 1 in 64. */
const TEXT = 'fix parser'
const MATCH = '"fix" AND "parser"'

export async function searchFind(context: Context): Promise<Result> {
  const { path, size } = await context.dataset('100k')
  // the store first: opening the file makes its search index
  const store = await openStoreSide(path)
  const limit = openLimit('libsql', path, { readonly: true })
  try {
    const index = searchIndex(sessionsCollection)!
    const matches = `SELECT r.doc_id AS id, ${index.fts}.rank AS rank FROM ${index.fts} JOIN ${index.rows} AS r ON r.id = ${index.fts}.rowid WHERE ${index.fts} MATCH ? AND r.workspace = 'default'`
    const db = limit.database
    const page = db
      .prepare(
        `SELECT ${COLUMN_LIST} FROM "sessions" JOIN (${matches}) AS m ON m.id = "sessions"."session_id" ORDER BY m.rank, "created_at", "session_id" LIMIT 50`
      )
      .raw(true)
    const native = () => (page.all(MATCH) as unknown[][]).map(docOfValues)
    const find = () => store.sessions.find({ query: { $search: TEXT, $limit: 50 }, paginate: false })
    const [mine, theirs] = [await find(), native()]
    expectSame(JSON.stringify(mine), JSON.stringify(theirs), 'the search page of the store and of the limit')
    const { total } = await store.sessions.find({ query: { $search: TEXT, $limit: 0 } })
    context.note(
      `search: '${TEXT}' matches ${total.toLocaleString('en')} of ${size.toLocaleString('en')} sessions`
    )
    const rounds = await interleave(
      [
        { label: 'store $search find', op: find },
        { label: 'limit search page', op: native }
      ],
      context.profile.timing
    )
    return compared(
      {
        item: 3,
        name: 'search_find_vs_limit_100k',
        description: `store find { $search: '${TEXT}', $limit: 50 }, the page of the best matches / the same page as a prepared native statement over the same FTS5 index, 100k`,
        unit: 'time ratio'
      },
      rounds,
      0,
      1
    )
  } finally {
    limit.close()
    await store.close()
  }
}
