// The change feed's documents and writers: the store's own writes keep no copy of their document
// (it is rebuilt from the row and the undo of later changes), writes made beside the store (another
// connection's hand-written SQL) are recorded by the triggers, each write exactly once either way.
import { join } from 'node:path'
import { createClient } from '@libsql/client'
import Libsql from 'libsql'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { openStore } from '../src/service/store.js'
import { Feed } from '../src/store/feed.js'
import { historySql } from '../src/store/feed-documents.js'
import { setupDatabase } from '../src/store/setup.js'
import { applyUndo, undoOf } from '../src/store/undo.js'
import { legacyDatabase, openTempStore, tempDir } from './helpers.js'

const store = await openTempStore()
const feed = new Feed(store.database.connection)
const sessions = store.service('sessions')
const tasks = store.service('tasks')
// another writer of the same file, as a sqlite3 shell would be
const other = new Libsql(store.config.path!, { timeout: 5000 })
let from = 0

afterAll(async () => {
  other.close()
  await store.close()
})
beforeEach(async () => {
  from = await feed.head()
})

const since = () => feed.read({ after: from, limit: 1000, order: 'asc' })
/** The rows the replace triggers keep aside (none once a write is recorded). */
const keptRows = () => other.prepare('SELECT count(*) AS n FROM agor_replaced_rows').get()
const brief = (c: { collection: string; event: string; actor: string | null }) =>
  `${c.collection} ${c.event} ${c.actor}`

describe("the change feed's documents", () => {
  it('are each write as it returned, through patches, updates, foreign writes and a removal', async () => {
    const written: unknown[] = []
    const s = await sessions.create({ agent: 'a', title: 't', git_state: { ref: 'main', current_sha: 'a1' } })
    written.push(s)
    const id = s.session_id
    written.push(await sessions.patch(id, { git_state: { current_sha: 'b2' }, description: 'new key' }))
    written.push(await sessions.patch(id, { git_state: { ref: null }, status: 'running' }))
    written.push(
      await sessions.update(id, { agent: 'a2', title: 'replaced', custom_context: { deep: { x: [1, 2] } } })
    )
    // beside the store: a change of a column, and one of data that leaves updated_at alone
    other
      .prepare(`UPDATE sessions SET status = 'idle', updated_at = updated_at + 5 WHERE session_id = ?`)
      .run(id)
    written.push(await sessions.get(id))
    other
      .prepare(`UPDATE sessions SET data = json_set(data, '$.title', 'by hand') WHERE session_id = ?`)
      .run(id)
    written.push(await sessions.get(id))
    written.push(await sessions.patch(id, { custom_context: { deep: { y: true } } }))
    const removed = await sessions.remove(id)
    written.push(removed)
    const changes = await since()
    expect(changes.map((c) => `${c.event} ${c.actor}`)).toEqual([
      'created library',
      'patched library',
      'patched library',
      'updated library',
      'updated null',
      'updated null',
      'patched library',
      'removed library'
    ])
    expect(changes.map((c) => c.doc)).toEqual(written)
    // what each patch applied, as given
    expect(changes[1]!.patch).toEqual({ git_state: { current_sha: 'b2' }, description: 'new key' })
  })

  it('are rebuilt for a page of changes of many documents, a task adjusted by its collection included', async () => {
    const [a, b] = await sessions.create([{ agent: 'm1' }, { agent: 'm2' }])
    const task = await tasks.create({ session_id: a!.session_id, description: 'x' })
    const done = await tasks.patch(task.task_id, { status: 'completed' })
    expect(done.completed_at).toEqual(expect.any(String))
    const many = await sessions.patch(null, { title: 'both' }, { query: { agent: { $in: ['m1', 'm2'] } } })
    const again = await tasks.patch(task.task_id, { description: 'y' })
    const changes = await since()
    const docOf = (seq: number) => changes.find((c) => c.seq === seq)!.doc
    expect(changes.map(brief)).toEqual([
      'sessions created library',
      'sessions created library',
      'tasks created library',
      'tasks patched library',
      'sessions patched library',
      'sessions patched library',
      'tasks patched library'
    ])
    expect(docOf(changes[0]!.seq)).toEqual(a)
    expect(docOf(changes[1]!.seq)).toEqual(b)
    expect(docOf(changes[2]!.seq)).toEqual(task)
    expect(docOf(changes[3]!.seq)).toEqual(done)
    expect(changes.slice(4, 6).map((c) => c.doc)).toEqual(
      expect.arrayContaining(many.map((doc) => expect.objectContaining(doc)))
    )
    expect(docOf(changes[6]!.seq)).toEqual(again)
    // read one at a time, newest first: the same documents
    for (const change of changes) {
      const [one] = await feed.read({ after: change.seq - 1, limit: 1, order: 'asc' })
      expect(one).toEqual(change)
    }
  })
})

