// No session its own ancestor, whatever writes the link: a patch, an update, a create (one or
// several), an import, a statement of another tool. And a loop that a database from before these
// checks holds is reported by `agor db check`, stays writable, and can be broken.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANCESTOR_LOOP } from '../src/store/ancestor-loops.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { exportDocuments } from '../src/store/export.js'
import { syncStoreTriggers } from '../src/store/feed-triggers.js'
import { importDocuments } from '../src/store/import.js'
import { agor } from './cli-helpers.js'
import { legacyDatabase, tempDbUrl, tempDir } from './helpers.js'
import { useSqld } from './sqld-helpers.js'

const COLUMNS = ['parent_session_id', 'forked_from_session_id'] as const
type Column = (typeof COLUMNS)[number]

let store: Database
beforeAll(async () => {
  store = await openDatabase({ url: tempDbUrl() })
})
afterAll(() => store.close())

const sessions = () => store.collection('sessions')
const refusal = (column: Column, target: string) => ({
  code: 400,
  name: 'BadRequest',
  message: `${column} ${target} would make a session its own ancestor`
})

/** The links of `ids` as stored. */
async function linksOf(column: Column, ...ids: string[]): Promise<(string | null)[]> {
  return Promise.all(ids.map(async (id) => (await sessions().get(id))[column] ?? null))
}

/** A chain a ← b ← c through `column`: b points at a, c at b. */
async function chain(column: Column): Promise<[string, string, string]> {
  const a = await sessions().create({ agent: 'x', title: 'a' })
  const b = await sessions().create({ agent: 'x', title: 'b', [column]: a.session_id })
  const c = await sessions().create({ agent: 'x', title: 'c', [column]: b.session_id })
  return [a.session_id, b.session_id, c.session_id]
}

/** a ← b through `column` written to `db`, and its export with the links turned around. */
async function turnedAround(db: Database, column: Column, b: 'under a' | 'in a loop') {
  const a = await db.collection('sessions').create({ agent: 'x', title: 'a' })
  const bId = (await db.collection('sessions').create({ agent: 'x', title: 'b', [column]: a.session_id }))
    .session_id
  const dir = join(tempDir(), 'export')
  await exportDocuments(db, dir)
  const file = join(dir, 'sessions.jsonl')
  const docs = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line))
  const [lineA, lineB] = [a.session_id, bId].map((id) => docs.findIndex((doc) => doc.session_id === id))
  // a's line comes first: written first, it puts a under b while b is still under a
  expect(0 <= lineA! && lineA! < lineB!).toBe(true)
  docs[lineA!][column] = bId
  docs[lineB!][column] = b === 'in a loop' ? a.session_id : null
  writeFileSync(file, `${docs.map((doc) => JSON.stringify(doc)).join('\n')}\n`)
  const links = async () =>
    Promise.all(
      [a.session_id, bId].map(async (id) => (await db.collection('sessions').get(id))[column] ?? null)
    )
  return { dir, a: a.session_id, b: bId, links }
}

