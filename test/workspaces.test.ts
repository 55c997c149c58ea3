import { BadRequest } from '@feathersjs/errors'
import { createClient } from '@libsql/client'
import Libsql from 'libsql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AmbiguousIdError, DocumentNotFoundError, MissingReferenceError } from '../src/errors.js'
import { collections } from '../src/schema/index.js'
import { Collection } from '../src/store/collection.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { tempDbUrl } from './helpers.js'

let db: Database
let url: string
/** Ids that share their first 10 hex digits, given to two workspaces in turn. */
const shared = (n: number) =>
  `0199b73d-b5${n.toString(16).padStart(2, '0')}-7000-8000-${n.toString(16).padStart(12, '0')}`
const ONE = Array.from({ length: 6 }, (_, i) => shared(2 * i))
const TWO = Array.from({ length: 6 }, (_, i) => shared(2 * i + 1))

beforeAll(async () => {
  url = tempDbUrl()
  db = await openDatabase({ url })
  await db
    .workspace('one')
    .collection('sessions')
    .create(ONE.map((session_id, i) => ({ session_id, agent: `one ${i}` })))
  await db
    .workspace('two')
    .collection('sessions')
    .create(TWO.map((session_id, i) => ({ session_id, agent: `two ${i}` })))
})
afterAll(() => db.close())

const sessions = (workspace: string) => db.workspace(workspace).collection('sessions')
const rowOf = async (id: string) =>
  (
    await db.connection.execute({
      sql: 'SELECT workspace, data FROM sessions WHERE session_id = ?',
      args: [id]
    })
  ).rows[0]

