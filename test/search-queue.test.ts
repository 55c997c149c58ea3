// The search index's queue: writes queue the documents whose text changed, in the writing
// statement, whoever writes; a search reads the index only once it holds the queue's documents;
// writes catch it up every CATCH_UP_EVERY documents, and imports in their transaction.
import Libsql from 'libsql'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Connection, Statement } from '../src/db/connection.js'
import { collections } from '../src/schema/index.js'
import { Collection } from '../src/store/collection.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { derivedProblems } from '../src/store/derived-check.js'
import { exportDatabase } from '../src/store/export.js'
import { importDatabase } from '../src/store/import.js'
import { searchIndex } from '../src/store/search-index.js'
import { CATCH_UP_EVERY } from '../src/store/search-upkeep.js'
import { tempDbUrl, tempDir } from './helpers.js'

type Doc = Record<string, unknown>
const index = searchIndex(collections.sessions)!
const ids = (docs: readonly Doc[]) => docs.map((d) => String(d.session_id)).sort()

let url: string
let db: Database
beforeEach(async () => {
  url = tempDbUrl()
  db = await openDatabase({ url })
})
afterEach(() => db.close())

/** The ids the queue holds and the ids the index's table of rows holds. */
async function held(): Promise<{ queued: string[]; indexed: string[] }> {
  const read = async (sql: string) =>
    (await db.connection.execute(sql)).rows.map((r) => String(r.doc_id)).sort()
  return {
    queued: await read(`SELECT doc_id FROM ${index.queue}`),
    indexed: await read(`SELECT doc_id FROM ${index.rows}`)
  }
}

const search = async (text: string, more: Doc = {}) =>
  ids((await db.collection('sessions').find({ query: { $search: text, ...more } })) as Doc[])