describe.each(COLUMNS)('a write that would close a loop through %s', (column) => {
  it('is a 400 naming the link when a session would be its own parent, and nothing is written', async () => {
    const s = await sessions().create({ agent: 'x', title: 'self' })
    await expect(sessions().patch(s.session_id, { [column]: s.session_id })).rejects.toMatchObject(
      refusal(column, s.session_id)
    )
    await expect(
      sessions().update(s.session_id, { agent: 'x', [column]: s.session_id })
    ).rejects.toMatchObject(refusal(column, s.session_id))
    expect(await linksOf(column, s.session_id)).toEqual([null])
    expect((await sessions().get(s.session_id)).updated_at).toBe(s.updated_at)
  })

  it('is a 400 for a loop of three, by patch and by update; a link elsewhere is fine', async () => {
    const [a, b, c] = await chain(column)
    await expect(sessions().patch(a, { [column]: c })).rejects.toMatchObject(refusal(column, c))
    await expect(sessions().update(a, { agent: 'x', title: 'a', [column]: c })).rejects.toMatchObject(
      refusal(column, c)
    )
    // b under c: c is below b
    await expect(sessions().patch(b, { [column]: c })).rejects.toMatchObject(refusal(column, c))
    expect(await linksOf(column, a, b, c)).toEqual([null, a, b])
    // the chain can still move: c straight under a, then a under another root
    const root = await sessions().create({ agent: 'x', title: 'root' })
    await sessions().patch(c, { [column]: a })
    await sessions().patch(a, { [column]: root.session_id })
    expect(await linksOf(column, a, b, c)).toEqual([root.session_id, a, a])
  })

  it('is a 400 on create: a session naming itself, several naming each other in a ring', async () => {
    const [x, y] = ['0199b73d-0000-7000-8000-00000000f001', '0199b73d-0000-7000-8000-00000000f002']
    await expect(sessions().create({ session_id: x, agent: 'x', [column]: x })).rejects.toMatchObject(
      refusal(column, x)
    )
    // x is written first, pointing at y which is not there yet; y then closes the ring
    await expect(
      sessions().create([
        { session_id: x, agent: 'x', [column]: y },
        { session_id: y, agent: 'x', [column]: x }
      ])
    ).rejects.toMatchObject(refusal(column, y))
    expect(await sessions().find({ query: { session_id: { $in: [x, y] } } })).toEqual([])
  })

  it('is refused to another tool writing the table, with the trigger’s words', async () => {
    const [a, , c] = await chain(column)
    await expect(
      store.connection.execute({
        sql: `UPDATE sessions SET ${column} = ? WHERE session_id = ?`,
        args: [c, a]
      })
    ).rejects.toThrow(ANCESTOR_LOOP)
    expect(await linksOf(column, a)).toEqual([null])
  })
})

describe('loops held from before the triggers', () => {
  it('an older database with loops: migrated, reported by db check, writable, and mended', async () => {
    const [a, b, c] = [1, 2, 3].map((n) => `0199b73d-0000-7000-8000-00000000e00${n}`) as [
      string,
      string,
      string
    ]
    const path = legacyDatabase((db) => {
      db.exec(`INSERT INTO sessions (session_id, status, created_at, updated_at, data) VALUES
        ('${a}', 'idle', 1000, 1000, '{"agent":"x","title":"a"}'),
        ('${b}', 'idle', 2000, 2000, '{"agent":"x","title":"b"}'),
        ('${c}', 'idle', 3000, 3000, '{"agent":"x","title":"c"}')`)
      // a and b each other's parent (the race of two processes), c below them and its own origin
      db.exec(`UPDATE sessions SET parent_session_id = '${b}' WHERE session_id = '${a}'`)
      db.exec(`UPDATE sessions SET parent_session_id = '${a}' WHERE session_id = '${b}'`)
      db.exec(`UPDATE sessions SET parent_session_id = '${a}' WHERE session_id = '${c}'`)
      db.exec(`UPDATE sessions SET forked_from_session_id = '${c}' WHERE session_id = '${c}'`)
    })
    const db = ['--db', path]
    expect((await agor(['db', 'migrate', ...db])).code).toBe(0)
    const check = await agor(['db', 'check', ...db])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain(
      `2 sessions are their own ancestors through parent_session_id (${a}, ${b})`
    )
    expect(check.stdout).toContain(`1 session is its own ancestor through forked_from_session_id (${c})`)
    for (const column of COLUMNS)
      expect(check.stdout).toContain(`agor session update <id> --data '{"${column}":null}'`)

    const old = await openDatabase({ url: `file:${path}` })
    try {
      const oldSessions = old.collection('sessions')
      // the loops stay writable; a link into one that does not close another is fine
      await oldSessions.patch(a, { title: 'a again' })
      await oldSessions.patch(c, { parent_session_id: b })
      await expect(oldSessions.patch(b, { parent_session_id: c })).rejects.toMatchObject(
        refusal('parent_session_id', c)
      )
      await oldSessions.patch(b, { parent_session_id: null })
      await oldSessions.patch(c, { forked_from_session_id: null })
      expect(
        await Promise.all([a, b, c].map(async (id) => (await oldSessions.get(id)).parent_session_id ?? null))
      ).toEqual([b, null, b])
    } finally {
      old.close()
    }
    const mended = await agor(['db', 'check', ...db])
    expect(mended.stdout).toContain('No problems found')
    expect(mended.code).toBe(0)
  })

  it('an export holding a loop is refused by an import, which names the link and writes nothing', async () => {
    const [a, b] = await chain('forked_from_session_id')
    await store.connection.batch(
      [
        'DROP TRIGGER agor_no_loop_sessions_forked_from_session_id_update',
        { sql: 'UPDATE sessions SET forked_from_session_id = ? WHERE session_id = ?', args: [b, a] }
      ],
      'write'
    )
    const dir = join(tempDir(), 'export')
    try {
      await exportDocuments(store, dir)
    } finally {
      await syncStoreTriggers(store.connection)
    }
    const copy = await openDatabase({ url: tempDbUrl('copy.db') })
    try {
      await expect(importDocuments(copy, dir)).rejects.toMatchObject({
        code: 400,
        message: expect.stringMatching(
          new RegExp(
            `^sessions\\.jsonl: session (${a}: forked_from_session_id ${b}|${b}: forked_from_session_id ${a}) would make a session its own ancestor$`
          )
        )
      })
      expect(await copy.collection('sessions').find()).toEqual([])
    } finally {
      copy.close()
    }
  })
})

