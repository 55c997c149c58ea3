/**
 * Full-text search at 100k: the store's `find({ query: { $search, $limit: 50 } })` (the page of the
 * best matches with the exact total) against the limit: the same page and count as the native
 * driver's statements, prepared once, in one read transaction, over the same FTS5 index (which
 * the store made when it opened the file).
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
    const count = db.prepare(`SELECT count(*) FROM (${matches})`).raw(true)
    const [begin, commit] = [db.prepare('BEGIN'), db.prepare('COMMIT')]
    const native = () => {
      begin.run()
      try {
        return {
          data: (page.all(MATCH) as unknown[][]).map(docOfValues),
          total: Number((count.get(MATCH) as unknown[])[0])
        }
      } finally {
        commit.run()
      }
    }
    const find = () => store.sessions.find({ query: { $search: TEXT, $limit: 50 } })
    const [mine, theirs] = [await find(), native()]
    expectSame(
      JSON.stringify([mine.total, mine.data]),
      JSON.stringify([theirs.total, theirs.data]),
      'the search page and total of the store and of the limit'
    )
    context.note(
      `search: '${TEXT}' matches ${mine.total.toLocaleString('en')} of ${size.toLocaleString('en')} sessions`
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
        description: `store find { $search: '${TEXT}', $limit: 50 } ranked, with its exact total / the same page and count as prepared native statements, 100k`,
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
