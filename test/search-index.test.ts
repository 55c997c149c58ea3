// The search index as derived data: made and filled when a database opens (a database of a
// version without it, or with other search fields), left alone when it matches, checked by
// `agor db check`'s integrity check, and rebuilt by the triggers when documents are imported.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkDatabase } from '../src/db/check.js'
import { FEED_STATE_TABLE } from '../src/schema/changes.js'
import { collections } from '../src/schema/index.js'
import { openStore } from '../src/service/store.js'
import { openDatabase } from '../src/store/database.js'
import { exportDatabase } from '../src/store/export.js'
import { importDatabase } from '../src/store/import.js'
import { searchIndex } from '../src/store/search-index.js'
import { tempDbUrl, tempDir } from './helpers.js'

const index = searchIndex(collections.sessions)!

async function searchTables(url: string): Promise<string[]> {
  const db = await openDatabase({ url })
  try {
    const { rows } = await db.connection.execute(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'agor_search_sessions%' ORDER BY name"
    )
    return rows.map((r) => String(r.name))
  } finally {
    db.close()
  }
}

describe('the search index at open', () => {
  it('is made and filled for a database without it, and old ones are dropped', async () => {
    const url = tempDbUrl()
    const db = await openDatabase({ url })
    const sessions = db.collection('sessions')
    const made = await sessions.create([
      { agent: 'a', title: 'before the index' },
      { agent: 'a', title: 'also before', description: 'index me' }
    ])
    // as a version without search left it, with tables of another search definition besides
    await db.connection.migrate([
      `DROP TABLE ${index.fts}`,
      `DROP TABLE ${index.rows}`,
      'DROP TRIGGER IF EXISTS agor_search_sessions_insert',
      'DROP TRIGGER IF EXISTS agor_search_sessions_update',
      'DROP TRIGGER IF EXISTS agor_search_sessions_delete',
      "CREATE VIRTUAL TABLE agor_search_sessions_0ld0ld00 USING fts5(title, content='')",
      'CREATE TABLE agor_search_sessions_0ld0ld00_rows (id INTEGER PRIMARY KEY, doc_id TEXT, workspace TEXT)',
      `UPDATE ${FEED_STATE_TABLE} SET triggers = 'older' WHERE id = 1`
    ])
    await sessions.create({ agent: 'a', title: 'written before' })
    db.close()

    const reopened = await openDatabase({ url })
    try {
      const found = await reopened.collection('sessions').find({ query: { $search: 'before' } })
      expect(found.map((d) => d.session_id).sort()).toHaveLength(3)
      expect(
        (await reopened.collection('sessions').find({ query: { $search: 'index me' } })).map(
          (d) => d.session_id
        )
      ).toEqual([made[1]!.session_id])
    } finally {
      reopened.close()
    }
    const tables = await searchTables(url)
    expect(tables).toContain(index.names.fts)
    expect(tables).toContain(index.names.rows)
    expect(tables.filter((t) => t.includes('0ld0ld00'))).toEqual([])
  })

  it('is left as it is when it matches this version', async () => {
    const url = tempDbUrl()
    const db = await openDatabase({ url })
    await db.collection('sessions').create({ agent: 'a', title: 'kept' })
    // a row no fill would make: still there after the next open, even one that syncs the
    // triggers (another version's feed triggers, but the same search index)
    await db.connection.execute(`INSERT INTO ${index.rows} (doc_id, workspace) VALUES ('marker', 'none')`)
    await db.connection.execute(`UPDATE ${FEED_STATE_TABLE} SET triggers = 'older' WHERE id = 1`)
    db.close()
    const again = await openDatabase({ url })
    try {
      const { rows } = await again.connection.execute(
        `SELECT count(*) AS n FROM ${index.rows} WHERE doc_id = 'marker'`
      )
      expect(Number(rows[0]!.n)).toBe(1)
      expect(await again.collection('sessions').find({ query: { $search: 'kept' } })).toHaveLength(1)
    } finally {
      again.close()
    }
  })

  it('is made again when a version without it synced the database and writes went unindexed', async () => {
    const url = tempDbUrl()
    const db = await openDatabase({ url })
    await db.collection('sessions').create({ agent: 'a', title: 'indexed' })
    // as a version without search leaves it: its sync drops every trigger of the store's
    await db.connection.migrate([
      'DROP TRIGGER agor_search_sessions_insert',
      'DROP TRIGGER agor_search_sessions_update',
      'DROP TRIGGER agor_search_sessions_delete',
      `UPDATE ${FEED_STATE_TABLE} SET triggers = 'without search' WHERE id = 1`
    ])
    const unindexed = await db.collection('sessions').create({ agent: 'a', title: 'unindexed' })
    db.close()
    const again = await openDatabase({ url })
    try {
      expect(
        (await again.collection('sessions').find({ query: { $search: 'unindexed' } })).map(
          (d) => d.session_id
        )
      ).toEqual([unindexed.session_id])
      expect(await again.collection('sessions').find({ query: { $search: 'indexed' } })).toHaveLength(1)
    } finally {
      again.close()
    }
  })

  it('passes the integrity check, and is rebuilt by an import, replacing documents too', async () => {
    const url = tempDbUrl()
    const store = await openStore({ url, auth: false })
    const [kept, changed] = await store.service('sessions').create([
      { agent: 'a', title: 'heron' },
      { agent: 'a', title: 'stork' }
    ])
    const report = await checkDatabase(store.database.connection)
    expect(report.integrity).toEqual(['ok'])
    expect(report.ok).toBe(true)
    const dir = join(tempDir(), 'dump')
    await exportDatabase({ url }, dir)
    await store.service('sessions').patch(changed!.session_id, { title: 'crane' })
    await store.close()

    const copy = tempDbUrl('copy.db')
    await importDatabase({ url: copy }, dir)
    await importDatabase({ url }, dir, { onConflict: 'replace' })
    for (const target of [copy, url]) {
      const db = await openDatabase({ url: target })
      try {
        const sessions = db.collection('sessions')
        expect((await sessions.find({ query: { $search: 'heron' } })).map((d) => d.session_id)).toEqual([
          kept!.session_id
        ])
        expect((await sessions.find({ query: { $search: 'stork' } })).map((d) => d.session_id)).toEqual([
          changed!.session_id
        ])
        expect(await sessions.find({ query: { $search: 'crane' } })).toEqual([])
      } finally {
        db.close()
      }
    }
  })
})