describe('documents in workspaces', () => {
  it('are written into the workspace of their collection, and each workspace finds only its own', async () => {
    expect((await rowOf(ONE[0]!))?.workspace).toBe('one')
    expect((await rowOf(TWO[0]!))?.workspace).toBe('two')
    const found = await sessions('one').find({ query: { $limit: 100 }, paginate: { default: 10 } })
    expect(found.total).toBe(6)
    expect(found.data.map((s) => s.session_id).sort()).toEqual([...ONE].sort())
    expect((await sessions('default').find({ query: {}, paginate: { default: 10 } })).total).toBe(0)
  })

  it('resolve whole ids and prefixes within the workspace: another’s id is not found', async () => {
    expect((await sessions('one').get(ONE[1]!)).agent).toBe('one 1')
    await expect(sessions('one').get(TWO[1]!)).rejects.toThrow(DocumentNotFoundError)
    await expect(sessions('default').get(TWO[1]!)).rejects.toThrow(DocumentNotFoundError)
    // a 12-digit prefix that names one document in each workspace is unique in each
    expect((await sessions('one').get(ONE[2]!.slice(0, 13))).session_id).toBe(ONE[2])
    expect((await sessions('two').get(TWO[2]!.slice(0, 13))).session_id).toBe(TWO[2])
  })

  it('list only the workspace’s own documents as candidates of an ambiguous prefix', async () => {
    const error = await sessions('two')
      .get('0199b73db5')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AmbiguousIdError)
    const candidates = (error as AmbiguousIdError).data.candidates as { id: string }[]
    expect(candidates.map((c) => c.id).sort()).toEqual([...TWO].sort())
    expect(JSON.stringify(error)).not.toContain(ONE[0]!.slice(9))
  })

  it('give short ids unique within the workspace', async () => {
    // alone in their workspace, ids that share 10 digits with another workspace's are 8 digits long...
    const alone = db.workspace('alone').collection('sessions')
    const [doc] = await alone.create([{ session_id: shared(0x40), agent: 'alone' }])
    expect(await alone.shortId(doc!.session_id)).toBe('0199b73d')
    // ...and among their own they are as long as it takes
    const shorts = await sessions('one').shortIds(ONE)
    for (const [i, short] of shorts.entries()) {
      expect(ONE[i]!.startsWith(short)).toBe(true)
      expect(await sessions('one').get(short)).toMatchObject({ session_id: ONE[i] })
    }
  })

  it('patch, update and remove within the workspace only, and leave the other’s documents alone', async () => {
    await expect(sessions('one').patch(TWO[3]!, { title: 'taken' })).rejects.toThrow(DocumentNotFoundError)
    await expect(sessions('one').update(TWO[3]!, { agent: 'taken' })).rejects.toThrow(DocumentNotFoundError)
    await expect(sessions('one').remove(TWO[3]!)).rejects.toThrow(DocumentNotFoundError)
    // a multi patch and a multi remove match the workspace's documents only
    const patched = await sessions('one').patch(null, { title: 'all of one' }, { query: {} })
    expect(patched).toHaveLength(6)
    expect(JSON.parse(String((await rowOf(TWO[3]!))?.data))).toEqual({ agent: 'two 3' })
    await sessions('one').remove(null, { query: { agent: 'one 5' } })
    expect(await rowOf(ONE[5]!)).toBeUndefined()
    expect(await rowOf(TWO[5]!)).toBeDefined()
  })

  it('refuse a relation to another workspace’s document as they refuse an unknown one', async () => {
    const tasks = db.workspace('one').collection('tasks')
    for (const session of [TWO[0]!, TWO[0]!.slice(0, 13)]) {
      const error = await tasks.create({ session_id: session, description: 'cross' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(MissingReferenceError)
    }
    const unknown = await tasks
      .create({ session_id: '0199b73d-ffff-7000-8000-000000000000', description: 'x' })
      .catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(MissingReferenceError)
    const { rows } = await db.connection.execute("SELECT count(*) AS n FROM tasks WHERE workspace = 'one'")
    expect(rows[0]?.n).toBe(0)
    // the same task in the session's own workspace is fine
    await db.workspace('two').collection('tasks').create({ session_id: TWO[0]!, description: 'same' })
  })

  it('refuse an id that another workspace holds, naming only the id the caller gave', async () => {
    const error = await sessions('one')
      .create({ session_id: TWO[4]!, agent: 'taken' })
      .catch((e: unknown) => e)
    expect(String((error as Error).message)).toBe(`A session with session_id "${TWO[4]}" already exists`)
    expect(JSON.parse(String((await rowOf(TWO[4]!))?.data))).toEqual({ agent: 'two 4' })
  })

  it('keep unique keys per workspace', async () => {
    await db.workspace('one').collection('repos').create({ slug: 'org/same', name: 'one' })
    await db.workspace('two').collection('repos').create({ slug: 'org/same', name: 'two' })
    await expect(
      db.workspace('one').collection('repos').create({ slug: 'org/same', name: 'again' })
    ).rejects.toThrow('A repo with slug "org/same" already exists')
  })

  it('record the workspace of every change, the store’s own and another tool’s', async () => {
    await db.connection.execute(
      "INSERT INTO boards (board_id, created_at, updated_at, data, workspace) VALUES ('0199b73d-0000-7000-8000-0000000000aa', 1, 1, '{\"name\":\"raw\"}', 'two')"
    )
    const { rows } = await db.connection.execute({
      sql: "SELECT doc_id, workspace FROM agor_changes WHERE doc_id IN (?, ?, '0199b73d-0000-7000-8000-0000000000aa') ORDER BY seq",
      args: [ONE[0]!, TWO[0]!]
    })
    expect(rows.map((r) => [r.doc_id, r.workspace])).toEqual(
      expect.arrayContaining([
        [ONE[0], 'one'],
        [TWO[0], 'two'],
        ['0199b73d-0000-7000-8000-0000000000aa', 'two']
      ])
    )
  })

  it('never show a `workspace` key that another tool wrote into data, nor write it back', async () => {
    const defaults = db.collection('sessions')
    const made = await defaults.create({ agent: 'foreign', title: 'before' })
    const tool = new Libsql(url.slice('file:'.length), { timeout: 5000 })
    try {
      tool
        .prepare(
          `UPDATE sessions SET data = json_set(data, '$.workspace', 'acme', '$.newer', 1) WHERE session_id = ?`
        )
        .run(made.session_id)
    } finally {
      tool.close()
    }
    const fields = (doc: Record<string, unknown>) => [doc.workspace, doc.newer, doc.title]
    expect(fields(await defaults.get(made.session_id))).toEqual([undefined, 1, 'before'])
    const [found] = await defaults.find({ query: { agent: 'foreign' }, paginate: false })
    expect(fields(found!)).toEqual([undefined, 1, 'before'])
    const patched = await defaults.patch(made.session_id, { title: 'after' })
    expect(fields(patched)).toEqual([undefined, 1, 'after'])
    const row = await rowOf(made.session_id)
    expect(row?.workspace).toBe('default')
    expect(JSON.parse(String(row?.data))).toEqual({ agent: 'foreign', title: 'after', newer: 1 })
    // an import of a document that names a workspace writes it into the importing one, as data never
    const imported = { ...made, session_id: shared(200), workspace: 'acme' }
    await defaults.insertDocuments([imported])
    expect((await rowOf(shared(200)))?.workspace).toBe('default')
    expect(JSON.parse(String((await rowOf(shared(200)))?.data))).toEqual({
      agent: 'foreign',
      title: 'before'
    })
    expect(Object.hasOwn(await defaults.get(shared(200)), 'workspace')).toBe(false)
  })

  it('count the whole of a workspace right, alone in its table or not', async () => {
    const fresh = await openDatabase({ url: tempDbUrl() })
    try {
      const total = async (workspace: string) =>
        (
          await fresh
            .workspace(workspace)
            .collection('boards')
            .find({ query: {}, paginate: { default: 5 } })
        ).total
      await fresh.collection('boards').create([{ name: 'a' }, { name: 'b' }, { name: 'c' }])
      expect(await total('default')).toBe(3)
      expect(await total('x')).toBe(0)
      await fresh
        .workspace('x')
        .collection('boards')
        .create([{ name: 'd' }, { name: 'e' }])
      expect(await total('default')).toBe(3)
      expect(await total('x')).toBe(2)
      // a workspace that sorts before the other
      await fresh.workspace('a').collection('boards').create({ name: 'f' })
      expect([await total('default'), await total('x'), await total('a')]).toEqual([3, 2, 1])
      await fresh.workspace('x').collection('boards').remove(null, { query: {} })
      await fresh.workspace('a').collection('boards').remove(null, { query: {} })
      expect(await total('default')).toBe(3)
    } finally {
      fresh.close()
    }
  })

  it('refuse a workspace name outside the rule, as the services do', () => {
    for (const name of ["it's; --", "$' OR 1=1 --", 'a\0b', '', 'Upper', 'x'.repeat(64)]) {
      expect(() => db.workspace(name)).toThrow(BadRequest)
    }
  })

  it('keep a workspace name data in SQL, whatever it holds (quotes, replacement patterns)', async () => {
    for (const name of ["it's; --", "$' OR 1=1 --", 'a$`', 'a$&']) {
      // below the name rule: a collection of any workspace, as the layer's own code makes them
      const quoted = new Collection(db.connection, collections.sessions, name)
      const [made] = await quoted.create([{ agent: `quoted ${name}` }])
      const id = made!.session_id
      expect((await rowOf(id))?.workspace).toBe(name)
      expect((await quoted.get(id)).agent).toBe(`quoted ${name}`)
      expect((await quoted.get(id.slice(0, 13))).session_id).toBe(id)
      await expect(sessions('one').get(id)).rejects.toThrow(DocumentNotFoundError)
      await expect(quoted.get(ONE[0]!)).rejects.toThrow(DocumentNotFoundError)
      await expect(quoted.get(ONE[0]!.slice(0, 8))).rejects.toThrow(DocumentNotFoundError)
    }
    expect(() => new Collection(db.connection, collections.sessions, 'a\0b')).toThrow(/NUL/)
  })

  it('resolve prefixes by the primary key, not by an index of the workspace', async () => {
    // EXPLAIN keeps an old read snapshot on its connection: run it on a client of its own
    const client = createClient({ url })
    try {
      const { rows } = await client.execute(
        'EXPLAIN QUERY PLAN SELECT session_id FROM sessions WHERE session_id >= ? AND session_id < ? AND +workspace = ? LIMIT 2',
        ['a', 'b', 'one']
      )
      expect(rows.map((r) => r.detail).join('\n')).toMatch(
        /sqlite_autoindex_sessions_1 \(session_id>\? AND session_id<\?\)/
      )
    } finally {
      client.close()
    }
  })
})