describe("the store's updates", () => {
  it('set data alone, or columns too, with one change each and no version left behind', async () => {
    const parent = await sessions.create({ agent: 'p' })
    const s = await sessions.create({ agent: 'u' })
    const columns = () =>
      other
        .prepare('SELECT status, parent_session_id, data ->> ? AS agent FROM sessions WHERE session_id = ?')
        .get('$.agent', s.session_id)
    await sessions.patch(s.session_id, { title: 'data only' })
    expect(columns()).toMatchObject({ status: 'idle', parent_session_id: null, agent: 'u' })
    await sessions.patch(s.session_id, { status: 'running', parent_session_id: parent.session_id })
    expect(columns()).toMatchObject({ status: 'running', parent_session_id: parent.session_id })
    await sessions.update(s.session_id, { agent: 'u2', status: 'completed' })
    expect(columns()).toMatchObject({ status: 'completed', parent_session_id: null, agent: 'u2' })
    const changes = await since()
    expect(changes.map((c) => `${c.event} ${c.id}`)).toEqual([
      `created ${parent.session_id}`,
      `created ${s.session_id}`,
      `patched ${s.session_id}`,
      `patched ${s.session_id}`,
      `updated ${s.session_id}`
    ])
    expect(changes[3]!.doc).toMatchObject({ status: 'running', parent_session_id: parent.session_id })
    const versions = other.prepare('SELECT count(*) AS n FROM agor_changes WHERE version IS NOT NULL').get()
    expect(versions).toMatchObject({ n: 0 })
  })
})

describe('the history a rebuild reads', () => {
  it('is found by seq, from the oldest change asked for on, not by a scan of the whole feed', async () => {
    // on a connection of its own: EXPLAIN holds its connection's snapshot
    const client = createClient({ url: `file:${store.config.path}` })
    const { rows } = await client
      .execute({ sql: `EXPLAIN QUERY PLAN ${historySql()}`, args: ['[]', 1] })
      .finally(() => client.close())
    const steps = rows.map((row) => String(row.detail)).filter((detail) => / agor_changes\b/.test(detail))
    expect(steps).toEqual([
      expect.stringMatching(/^SEARCH agor_changes USING INTEGER PRIMARY KEY \(rowid>\?\)/)
    ])
  })
})

describe('a read far behind the head', () => {
  it('takes back every later change, and lets the event loop turn meanwhile', async () => {
    const docs = await sessions.create(Array.from({ length: 10 }, (_, i) => ({ agent: `far ${i}` })))
    for (let round = 0; round < 300; round++) {
      for (const doc of docs) await sessions.patch(doc.session_id, { title: `r${round}` })
    }
    let turns = 0
    let reading = true
    const tick = () => {
      if (!reading) return
      turns++
      setImmediate(tick)
    }
    setImmediate(tick)
    const page = await feed.read({ after: from, limit: 20, order: 'asc' })
    reading = false
    expect(page.map((c) => c.event)).toEqual([...docs.map(() => 'created'), ...docs.map(() => 'patched')])
    expect(page.slice(10).map((c) => c.doc.title)).toEqual(docs.map(() => 'r0'))
    // 3,000 later changes to take back: the read gave the loop a turn at least every 2,000 steps
    expect(turns).toBeGreaterThanOrEqual(2)
    // and read in chunks of seqs, the same documents, with a turn between the chunks too
    turns = 0
    reading = true
    setImmediate(tick)
    const chunked = await new Feed(store.database.connection, { historyChunk: 250 }).read({
      after: from,
      limit: 20,
      order: 'asc'
    })
    reading = false
    expect(chunked).toEqual(page)
    expect(turns).toBeGreaterThanOrEqual(10)
  })
})