describe('the search queue', () => {
  it('takes a written document, and a search indexes it before it reads', async () => {
    const sessions = db.collection('sessions')
    const doc = await sessions.create({ agent: 'a', title: 'wombat burrow' })
    expect(await held()).toEqual({ queued: [doc.session_id], indexed: [] })
    expect(await search('wombat')).toEqual([doc.session_id])
    expect(await held()).toEqual({ queued: [], indexed: [doc.session_id] })
    // a write that changes no searched field queues nothing
    await sessions.patch(doc.session_id, { status: 'running' })
    expect((await held()).queued).toEqual([])
    await sessions.patch(doc.session_id, { title: 'platypus' })
    expect((await held()).queued).toEqual([doc.session_id])
    expect(await search('wombat')).toEqual([])
    expect(await search('platypus')).toEqual([doc.session_id])
    await sessions.remove(doc.session_id)
    expect(await search('platypus')).toEqual([])
    expect(await held()).toEqual({ queued: [], indexed: [] })
  })

  it("finds another process's writes, made in plain SQL, at the next search", async () => {
    const sessions = db.collection('sessions')
    const [kept, renamed, removed] = await sessions.create([
      { agent: 'a', title: 'heron one' },
      { agent: 'a', title: 'heron two' },
      { agent: 'a', title: 'heron three' }
    ])
    expect(await search('heron')).toEqual(ids([kept!, renamed!, removed!]))
    const other = new Libsql(url.slice('file:'.length))
    other
      .prepare(`UPDATE sessions SET data = json_set(data, '$.title', 'egret') WHERE session_id = ?`)
      .run(renamed!.session_id)
    other.prepare('DELETE FROM sessions WHERE session_id = ?').run(removed!.session_id)
    other.close()
    expect(await search('heron')).toEqual([kept!.session_id])
    expect(await search('egret')).toEqual([renamed!.session_id])
    expect(await held()).toEqual({ queued: [], indexed: ids([kept!, renamed!]) })
  })

  it('serves a lookup by id with $search in the snapshot it checks, whatever another process writes before', async () => {
    const made = await db.collection('sessions').create({ agent: 'a', title: 'alpha' })
    expect(await search('alpha')).toEqual([made.session_id])
    // a connection that lets another process rename the session right before the lookup by id
    // reaches the database: after any catch-up that came before it
    const other = new Libsql(url.slice('file:'.length))
    let renames = 0
    const rename = (statements: Statement[]) => {
      if (!statements.some((s) => typeof s !== 'string' && s.sql.includes('__agor_match'))) return
      renames++
      other
        .prepare(`UPDATE sessions SET data = json_set(data, '$.title', ?) WHERE session_id = ?`)
        .run(`beta ${renames}`, made.session_id)
    }
    const real = db.connection
    const renaming = new Proxy(real, {
      get(target, key) {
        if (key === 'execute')
          return (s: Statement) => {
            rename([s])
            return target.execute(s)
          }
        if (key === 'batch')
          return (s: Statement[], mode: 'read' | 'write') => {
            rename(s)
            return target.batch(s, mode)
          }
        const value = Reflect.get(target, key)
        return typeof value === 'function' ? value.bind(target) : value
      }
    }) as Connection
    const sessions = new Collection(renaming, collections.sessions)
    try {
      await expect(sessions.get(made.session_id, { query: { $search: 'alpha' } })).rejects.toMatchObject({
        code: 404
      })
      const patching = sessions.patch(
        made.session_id,
        { description: 'touched' },
        { query: { $search: 'alpha' } }
      )
      await expect(patching).rejects.toMatchObject({ code: 404 })
      expect(renames).toBeGreaterThanOrEqual(2)
      const stored = await db.collection('sessions').get(made.session_id)
      expect(stored.title).toBe(`beta ${renames}`)
      expect(stored.description ?? null).toBeNull()
    } finally {
      other.close()
    }
  })

  it('takes plain-SQL writes with any conflict clause, the queue holding their ids already or not', async () => {
    const [doc] = await db.collection('sessions').create([{ agent: 'a', title: 'puffin' }])
    const other = new Libsql(url.slice('file:'.length))
    try {
      for (const clause of ['OR ABORT', 'OR FAIL', 'OR ROLLBACK', 'OR IGNORE', 'OR REPLACE', '']) {
        // twice: the second finds the id in the queue
        for (const round of [1, 2])
          other
            .prepare(`UPDATE ${clause} sessions SET data = json_set(data, '$.title', ?) WHERE session_id = ?`)
            .run(`puffin ${clause || 'plain'} ${round}`, doc!.session_id)
      }
      // taken away and put back, renamed, while its id is in the queue
      other
        .prepare('CREATE TEMP TABLE kept AS SELECT * FROM sessions WHERE session_id = ?')
        .run(doc!.session_id)
      other.exec(`UPDATE kept SET data = json_set(data, '$.title', 'gannet')`)
      other.prepare('DELETE FROM sessions WHERE session_id = ?').run(doc!.session_id)
      other.exec('INSERT OR ABORT INTO sessions SELECT * FROM kept')
    } finally {
      other.close()
    }
    expect(await search('puffin')).toEqual([])
    expect(await search('gannet')).toEqual([doc!.session_id])
  })

  it('answers a search from its snapshot when another connection holds the write lock past a short wait', async () => {
    const [indexed] = await db.collection('sessions').create([{ agent: 'a', title: 'kittiwake' }])
    expect(await search('kittiwake')).toEqual([indexed!.session_id])
    const [queued] = await db.collection('sessions').create([{ agent: 'a', title: 'kittiwake two' }])
    // the store's connection, counting the catch-ups it is asked for
    let catchUps = 0
    const counting = new Proxy(db.connection, {
      get(target, key) {
        if (key === 'batch')
          return (s: Statement[], mode: 'read' | 'write', options?: { busyWait?: number }) => {
            if (mode === 'write') catchUps++
            return target.batch(s, mode, options)
          }
        const value = Reflect.get(target, key)
        return typeof value === 'function' ? value.bind(target) : value
      }
    }) as Connection
    const sessions = new Collection(counting, collections.sessions)
    const other = new Libsql(url.slice('file:'.length))
    other.exec('BEGIN IMMEDIATE')
    try {
      const started = Date.now()
      for (let i = 0; i < 10; i++) {
        const found = await sessions.find({ query: { $search: 'kittiwake' } })
        expect(ids(found)).toEqual([indexed!.session_id])
      }
      // the first tried, for a short wait, far below the busy timeout (10 s) a write waits three
      // times; the others answered at once, as that try had just failed
      expect(catchUps).toBe(1)
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    // the store's own connection is not backing off: it catches up
    expect(await search('kittiwake')).toEqual(ids([indexed!, queued!]))
    const timeout = await db.connection.execute('PRAGMA busy_timeout')
    expect(Number(timeout.rows[0]![0])).toBe(10_000)
  })

  it('is caught up by a multi write that searches, in its own transaction', async () => {
    const sessions = db.collection('sessions')
    const [a, b] = await sessions.create([
      { agent: 'a', title: 'ibis' },
      { agent: 'a', title: 'ibis' }
    ])
    expect(await search('ibis')).toEqual(ids([a!, b!]))
    // b's text changes after the index last caught up: a removal by its old word must miss it
    await sessions.patch(b!.session_id, { title: 'stork' })
    const removed = await sessions.remove(null, { query: { $search: 'ibis' } })
    expect(ids(removed)).toEqual([a!.session_id])
    const patched = await sessions.patch(null, { description: 'found' }, { query: { $search: 'stork' } })
    expect(ids(patched)).toEqual([b!.session_id])
    expect(ids(await sessions.find({ query: {} }))).toEqual([b!.session_id])
  })

  it(`is caught up by the write that reaches ${CATCH_UP_EVERY} documents, with them all`, async () => {
    const sessions = db.collection('sessions')
    const first = await sessions.create(
      Array.from({ length: CATCH_UP_EVERY - 1 }, (_, i) => ({ agent: 'a', title: `gull ${i}` }))
    )
    expect((await held()).queued).toHaveLength(CATCH_UP_EVERY - 1)
    const last = await sessions.create({ agent: 'a', title: 'gull last' })
    const after = await held()
    expect(after.queued).toEqual([])
    expect(after.indexed).toEqual(ids([...first, last]))
    const text = await db.connection.execute(`SELECT count(*) AS n FROM ${index.fts}`)
    expect(Number(text.rows[0]!.n)).toBe(CATCH_UP_EVERY)
  })

  it('counts the writes of every workspace, which share the queue', async () => {
    const half = CATCH_UP_EVERY / 2
    const docs = (n: number) => Array.from({ length: n }, (_, i) => ({ agent: 'a', title: `skua ${i}` }))
    await db.collection('sessions').create(docs(half))
    await db
      .workspace('queue-other')
      .collection('sessions')
      .create(docs(half - 1))
    expect((await held()).queued).toHaveLength(CATCH_UP_EVERY - 1)
    await db.workspace('queue-other').collection('sessions').create(docs(1))
    expect(await held()).toMatchObject({ queued: [] })
    expect((await held()).indexed).toHaveLength(CATCH_UP_EVERY)
  })

  it('is reported by db check when its queue is gone and the triggers write to it', async () => {
    await db.connection.execute(`DROP TABLE ${index.queue}`)
    expect(await derivedProblems(db.connection)).toContain(
      'the search index of sessions is missing its queue: writes fail'
    )
  })

  it('is checked by db check as before the queue in a database that a version without it left', async () => {
    await db.collection('sessions').create({ agent: 'a', title: 'shag' })
    expect(await search('shag')).toHaveLength(1)
    // as the version before the queue left it: no queue, triggers that index in the statement
    const old = (op: string, event: string) =>
      `CREATE TRIGGER agor_search_sessions_${op} ${event} ON sessions BEGIN SELECT 1; END`
    await db.connection.migrate([
      `DROP TABLE ${index.queue}`,
      ...['insert', 'update', 'delete'].map((op) => `DROP TRIGGER agor_search_sessions_${op}`),
      old('insert', 'AFTER INSERT'),
      old('update', 'AFTER UPDATE'),
      old('delete', 'AFTER DELETE')
    ])
    expect(await derivedProblems(db.connection)).toEqual([])
    await db.connection.execute(`DELETE FROM ${index.rows}`)
    expect(await derivedProblems(db.connection)).toContain(
      'the search index of sessions holds 0 of 1 documents'
    )
  })

  it('counts as indexed for db check while queued, and an import leaves it empty', async () => {
    const sessions = db.collection('sessions')
    await sessions.create([
      { agent: 'a', title: 'tern' },
      { agent: 'a', title: 'tern two' }
    ])
    expect((await held()).queued).toHaveLength(2)
    expect(await derivedProblems(db.connection)).toEqual([])
    const dir = tempDir()
    await exportDatabase({ url }, dir)
    const copy = tempDbUrl()
    await importDatabase({ url: copy }, dir)
    const target = await openDatabase({ url: copy })
    try {
      const queued = await target.connection.execute(`SELECT count(*) AS n FROM ${index.queue}`)
      expect(Number(queued.rows[0]!.n)).toBe(0)
      const rows = await target.connection.execute(`SELECT count(*) AS n FROM ${index.rows}`)
      expect(Number(rows.rows[0]!.n)).toBe(2)
      const found = await target.collection('sessions').find({ query: { $search: 'tern' } })
      expect(found).toHaveLength(2)
      expect(await derivedProblems(target.connection)).toEqual([])
    } finally {
      target.close()
    }
  })
})
