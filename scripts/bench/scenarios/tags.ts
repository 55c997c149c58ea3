/**
 * Tags at 100k, on a copy of the data set whose sessions each get two tags (`t<n>` of 64, and
 * `all`): the store's `find({ query: { tags: { $contains: ['t7'] }, $limit: 50 } })` (the page with
 * its exact total) against the limit, the same page and count as prepared native statements over
 * the same tag index, in one read transaction; and, to show the index at work, the same list kept in
 * a free-form field, which a query reads document by document.
 */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { TAGS_TABLE } from '../../../src/store/tag-index.js'
import type { Context } from '../context.js'
import { compared, type Result } from '../report.js'
import { openLimit } from '../sides/limit.js'
import { COLUMN_LIST, docOfValues, expectSame } from '../sides/side.js'
import { openStoreSide } from '../sides/store.js'
import { interleave } from '../timing.js'

const TAG = 't7'

export async function tagFinds(context: Context): Promise<Result[]> {
  const { path: source, size } = await context.dataset('100k')
  const path = join(context.workDir, 'tags.db')
  copyFileSync(source, path)
  // the store makes the tag index's triggers when it opens the copy; the tags come after
  const store = await openStoreSide(path)
  const limit = openLimit('libsql', path)
  try {
    limit.database.exec(
      `UPDATE sessions SET data = json_set(data, '$.tags', json_array('t' || (rowid % 64), 'all'), '$.custom_context.labels', json_array('t' || (rowid % 64), 'all'))`
    )
    const db = limit.database
    const tagged = `"session_id" IN (SELECT doc_id FROM ${TAGS_TABLE} WHERE collection = 'sessions' AND workspace = 'default' AND tag = ?)`
    const where = `"workspace" = 'default' AND (${tagged})`
    const page = db
      .prepare(
        `SELECT ${COLUMN_LIST} FROM "sessions" WHERE ${where} ORDER BY "created_at", "session_id" LIMIT 50`
      )
      .raw(true)
    const count = db.prepare(`SELECT count(*) FROM "sessions" WHERE ${where}`).raw(true)
    const [begin, commit] = [db.prepare('BEGIN'), db.prepare('COMMIT')]
    const native = () => {
      begin.run()
      try {
        return {
          data: (page.all(TAG) as unknown[][]).map(docOfValues),
          total: Number((count.get(TAG) as unknown[])[0])
        }
      } finally {
        commit.run()
      }
    }
    const find = () => store.sessions.find({ query: { tags: { $contains: [TAG] }, $limit: 50 } })
    const scan = () =>
      store.sessions.find({ query: { 'custom_context.labels': { $contains: [TAG] }, $limit: 50 } })
    const [mine, theirs, scanned] = [await find(), native(), await scan()]
    expectSame(
      JSON.stringify([mine.total, mine.data]),
      JSON.stringify([theirs.total, theirs.data]),
      'the tag page and total of the store and of the limit'
    )
    expectSame(String(scanned.total), String(mine.total), 'the same tags in a free-form field')
    context.note(
      `tags: '${TAG}' is on ${mine.total.toLocaleString('en')} of ${size.toLocaleString('en')} sessions`
    )
    const rounds = await interleave(
      [
        { label: 'store tags find', op: find },
        { label: 'limit tags page', op: native },
        { label: 'store free-form list find', op: scan }
      ],
      context.profile.slowTiming
    )
    return [
      compared(
        {
          item: 3,
          name: 'tags_find_vs_limit_100k',
          description: `store find { tags: { $contains: ['${TAG}'] }, $limit: 50 } with its exact total (counted again only when the database changed) / the same page and count as prepared native statements over the tag index, 100k`,
          unit: 'time ratio'
        },
        rounds,
        0,
        1
      ),
      compared(
        {
          item: 3,
          name: 'list_scan_vs_tags_find_100k',
          description: `the same list in a free-form field (custom_context.labels, read document by document) / tags through the tag index, 100k`,
          unit: 'time ratio'
        },
        rounds,
        2,
        0
      )
    ]
  } finally {
    limit.close()
    await store.close()
  }
}