describe('writes beside the store', () => {
  it('are recorded once each, with the row as written and the row before it', async () => {
    const s = await sessions.create({ agent: 'h' })
    const now = Date.now()
    const id = '0199b73d-0000-7000-8000-00000000ab01'
    other
      .prepare(
        `INSERT INTO sessions (session_id, status, created_at, updated_at, data) VALUES (?, 'idle', ?, ?, '{"agent":"by hand"}')`
      )
      .run(id, now, now)
    other
      .prepare(`UPDATE sessions SET data = json_set(data, '$.title', 'hand') WHERE session_id = ?`)
      .run(s.session_id)
    other.prepare('DELETE FROM sessions WHERE session_id = ?').run(id)
    const changes = await since()
    expect(changes.map((c) => `${c.event} ${c.id}`)).toEqual([
      `created ${s.session_id}`,
      `created ${id}`,
      `updated ${s.session_id}`,
      `removed ${id}`
    ])
    expect(changes[1]!.doc).toMatchObject({ session_id: id, agent: 'by hand', status: 'idle' })
    expect(changes[2]!.doc).toEqual({ ...s, title: 'hand' })
    expect(changes[0]!.doc).toEqual(s)
    expect(changes[3]!.doc).toMatchObject({ session_id: id, agent: 'by hand' })
    expect(changes.slice(1).every((c) => c.actor === null)).toBe(true)
  })

  it("another tool's INSERT OR REPLACE is a removal and a creation, and the history before it stays", async () => {
    const s = await sessions.create({ agent: 'a', title: 't0' })
    const task = await tasks.create({ session_id: s.session_id, description: 'task' })
    const patched = await sessions.patch(s.session_id, { title: 't1' })
    const replace = other.prepare(
      `INSERT OR REPLACE INTO sessions (session_id, status, created_at, updated_at, data) VALUES (?, 'idle', ?, ?, '{"agent":"a","title":"replaced"}')`
    )
    replace.run(s.session_id, Date.parse(s.created_at), Date.now() + 5)
    // an INSERT OR IGNORE that ignores leaves nothing, not even for a removal later
    other
      .prepare(
        `INSERT OR IGNORE INTO sessions (session_id, created_at, updated_at, data) VALUES (?, 1, 1, '{}')`
      )
      .run(s.session_id)
    const replaced = await sessions.get(s.session_id)
    await sessions.remove(s.session_id)
    const changes = await since()
    expect(changes.map((c) => `${c.collection} ${c.event}`)).toEqual([
      'sessions created',
      'tasks created',
      'sessions patched',
      'tasks removed',
      'sessions removed',
      'sessions created',
      'sessions removed'
    ])
    expect(changes.map((c) => c.doc)).toEqual([s, task, patched, task, patched, replaced, replaced])
    expect(keptRows()).toMatchObject({ n: 0 })
  })

  it("another tool's upsert of an existing row is an update, and keeps nothing aside", async () => {
    const s = await sessions.create({ agent: 'u' })
    other
      .prepare(
        `INSERT INTO sessions (session_id, status, created_at, updated_at, data) VALUES (?, 'idle', 1, ?, '{"agent":"upserted"}') ON CONFLICT(session_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`
      )
      .run(s.session_id, Date.now() + 5)
    const changes = await since()
    expect(changes.map((c) => c.event)).toEqual(['created', 'updated'])
    expect(changes[0]!.doc).toEqual(s)
    expect(changes[1]!.doc).toMatchObject({ session_id: s.session_id, agent: 'upserted' })
    expect(keptRows()).toMatchObject({ n: 0 })
  })

  it('an INSERT OR REPLACE that takes the unique key of another row records that removal too', async () => {
    const repos = store.service('repos')
    const alpha = await repos.create({ slug: 'alpha-r', name: 'A' })
    const patched = await repos.patch(alpha.repo_id, { name: 'A2' })
    const beta = await repos.create({ slug: 'beta-r', name: 'B' })
    // ignored first: what it kept aside must not pass for a removal later
    other
      .prepare(
        `INSERT OR IGNORE INTO repos (repo_id, created_at, updated_at, slug, data) VALUES (?, 1, 1, 'x', '{}')`
      )
      .run(beta.repo_id)
    const usurper = '01a22eb0-0000-7000-8000-000000000002'
    const now = Date.now()
    other
      .prepare(
        `INSERT OR REPLACE INTO repos (repo_id, created_at, updated_at, slug, data) VALUES (?, ?, ?, 'alpha-r', '{"name":"usurper"}')`
      )
      .run(usurper, now, now)
    // another tool gives beta another id: its document goes, another comes
    const renamed = '01a22eb0-0000-7000-8000-000000000003'
    other.prepare('UPDATE repos SET repo_id = ? WHERE repo_id = ?').run(renamed, beta.repo_id)
    other
      .prepare(
        `INSERT INTO repos (repo_id, created_at, updated_at, slug, data) VALUES (?, ?, ?, 'beta-again', '{"name":"B again"}')`
      )
      .run(beta.repo_id, now, now)
    const changes = await since()
    expect(changes.map((c) => `${c.event} ${c.id}`)).toEqual([
      `created ${alpha.repo_id}`,
      `patched ${alpha.repo_id}`,
      `created ${beta.repo_id}`,
      `removed ${alpha.repo_id}`,
      `created ${usurper}`,
      `removed ${beta.repo_id}`,
      `created ${renamed}`,
      `created ${beta.repo_id}`
    ])
    expect(changes.slice(0, 4).map((c) => c.doc)).toEqual([alpha, patched, beta, patched])
    expect(changes[5]!.doc).toEqual(beta)
    expect(changes[6]!.doc).toEqual({ ...beta, repo_id: renamed })
    expect(keptRows()).toMatchObject({ n: 0 })
  })

  it('an UPDATE OR REPLACE that takes the unique key or id of another row records that removal', async () => {
    const repos = store.service('repos')
    const x = await repos.create({ slug: 'x-uor', name: 'X' })
    const patched = await repos.patch(x.repo_id, { name: 'X2' })
    const y = await repos.create({ slug: 'y-uor', name: 'Y' })
    const [s1, s2] = await sessions.create([{ agent: 's1' }, { agent: 's2' }])
    // kept aside by an ignored insert: it must neither pass for a removal nor hide one
    other
      .prepare(
        `INSERT OR IGNORE INTO repos (repo_id, created_at, updated_at, slug, data) VALUES (?, 1, 1, 'x-uor', '{}')`
      )
      .run('01a22eb0-0000-7000-8000-00000000000a')
    other.prepare(`UPDATE OR REPLACE repos SET slug = 'x-uor' WHERE repo_id = ?`).run(y.repo_id)
    other
      .prepare('UPDATE OR REPLACE sessions SET session_id = ? WHERE session_id = ?')
      .run(s1!.session_id, s2!.session_id)
    const changes = await since()
    expect(changes.map((c) => `${c.event} ${c.id}`)).toEqual([
      `created ${x.repo_id}`,
      `patched ${x.repo_id}`,
      `created ${y.repo_id}`,
      `created ${s1!.session_id}`,
      `created ${s2!.session_id}`,
      `removed ${x.repo_id}`,
      `updated ${y.repo_id}`,
      `removed ${s1!.session_id}`,
      `removed ${s2!.session_id}`,
      `created ${s1!.session_id}`
    ])
    expect(changes.map((c) => c.doc)).toEqual([
      x,
      patched,
      y,
      s1,
      s2,
      patched,
      { ...y, slug: 'x-uor' },
      s1,
      s2,
      { ...s2, session_id: s1!.session_id }
    ])
    expect(keptRows()).toMatchObject({ n: 0 })
  })

  it('an INSERT OR REPLACE with recursive triggers on is recorded once too', async () => {
    const s = await sessions.create({ agent: 'r' })
    const tool = new Libsql(store.config.path!, { timeout: 5000 })
    try {
      tool.exec('PRAGMA recursive_triggers = ON')
      tool
        .prepare(
          `INSERT OR REPLACE INTO sessions (session_id, status, created_at, updated_at, data) VALUES (?, 'idle', ?, ?, '{"agent":"r2"}')`
        )
        .run(s.session_id, Date.parse(s.created_at), Date.now() + 5)
    } finally {
      tool.close()
    }
    const changes = await since()
    expect(changes.map((c) => c.event)).toEqual(['created', 'removed', 'created'])
    expect(changes[1]!.doc).toEqual(s)
    expect(changes[2]!.doc).toMatchObject({ session_id: s.session_id, agent: 'r2' })
  })

  it('a write that rolls back in the store leaves no change, and the next one is recorded', async () => {
    const s = await sessions.create({ agent: 'r' })
    await expect(sessions.patch(s.session_id, { parent_session_id: s.session_id })).rejects.toMatchObject({
      code: 400
    })
    await expect(
      sessions.create([{ agent: 'r2' }, { agent: 'r3', session_id: s.session_id }])
    ).rejects.toMatchObject({
      code: 409
    })
    const patched = await sessions.patch(s.session_id, { title: 'ok' })
    const changes = await since()
    expect(changes.map((c) => c.event)).toEqual(['created', 'patched'])
    expect(changes[1]!.doc).toEqual(patched)
  })
})