describe('an import that replaces documents', () => {
  it.each(COLUMNS)(
    'may pass through a loop through %s on its way to links that hold none',
    async (column) => {
      const db = await openDatabase({ url: tempDbUrl('replaced.db') })
      const { dir, a, b, links } = await turnedAround(db, column, 'under a')
      try {
        await expect(importDocuments(db, dir, { onConflict: 'replace' })).resolves.toMatchObject({
          replaced: { sessions: 2 }
        })
        expect(await links()).toEqual([b, null])
        // the triggers are back: a write closing a loop is refused again
        await expect(db.collection('sessions').patch(b, { [column]: a })).rejects.toMatchObject(
          refusal(column, a)
        )
      } finally {
        db.close()
      }
    }
  )

  it.each(COLUMNS)(
    'is refused when its links through %s end in a loop, and writes nothing',
    async (column) => {
      const db = await openDatabase({ url: tempDbUrl('replaced.db') })
      const { dir, a, b, links } = await turnedAround(db, column, 'in a loop')
      try {
        await expect(importDocuments(db, dir, { onConflict: 'replace' })).rejects.toMatchObject({
          code: 400,
          message: `sessions.jsonl: session ${a}: ${column} ${b} would make a session its own ancestor`
        })
        expect(await links()).toEqual([null, a])
        await expect(db.collection('sessions').patch(b, { [column]: b })).rejects.toMatchObject(
          refusal(column, b)
        )
      } finally {
        db.close()
      }
    }
  )
})

