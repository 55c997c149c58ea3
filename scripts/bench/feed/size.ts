/**
 * What the change feed takes on disk per change: on a copy of the data set in which every session
 * has the change of its creation, the store (as a library) makes n creates, then n patches of
 * sessions, then n removals of others, and the feed's tables and indexes are measured before and
 * after each step (dbstat: their b-tree pages, overflow pages included, and the content of their
 * cells). A create's change is a small row; a patch's also keeps the document as it was before (the
 * previous change no longer describes the row) and the patch; a removal keeps the document in its
 * change, and the previous change's copy besides.
 */
import type { Context } from '../context.js'
import { fieldPool, patchSha } from '../documents.js'
import { writableCopy } from '../placement.js'
import type { Result } from '../report.js'
import { openStoreSide } from '../sides/store.js'
import { changeCount, feedBytes, openFile, recordCreations, sessionRowBytes } from './tables.js'
import { FEED_SIZE } from './throughput.js'

const COUNT = { quick: 500, full: 2000 }

export async function feedSize(context: Context): Promise<Result[]> {
  const n = COUNT[context.profile.mode]
  const path = await writableCopy(context, FEED_SIZE, 'feed-size')
  const store = await openStoreSide(path)
  const db = openFile(path)
  try {
    recordCreations(db)
    const ids = (
      db
        .prepare('SELECT session_id FROM sessions ORDER BY rowid LIMIT ?')
        .raw(true)
        .all(2 * n) as string[][]
    ).map(([id]) => id!)
    const row = sessionRowBytes(db)
    const pool = fieldPool(n, 11)
    const steps: [name: string, what: string, write: (k: number) => Promise<unknown>][] = [
      ['create', 'a create of one session', (k) => store.sessions.create(pool[k]!)],
      [
        'patch',
        'a patch of one nested field of a session',
        (k) => store.sessions.patch(ids[k]!, { git_state: { current_sha: patchSha(k) } })
      ],
      ['remove', 'a removal of a session', (k) => store.sessions.remove(ids[n + k]!)]
    ]
    const results: Result[] = []
    const perChange: string[] = []
    for (const [name, what, write] of steps) {
      const before = { ...feedBytes(db), changes: changeCount(db) }
      for (let k = 0; k < n; k++) await write(k)
      const after = { ...feedBytes(db), changes: changeCount(db) }
      // one change per write: a removal that cleared other sessions' links would make more
      const changes = after.changes - before.changes
      if (changes !== n) throw new Error(`feed: ${n} writes (${name}) left ${changes} changes`)
      const pages = (after.pages - before.pages) / n
      const payload = (after.payload - before.payload) / n
      perChange.push(`${name} ${pages.toFixed(0)} B of pages, ${payload.toFixed(0)} B of content`)
      results.push({
        item: 11,
        name: `feed_bytes_per_${name}`,
        value: pages,
        unit: 'bytes',
        description: `change feed's growth on disk (its tables' and indexes' pages) per change of ${what}, the mean of ${n.toLocaleString('en')} (content of its cells: ${payload.toFixed(0)} B)`
      })
    }
    context.note(
      `feed: bytes per change (dbstat, ${n.toLocaleString('en')} of each on a copy of the ${FEED_SIZE} data set): ${perChange.join('; ')}; for scale, a session's own row takes ${row.pages.toFixed(0)} B of pages (${row.payload.toFixed(0)} B of content) before its indexes`
    )
    return results
  } finally {
    db.close()
    await store.close()
  }
}