describe('writes beside the store, whatever their connection did before', () => {
  it('an update that leaves updated_at alone is recorded, even right after an INSERT whose rowid is the newest seq', async () => {
    const s = await sessions.create({ agent: 'lir', title: 'v0' })
    const [created] = await since()
    // another tool's connection whose last INSERT had the rowid of the feed's newest change
    other.exec('CREATE TEMP TABLE IF NOT EXISTS audit (x)')
    other.prepare('INSERT INTO audit (rowid, x) VALUES (?, ?)').run(created!.seq, 'log')
    other
      .prepare(`UPDATE sessions SET data = json_set(data, '$.title', 'hand') WHERE session_id = ?`)
      .run(s.session_id)
    const changes = await since()
    expect(changes.map((c) => c.event)).toEqual(['created', 'updated'])
    expect(changes[0]!.doc).toEqual(s)
    expect(changes[1]!.doc).toEqual({ ...s, title: 'hand' })
  })

  it('a seeding script that inserts and then updates a row is two changes', async () => {
    const id = '0199b73d-0000-7000-8000-00000000ab02'
    const now = Date.now()
    other
      .prepare(
        `INSERT INTO sessions (session_id, status, created_at, updated_at, data) VALUES (?, 'idle', ?, ?, '{"agent":"seed"}')`
      )
      .run(id, now, now)
    other.prepare(`UPDATE sessions SET data = json_set(data, '$.title', 't1') WHERE session_id = ?`).run(id)
    const changes = await since()
    expect(changes.map((c) => `${c.event} ${c.doc.title ?? '-'}`)).toEqual(['created -', 'updated t1'])
    // committed now, by the database's clock
    expect(Math.abs(Date.parse(changes[1]!.at) - Date.now())).toBeLessThan(60_000)
  })

  it('documents rebuilt keep their keys in order, and a __proto__ key as data', async () => {
    const s = await sessions.create({ agent: 'k', title: 'dropped later', description: 'd' })
    other
      .prepare(
        `UPDATE sessions SET data = json_set(data, '$.custom_context', json('{"__proto__":{"p":1},"k":1}')) WHERE session_id = ?`
      )
      .run(s.session_id)
    const patched = await sessions.patch(s.session_id, { title: 'P' })
    const replaced = await sessions.update(s.session_id, {
      agent: 'k',
      description: 'd',
      custom_context: { k: 2 }
    })
    const changes = await since()
    expect(changes.map((c) => c.event)).toEqual(['created', 'updated', 'patched', 'updated'])
    expect(JSON.stringify(changes[0]!.doc)).toBe(JSON.stringify(s))
    expect(JSON.stringify(changes[2]!.doc)).toBe(JSON.stringify(patched))
    expect(Object.getPrototypeOf(changes[2]!.doc.custom_context)).toBe(Object.prototype)
    expect(JSON.stringify(changes[3]!.doc)).toBe(JSON.stringify(replaced))
  })
})