describe('an import into a database holding a loop from before', () => {
  const parent = 'parent_session_id'
  let db: Database
  let dir: string
  let ids: string[]
  beforeAll(async () => {
    db = await openDatabase({ url: tempDbUrl('old-loops.db') })
    ids = []
    for (const title of ['a', 'b', 'c', 'd'])
      ids.push((await db.collection('sessions').create({ agent: 'x', title })).session_id)
    const [a, b, c, d] = ids
    // two loops, a ↔ b and c ↔ d, as a version before the triggers could leave them
    const set = (id: string | undefined, link: string | undefined) => ({
      sql: 'UPDATE sessions SET parent_session_id = ? WHERE session_id = ?',
      args: [link!, id!]
    })
    await db.connection.batch(
      [`DROP TRIGGER agor_no_loop_sessions_${parent}_update`, set(a, b), set(b, a), set(c, d), set(d, c)],
      'write'
    )
    await syncStoreTriggers(db.connection)
    dir = join(tempDir(), 'export')
    await exportDocuments(db, dir)
  })
  afterAll(() => db.close())

  /** The export with the links of `changed` set as given, and only the lines of `only` if given. */
  function exported(changed: Record<string, string | null>, only?: string[]): string {
    const docs = readFileSync(join(dir, 'sessions.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((doc) => !only || only.includes(doc.session_id))
    for (const doc of docs) if (Object.hasOwn(changed, doc.session_id)) doc[parent] = changed[doc.session_id]
    const to = join(tempDir(), 'edited')
    mkdirSync(to, { recursive: true })
    writeFileSync(join(to, 'sessions.jsonl'), `${docs.map((doc) => JSON.stringify(doc)).join('\n')}\n`)
    return to
  }
  const links = () => Promise.all(ids.map(async (id) => (await db.collection('sessions').get(id))[parent]))

  it('may leave those loops as they were', async () => {
    await expect(importDocuments(db, dir, { onConflict: 'replace' })).resolves.toMatchObject({
      replaced: { sessions: 4 }
    })
    const [a, b, c, d] = ids
    expect(await links()).toEqual([b, a, d, c])
  })

  it('is refused when it relinks them into other loops, naming a document it wrote', async () => {
    const [a, b, c, d] = ids as [string, string, string, string]
    const loops = [{ [a]: a }, { [a]: c, [c]: a, [b]: d, [d]: b }]
    for (const changed of loops) {
      const first = Object.keys(changed).sort()[0]!
      await expect(importDocuments(db, exported(changed), { onConflict: 'replace' })).rejects.toMatchObject({
        code: 400,
        message: `sessions.jsonl: session ${first}: ${parent} ${changed[first]} would make a session its own ancestor`
      })
      expect(await links()).toEqual([b, a, d, c])
    }
  })

  it('names a document of its file, not one only stored on the loop it makes', async () => {
    const [a, b, c, d] = ids as [string, string, string, string]
    // d under nothing, c under d: then a file of d alone, under c, closes c ↔ d again
    await importDocuments(db, exported({ [d]: null }, [d]), { onConflict: 'replace' })
    await expect(
      importDocuments(db, exported({ [d]: c }, [d]), { onConflict: 'replace' })
    ).rejects.toMatchObject({
      message: `sessions.jsonl: session ${d}: ${parent} ${c} would make a session its own ancestor`
    })
    expect(await links()).toEqual([b, a, d, null])
  })
})

describe('on a libSQL server', () => {
  const sqld = useSqld()

  it('refuses a loop with the same 400, from a remote store and from a replica whose copy is behind', async () => {
    const remote = await sqld.open()
    const onServer = remote.service('sessions')
    const a = await onServer.create({ agent: 'x', title: 'remote a' })
    const b = await onServer.create({ agent: 'x', title: 'remote b' })
    const replica = await sqld.replica()
    // b under a, written after the replica's copy was taken: the replica does not see it
    await onServer.patch(b.session_id, { parent_session_id: a.session_id })
    expect((await replica.service('sessions').get(b.session_id)).parent_session_id ?? null).toBeNull()

    const refused = refusal('parent_session_id', b.session_id)
    await expect(onServer.patch(a.session_id, { parent_session_id: b.session_id })).rejects.toMatchObject(
      refused
    )
    await expect(
      replica.service('sessions').patch(a.session_id, { parent_session_id: b.session_id })
    ).rejects.toMatchObject(refused)
    await expect(
      remote.database.connection.execute({
        sql: 'UPDATE sessions SET parent_session_id = ? WHERE session_id = ?',
        args: [b.session_id, a.session_id]
      })
    ).rejects.toThrow(ANCESTOR_LOOP)
    expect((await onServer.get(a.session_id)).parent_session_id ?? null).toBeNull()
    expect((await onServer.get(b.session_id)).parent_session_id).toBe(a.session_id)
  })

  it('lets an import replacing documents pass through a loop, and refuses a loop after it', async () => {
    const remote = await sqld.open()
    const { dir, a, b, links } = await turnedAround(remote.database, 'parent_session_id', 'under a')
    await importDocuments(remote.database, dir, { onConflict: 'replace' })
    expect(await links()).toEqual([b, null])
    await expect(remote.service('sessions').patch(b, { parent_session_id: a })).rejects.toMatchObject(
      refusal('parent_session_id', a)
    )
  })
})
