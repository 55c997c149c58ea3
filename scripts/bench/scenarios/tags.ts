/**
 * Tags at 100k, on a copy of the data set whose sessions each get two tags (`t<n>` of 64, and
 * `all`): the store's `find({ query: { tags: { $contains: ['t7'] }, $limit: 50 }, paginate: false })`
 * (the page: a total the store keeps between writes would flatter it) against the limit, the same
 * page as a prepared native statement over the same tag index; and, to show the index at work, the
 * same list kept in a free-form field, which a query reads document by document.
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
    const native = () => (page.all(TAG) as unknown[][]).map(docOfValues)
    const find = () =>
      store.sessions.find({ query: { tags: { $contains: [TAG] }, $limit: 50 }, paginate: false })
    const scan = () =>
      store.sessions.find({
        query: { 'custom_context.labels': { $contains: [TAG] }, $limit: 50 },
        paginate: false
      })
    const [mine, theirs, scanned] = [await find(), native(), await scan()]
    expectSame(JSON.stringify(mine), JSON.stringify(theirs), 'the tag page of the store and of the limit')
    expectSame(JSON.stringify(scanned), JSON.stringify(mine), 'the same tags in a free-form field')
    const { total } = await store.sessions.find({ query: { tags: { $contains: [TAG] }, $limit: 0 } })
    context.note(
      `tags: '${TAG}' is on ${total.toLocaleString('en')} of ${size.toLocaleString('en')} sessions`
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
          description: `store find { tags: { $contains: ['${TAG}'] }, $limit: 50 }, the page / the same page as a prepared native statement over the tag index, 100k`,
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