describe('a __proto__ key that another tool wrote at the top of a document', () => {
  it('is no field: reads, lists and the feed neither show it nor take it for a prototype', async () => {
    const s = await sessions.create({ agent: 'p', title: 'mine' })
    other
      .prepare(
        `UPDATE sessions SET data = json_set(data, '$.__proto__', json('{"title":"EVIL"}')) WHERE session_id = ?`
      )
      .run(s.session_id)
    const read = await sessions.get(s.session_id)
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype)
    expect(read).toEqual(s)
    const { data: listed } = await sessions.find({
      query: { session_id: s.session_id },
      paginate: { default: 10, max: 10 }
    })
    expect(listed.map((d) => Object.getPrototypeOf(d) === Object.prototype && d.title)).toEqual(['mine'])
    const changes = await since()
    expect(
      changes.map((c) => [c.event, Object.getPrototypeOf(c.doc) === Object.prototype, c.doc.title])
    ).toEqual([
      ['created', true, 'mine'],
      ['updated', true, 'mine']
    ])
  })
})

describe('undo', () => {
  it('takes a merged patch back, keys that were absent, null and arrays included', () => {
    const before = { a: 1, n: { x: 1, y: [1, 2], keep: { k: 1 } }, z: null, gone: 'g' }
    const after = { a: 2, n: { ...before.n, y: [3], added: { q: 1 } }, z: 'set', extra: null }
    const undo = undoOf(before, after)
    expect(applyUndo(after, JSON.parse(JSON.stringify(undo)))).toEqual(before)
    // the document it is applied to is not changed
    expect(after.n.y).toEqual([3])
    expect(undo.some(([path]) => path.join('.') === 'n.keep')).toBe(false)
  })
})

describe('a feed written by the version before (its migration)', () => {
  const row = (id: string, at: number, title: string) =>
    `INSERT INTO sessions (session_id, status, created_at, updated_at, data) VALUES ('${id}', 'idle', ${at}, ${at}, '{"agent":"l","title":"${title}"}')`
  const S1 = '0199b73d-0000-7000-8000-00000000c001'
  const S2 = '0199b73d-0000-7000-8000-00000000c002'

  it('keeps every change with its document: the copies kept, and the rows for the latest', async () => {
    const path = legacyDatabase((db) => {
      db.exec(row(S1, 1000, 'one'))
      db.exec(row(S2, 2000, 'two now'))
      db.exec(`INSERT INTO agor_changes (collection, doc_id, event, at, actor) VALUES
        ('sessions', '${S1}', 'created', 1000, 'library'),
        ('sessions', '${S2}', 'created', 1500, 'library'),
        ('sessions', '${S2}', 'patched', 2000, 'cli')`)
      db.exec(
        `INSERT INTO agor_change_docs (seq, doc) VALUES (2, '{"session_id":"${S2}","status":"idle","created_at":1500,"updated_at":1500,"parent_session_id":null,"forked_from_session_id":null,"data":{"agent":"l","title":"two then"}}')`
      )
    })
    const upgraded = await openStore({ url: `file:${path}` })
    try {
      const old = new Feed(upgraded.database.connection)
      const patched = await upgraded.service('sessions').patch(S2, { title: 'two later' })
      const changes = await old.read({ after: 0, limit: 10, order: 'asc' })
      expect(changes.map((c) => [c.seq, c.id, c.event, c.doc.title])).toEqual([
        [1, S1, 'created', 'one'],
        [2, S2, 'created', 'two then'],
        [3, S2, 'patched', 'two now'],
        [4, S2, 'patched', 'two later']
      ])
      expect(changes[3]!.doc).toEqual(patched)
    } finally {
      await upgraded.close()
    }
  })

  it("a file made by setupDatabase records another tool's writes before any store opens it", async () => {
    const path = join(tempDir(), 'setup.db')
    await setupDatabase(path)
    const db = new Libsql(path)
    const now = Date.now()
    db.prepare(
      `INSERT INTO boards (board_id, created_at, updated_at, data) VALUES ('0199b73d-0000-7000-8000-00000000ab03', ?, ?, '{"name":"b"}')`
    ).run(now, now)
    db.close()
    const opened = await openStore({ url: `file:${path}` })
    try {
      const changes = await new Feed(opened.database.connection).read({ after: 0, limit: 10, order: 'asc' })
      expect(changes.map((c) => `${c.collection} ${c.event} ${c.doc.name}`)).toEqual(['boards created b'])
    } finally {
      await opened.close()
    }
  })

  it('goes on from its last seq when it was pruned empty, and never shows the mark it keeps there', async () => {
    const path = legacyDatabase((db) => db.exec('UPDATE agor_feed SET pruned_through = 500'))
    const upgraded = await openStore({ url: `file:${path}` })
    try {
      const old = new Feed(upgraded.database.connection)
      const made = await upgraded.service('boards').create({ name: 'after' })
      expect(await old.head()).toBe(501)
      const after = await old.read({ after: 500, limit: 10, order: 'asc' })
      expect(after.map((c) => [c.seq, c.id])).toEqual([[501, made.board_id]])
      expect((await old.read({ limit: 10, order: 'desc' })).map((c) => c.seq)).toEqual([501])
      // pruning keeps the newest change: the next seq is never one handed out before
      expect(await old.prune({ keep: 0 })).toBe(1)
      await upgraded.service('boards').create({ name: 'next' })
      expect(await old.head()).toBe(502)
    } finally {
      await upgraded.close()
    }
  })
})
