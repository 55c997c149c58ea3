import { BadRequest } from '@feathersjs/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AmbiguousIdError,
  DocumentNotFoundError,
  MissingReferenceError,
  UniqueViolationError,
  ValidationError
} from '../src/errors.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { tempDbUrl } from './helpers.js'

let store: Database
beforeAll(async () => {
  store = await openDatabase({ url: tempDbUrl() })
})
afterAll(() => store.close())

const sessions = () => store.collection('sessions')
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

/** The row as stored, read with plain SQL. */
async function stored(table: string, idField: string, id: string) {
  const { rows } = await store.connection.execute({
    sql: `SELECT * FROM ${table} WHERE ${idField} = ?`,
    args: [id]
  })
  const row = rows[0]
  return row
    ? ({ ...row, data: JSON.parse(String(row.data)) } as Record<string, unknown> & {
        data: Record<string, unknown>
      })
    : undefined
}

describe('create', () => {
  it('writes the flat document: columns for id, status, timestamps; data for the rest', async () => {
    const doc = await sessions().create({ agent: 'claude-code', title: 'Fix login', repo: { cwd: '/src' } })
    expect(doc).toMatchObject({
      status: 'idle',
      agent: 'claude-code',
      title: 'Fix login',
      repo: { cwd: '/src' }
    })
    expect(doc.created_at).toMatch(ISO)
    expect(doc.updated_at).toBe(doc.created_at)
    const row = await stored('sessions', 'session_id', doc.session_id)
    expect(row).toMatchObject({
      status: 'idle',
      created_at: Date.parse(doc.created_at),
      updated_at: Date.parse(doc.created_at),
      parent_session_id: null,
      data: { agent: 'claude-code', title: 'Fix login', repo: { cwd: '/src' } }
    })
    expect(await sessions().get(doc.session_id)).toEqual(doc)
  })

  it('returns what a read returns, sharing no object with its input or with another document', async () => {
    // a hole, -0 and an undefined field: JSON.stringify writes null, 0 and nothing
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const list = [1, , 3]
    const custom_context = { nested: { list, zero: -0, gone: undefined }, tags: ['a'] }
    const input = { agent: 'claude-code', custom_context }
    const [a, b] = await sessions().create([input, input])
    for (const doc of [a!, b!]) {
      const read = await sessions().get(doc.session_id)
      expect(JSON.stringify(doc)).toBe(JSON.stringify(read))
      expect(Object.is((doc.custom_context as { nested: { zero: number } }).nested.zero, 0)).toBe(true)
      expect((doc.custom_context as { nested: { list: unknown[] } }).nested.list).toEqual([1, null, 3])
    }
    custom_context.nested.list.push(4)
    custom_context.tags.push('b')
    ;(a!.custom_context as { tags: string[] }).tags.push('c')
    expect(b!.custom_context).toEqual({ nested: { list: [1, null, 3], zero: 0 }, tags: ['a'] })
    const row = await stored('sessions', 'session_id', a!.session_id)
    expect(row!.data.custom_context).toEqual({ nested: { list: [1, null, 3], zero: 0 }, tags: ['a'] })
  })

  it('refuses text a column cannot hold (a NUL, a lone surrogate), keeping it exactly in data', async () => {
    const repos = store.collection('repos')
    for (const slug of ['org/a\0b', 'org/\ud800x', 'org/x\udc00']) {
      const error = await repos.create({ slug, name: 'n' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).message).toContain('slug')
    }
    const { rows } = await store.connection.execute("SELECT count(*) AS n FROM repos WHERE slug LIKE 'org/%'")
    expect(Number(rows[0]!.n)).toBe(0)
    const repo = await repos.create({ slug: 'org/fine', name: 'a\0b \ud800' })
    await expect(repos.patch(repo.repo_id, { slug: 'org/a\0c' })).rejects.toBeInstanceOf(ValidationError)
    const read = await repos.get(repo.repo_id)
    expect(read.slug).toBe('org/fine')
    expect(read.name).toBe('a\0b \ud800')
  })

  it('writes an array atomically: one invalid item and nothing is stored', async () => {
    const before = (await sessions().find({ query: { $limit: 0 }, paginate: {} })).total
    const error = await sessions()
      .create([{ agent: 'a' }, { agent: 'b' }, { agent: '' }, { agent: 'd' }])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((await sessions().find({ query: { $limit: 0 }, paginate: {} })).total).toBe(before)
    const made = await sessions().create([{ agent: 'a' }, { agent: 'b' }])
    expect((await sessions().find({ query: { $limit: 0 }, paginate: {} })).total).toBe(before + 2)
    expect(made[0]!.session_id < made[1]!.session_id).toBe(true)
  })

  it('validates the whole document and names every issue by its path', async () => {
    const error = (await sessions()
      .create({ agent: 5, status: 'sleeping', repo: { cwd: 1, typo: true }, colour: 'red' } as never)
      .catch((e: unknown) => e)) as ValidationError
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.code).toBe(400)
    const paths = error.data.issues.map((i: { path: string[] }) => i.path.join('.')).sort()
    expect(paths).toEqual(['agent', 'colour', 'repo.cwd', 'repo.typo', 'status'])
    expect(error.message).toMatch(/colour: Unknown field/)
  })

  it('takes a given canonical UUIDv7, refuses a malformed one, another version and a duplicate', async () => {
    const id = '0199b73d-b52e-7ed1-b028-277d6ad08cef'
    expect((await sessions().create({ session_id: id, agent: 'x' })).session_id).toBe(id)
    for (const bad of [
      'abc',
      '0199B73D-B52E-7ED1-B028-277D6AD08CE0',
      '550e8400-e29b-41d4-a716-446655440000',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '0199b73d-b52e-7ed1-7028-277d6ad08cef'
    ]) {
      await expect(sessions().create({ session_id: bad, agent: 'x' })).rejects.toMatchObject({
        code: 400,
        message: 'session_id must be a UUIDv7 in canonical form'
      })
      if (bad !== 'abc') await expect(sessions().get(bad)).rejects.toMatchObject({ code: 404 })
    }
    await expect(sessions().create({ session_id: id, agent: 'y' })).rejects.toThrow(UniqueViolationError)
    expect((await sessions().get(id)).agent).toBe('x')
  })

  it('ignores given timestamps: the store sets them', async () => {
    const doc = await sessions().create({ agent: 'x', created_at: '2000-01-01T00:00:00.000Z' } as never)
    expect(Date.parse(doc.created_at)).toBeGreaterThan(Date.parse('2020-01-01'))
  })

  it('resolves a short id in a relation field and refuses a missing or ambiguous one', async () => {
    const session = await sessions().create({ agent: 'x' })
    const short = await store.shortId('sessions', session.session_id)
    const task = await store.collection('tasks').create({ session_id: short, description: 'do it' })
    expect(task.session_id).toBe(session.session_id)
    expect((await stored('tasks', 'task_id', task.task_id))?.session_id).toBe(session.session_id)
    const missing = 'ffffffff-ffff-7fff-bfff-ffffffffffff'
    await expect(store.collection('tasks').create({ session_id: missing })).rejects.toThrow(
      MissingReferenceError
    )
    // an unknown prefix is refused as an unknown whole id is
    await expect(store.collection('tasks').create({ session_id: 'ffffffff' })).rejects.toThrow(
      new MissingReferenceError('session_id', 'session', 'ffffffff')
    )
    expect(await store.collection('tasks').find({ query: { session_id: 'ffffffff' } })).toEqual([])
    await expect(
      store.collection('tasks').create({ session_id: session.session_id.slice(0, 4) })
    ).rejects.toThrow(AmbiguousIdError)
  })

  it('refuses a second repo with the same slug, in the same array or later', async () => {
    const repos = store.collection('repos')
    await repos.create({ slug: 'org/one', name: 'One' })
    await expect(repos.create({ slug: 'org/one' })).rejects.toThrow(UniqueViolationError)
    await expect(repos.create({ slug: 'org/one' })).rejects.toThrow(
      'A repo with slug "org/one" already exists'
    )
    await expect(repos.create([{ slug: 'org/two' }, { slug: 'org/two' }])).rejects.toThrow(/org\/two/)
    expect(await repos.find({ query: { slug: 'org/two' } })).toEqual([])
  })
})

describe('timestamps in documents', () => {
  it("are kept as UTC with milliseconds, so that their order and ranges are the instants'", async () => {
    const tasks = store.collection('tasks')
    const session = await sessions().create({ agent: 'clock' })
    const given = ['2026-01-01T00:30:00+01:00', '2026-01-01T00:00:00Z', '2025-12-31T23:45:00.000Z']
    const made = await tasks.create(
      given.map((started_at) => ({ session_id: session.session_id, started_at }))
    )
    expect(made.map((t) => t.started_at)).toEqual([
      '2025-12-31T23:30:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2025-12-31T23:45:00.000Z'
    ])
    const row = await stored('tasks', 'task_id', made[0]!.task_id)
    expect(row!.data.started_at).toBe('2025-12-31T23:30:00.000Z')
    const query = { session_id: session.session_id, $sort: { started_at: 1 } }
    const sorted = await tasks.find({ query })
    expect(sorted.map((t) => t.task_id)).toEqual([made[0]!.task_id, made[2]!.task_id, made[1]!.task_id])
    const before = await tasks.find({ query: { ...query, started_at: { $lt: '2025-12-31T23:50:00.000Z' } } })
    expect(before).toHaveLength(2)
    // a condition's instant in another form means the same instant
    const sameInstant = await tasks.find({ query: { ...query, started_at: '2026-01-01T00:30:00.000+01:00' } })
    expect(sameInstant.map((t) => t.task_id)).toEqual([made[0]!.task_id])
    const after = await tasks.find({ query: { ...query, started_at: { $gt: '2026-01-01T00:40:00+01:00' } } })
    expect(after.map((t) => t.task_id)).toEqual([made[2]!.task_id, made[1]!.task_id])
    // nested, on patch, and as the answer and a read give it
    const patched = await tasks.patch(made[1]!.task_id, {
      message_range: { start: 0, end: 1, start_timestamp: '2026-01-01T02:00:00.5+02:00' }
    })
    expect(patched.message_range).toMatchObject({ start_timestamp: '2026-01-01T00:00:00.500Z' })
    expect(JSON.stringify(await tasks.get(patched.task_id))).toBe(JSON.stringify(patched))
    // text no timestamp field takes is refused as before, not made valid
    for (const started_at of ['2026-01-01T00:00Z', '2026-02-30T00:00:00Z', 'yesterday']) {
      await expect(tasks.patch(made[1]!.task_id, { started_at })).rejects.toBeInstanceOf(ValidationError)
    }
    expect((await tasks.get(made[1]!.task_id)).started_at).toBe('2026-01-01T00:00:00.000Z')
  })
})

describe('timestamps given in other forms', () => {
  it('are refused outside the years 0000-9999 in UTC, and never read as another date', async () => {
    const tasks = store.collection('tasks')
    const session = await sessions().create({ agent: 'edges' })
    for (const started_at of ['0000-01-01T00:30:00+01:00', '9999-12-31T23:30:00-12:00']) {
      const error = await tasks
        .create({ session_id: session.session_id, started_at })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).message).toContain('started_at')
    }
    const march = await tasks.create({ session_id: session.session_id, started_at: '2026-03-02T00:00:00Z' })
    expect(march.started_at).toBe('2026-03-02T00:00:00.000Z')
    for (const text of ['2026-02-30T00:00:00Z', '2026-03-01T24:00:00Z']) {
      await expect(
        tasks.find({ query: { session_id: session.session_id, started_at: text } })
      ).rejects.toBeInstanceOf(BadRequest)
    }
  })

  it('are made canonical by an import too, and in a column of their own (kv expires_at)', async () => {
    const tasks = store.collection('tasks')
    const session = await sessions().create({ agent: 'imported' })
    const task_id = '0199b73d-b52e-7ed1-b028-277d6ad08cef'
    const now = '2026-01-01T00:00:00.000Z'
    await tasks.insertDocuments([
      {
        task_id,
        session_id: session.session_id,
        status: 'created',
        created_at: now,
        updated_at: now,
        started_at: '2026-01-01T00:40:00.123456-05:00',
        message_range: { start: 0, start_timestamp: '2026-01-01T00:30:00+14:00' }
      }
    ])
    const read = await tasks.get(task_id)
    expect(read.started_at).toBe('2026-01-01T05:40:00.123Z')
    expect(read.message_range).toEqual({ start: 0, start_timestamp: '2025-12-31T10:30:00.000Z' })
    const kv = store.collection('kv')
    await expect(
      kv.update('ts:bad', { value: 1, expires_at: '2099-02-30T00:00:00Z' })
    ).rejects.toBeInstanceOf(ValidationError)
    await kv.update('ts:a', { value: 1, expires_at: '2098-12-31T23:30:00.5Z' })
    await kv.update('ts:b', { value: 2, expires_at: '2098-12-31T23:30:00+01:00' })
    const keys = async (query: Record<string, unknown>) =>
      (await kv.find({ query: { key: { $like: 'ts:%' }, ...query } })).map((e) => e.key).sort()
    expect(await keys({ expires_at: { $gt: '2098-12-31T23:30:00Z' } })).toEqual(['ts:a'])
    expect(await keys({ expires_at: { $lt: '2099-01-01T00:00:00+01:00' } })).toEqual(['ts:b'])
    expect(await keys({ expires_at: '2098-12-31T23:30:00+01:00' })).toEqual(['ts:b'])
  })
})

describe('patch', () => {
  it('merges nested objects, replaces arrays and scalars, stores null', async () => {
    const doc = await sessions().create({
      agent: 'x',
      title: 'old',
      git_state: { ref: 'main', base_sha: 'a1' },
      custom_context: { tags: ['a', 'b'], nested: { keep: 1, change: 1 } }
    })
    const patched = await sessions().patch(doc.session_id, {
      title: null,
      git_state: { ref: 'dev' },
      custom_context: { tags: ['c'], nested: { change: 2 } }
    })
    const expected = {
      title: null,
      git_state: { ref: 'dev', base_sha: 'a1' },
      custom_context: { tags: ['c'], nested: { keep: 1, change: 2 } }
    }
    expect(patched).toMatchObject(expected)
    expect((await stored('sessions', 'session_id', doc.session_id))?.data).toEqual({
      agent: 'x',
      ...expected
    })
  })

  it('validates the merged document and writes nothing when it is invalid', async () => {
    const doc = await sessions().create({ agent: 'x', title: 'keep' })
    await expect(
      sessions().patch(doc.session_id, { agent: null, title: 'changed' } as never)
    ).rejects.toThrow(ValidationError)
    await expect(sessions().patch(doc.session_id, { titel: 'typo' } as never)).rejects.toThrow(
      /titel: Unknown field/
    )
    await expect(sessions().patch(doc.session_id, { status: 'paused' } as never)).rejects.toThrow(
      ValidationError
    )
    expect(await sessions().get(doc.session_id)).toEqual(doc)
  })

  it('strictly increases updated_at on every write, even within a millisecond', async () => {
    const doc = await sessions().create({ agent: 'x' })
    let last = Date.parse(doc.updated_at)
    for (let i = 0; i < 50; i++) {
      const next = await sessions().patch(doc.session_id, { title: `v${i}` })
      const row = await stored('sessions', 'session_id', doc.session_id)
      expect(row?.updated_at).toBe(Date.parse(next.updated_at))
      expect(Date.parse(next.updated_at)).toBeGreaterThan(last)
      last = Date.parse(next.updated_at)
    }
    expect(Date.parse((await sessions().get(doc.session_id)).created_at)).toBe(Date.parse(doc.created_at))
  })

  it('patches every match of a query in one write (id null)', async () => {
    const marker = `batch-${Date.now()}`
    await sessions().create([
      { agent: marker, title: 'a' },
      { agent: marker, title: 'b' },
      { agent: 'other', title: 'c' }
    ])
    const patched = await sessions().patch(null, { status: 'running' }, { query: { agent: marker } })
    expect(patched.map((d) => d.status)).toEqual(['running', 'running'])
    const rows = await sessions().find({ query: { agent: marker } })
    expect(rows.map((d) => d.status)).toEqual(['running', 'running'])
    expect((await sessions().find({ query: { agent: 'other' } }))[0]?.status).toBe('idle')
  })

  it('returns what a read returns, the documents of one patch sharing no object', async () => {
    const marker = `shared-${Date.now()}`
    const made = await sessions().create([
      { agent: marker, custom_context: { keep: { a: 1 } } },
      { agent: marker, git_state: { ref: 'main' } }
    ])
    const patch = { git_state: { current_sha: 'c'.repeat(40) }, custom_context: { list: [{ n: -0 }] } }
    const patched = await sessions().patch(null, patch, {
      query: { agent: marker, $sort: { created_at: 1 } }
    })
    expect(patched).toHaveLength(2)
    for (const doc of patched) {
      expect(JSON.stringify(doc)).toBe(JSON.stringify(await sessions().get(doc.session_id)))
    }
    const one = await sessions().patch(made[0]!.session_id, { title: 'one', repo: { cwd: '/one' } })
    expect(JSON.stringify(one)).toBe(JSON.stringify(await sessions().get(one.session_id)))
    // a change to one document, or to the patch given, reaches no other
    ;(patched[0]!.custom_context as { list: { n: number }[] }).list[0]!.n = 5
    ;(patched[0]!.git_state as { current_sha: string }).current_sha = 'changed'
    patch.custom_context.list.push({ n: 9 })
    expect(patched[1]!.custom_context).toEqual({ list: [{ n: 0 }] })
    expect((patched[1]!.git_state as { current_sha: string }).current_sha).toBe('c'.repeat(40))
    expect((await sessions().get(made[0]!.session_id)).custom_context).toEqual({
      keep: { a: 1 },
      list: [{ n: 0 }]
    })
  })

  it('judges the whole document again once another writer changed the row', async () => {
    const doc = await sessions().create({ agent: 'judge', title: 'a' })
    // a row this process wrote: the fields a patch leaves alone passed already
    await sessions().patch(doc.session_id, { title: 'b' })
    expect((await sessions().patch(doc.session_id, { title: 'c' })).title).toBe('c')
    await expect(sessions().patch(doc.session_id, { agent: '' })).rejects.toBeInstanceOf(ValidationError)
    // another program makes the stored agent invalid, leaving updated_at as it was
    await store.connection.execute({
      sql: `UPDATE sessions SET data = json_set(data, '$.agent', 5) WHERE session_id = ?`,
      args: [doc.session_id]
    })
    const error = await sessions()
      .patch(doc.session_id, { title: 'd' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).message).toContain('agent')
    const row = await stored('sessions', 'session_id', doc.session_id)
    expect(row!.data).toMatchObject({ agent: 5, title: 'c' })
  })

  it('ignores an id in the data: the id argument names the document', async () => {
    const doc = await sessions().create({ agent: 'x' })
    const other = await sessions().create({ agent: 'other' })
    const patched = await sessions().patch(doc.session_id, {
      session_id: other.session_id,
      title: 't'
    } as never)
    expect(patched.session_id).toBe(doc.session_id)
    expect((await sessions().get(other.session_id)).title).toBeUndefined()
    expect(
      (await sessions().update(doc.session_id, { session_id: other.session_id, agent: 'y' })).session_id
    ).toBe(doc.session_id)
    expect((await sessions().get(other.session_id)).agent).toBe('other')
  })

  it('sets completed_at when a task finishes and clears it when it runs again', async () => {
    const session = await sessions().create({ agent: 'x' })
    const tasks = store.collection('tasks')
    const task = await tasks.create({ session_id: session.session_id })
    expect(task.completed_at).toBeUndefined()
    const done = await tasks.patch(task.task_id, { status: 'completed' })
    expect(done.completed_at).toBe(done.updated_at)
    expect((await stored('tasks', 'task_id', task.task_id))?.data.completed_at).toBe(done.updated_at)
    const again = await tasks.patch(task.task_id, { status: 'failed' })
    expect(again.completed_at).toBe(done.completed_at)
    // neither a replace that leaves it out nor a patch to null erases it while the task is finished
    const replaced = await tasks.update(task.task_id, { session_id: session.session_id, status: 'failed' })
    expect(replaced.completed_at).toBe(done.completed_at)
    await tasks.patch(task.task_id, { completed_at: null })
    expect((await stored('tasks', 'task_id', task.task_id))?.data.completed_at).toBe(done.completed_at)
    const rerun = await tasks.patch(task.task_id, { status: 'running' })
    expect(rerun.completed_at).toBeNull()
  })

  it('keeps a completed_at that a write gives a task that has not finished, on create as on patch', async () => {
    const session = await sessions().create({ agent: 'x' })
    const tasks = store.collection('tasks')
    const completed_at = '2026-01-01T00:00:00.000Z'
    const created = await tasks.create({ session_id: session.session_id, status: 'created', completed_at })
    expect(created.completed_at).toBe(completed_at)
    expect((await stored('tasks', 'task_id', created.task_id))?.data.completed_at).toBe(completed_at)
    const running = await tasks.create({ session_id: session.session_id, status: 'running' })
    const patched = await tasks.patch(running.task_id, { completed_at })
    expect((await stored('tasks', 'task_id', patched.task_id))?.data.completed_at).toBe(completed_at)
  })
})

describe('update', () => {
  it('replaces the document but keeps id and created_at', async () => {
    const doc = await sessions().create({ agent: 'x', title: 'old', git_state: { ref: 'main' } })
    const updated = await sessions().update(doc.session_id.slice(0, 13), { agent: 'y', status: 'running' })
    expect(updated).toMatchObject({
      session_id: doc.session_id,
      created_at: doc.created_at,
      agent: 'y',
      status: 'running'
    })
    expect(updated.title).toBeUndefined()
    expect(updated.git_state).toBeUndefined()
    expect((await stored('sessions', 'session_id', doc.session_id))?.data).toEqual({ agent: 'y' })
    await expect(sessions().update(doc.session_id, { title: 'no agent' } as never)).rejects.toThrow(
      ValidationError
    )
  })
})

describe('fields this version does not know', () => {
  it('are kept on read, through patch and through update', async () => {
    const doc = await sessions().create({ agent: 'x', git_state: { ref: 'main' } })
    // a newer version wrote fields this one does not know, at the top and inside an object
    await store.connection.execute({
      sql: `UPDATE sessions SET data = json_set(data, '$.priority', 7, '$.git_state.dirty', json('true')) WHERE session_id = ?`,
      args: [doc.session_id]
    })
    const read = await sessions().get(doc.session_id)
    expect(read).toMatchObject({ priority: 7, git_state: { ref: 'main', dirty: true } })
    await sessions().patch(doc.session_id, { title: 'patched', git_state: { ref: 'dev' } })
    expect((await stored('sessions', 'session_id', doc.session_id))?.data).toMatchObject({
      priority: 7,
      title: 'patched',
      git_state: { ref: 'dev', dirty: true }
    })
    // a client that read the document may send the field back, or leave it out
    await sessions().update(doc.session_id, { ...read, title: 'updated' } as never)
    await sessions().update(doc.session_id, { agent: 'x', git_state: { ref: 'x' } })
    expect((await stored('sessions', 'session_id', doc.session_id))?.data).toEqual({
      agent: 'x',
      priority: 7,
      git_state: { ref: 'x', dirty: true }
    })
    // but nobody may add a new unknown field, not even one named like an Object.prototype member
    await expect(sessions().patch(doc.session_id, { colour: 'red' } as never)).rejects.toThrow(
      /colour: Unknown field/
    )
    await expect(sessions().create({ agent: 'x', toString: 'x' } as never)).rejects.toThrow(
      /toString: Unknown field/
    )
    await expect(sessions().update(doc.session_id, { agent: 'x', constructor: 1 } as never)).rejects.toThrow(
      /constructor: Unknown field/
    )
    expect((await stored('sessions', 'session_id', doc.session_id))?.data).toEqual({
      agent: 'x',
      priority: 7,
      git_state: { ref: 'x', dirty: true }
    })
  })
})

describe('a column name inside data', () => {
  it('does not shadow the column, and the document keeps the order of a read', async () => {
    const doc = await sessions().create({ agent: 'x', title: 't' })
    await store.connection.execute({
      sql: `UPDATE sessions SET data = json_set(data, '$.status', 'failed', '$.data', 1, '$.session_id', 'no') WHERE session_id = ?`,
      args: [doc.session_id]
    })
    const read = await sessions().get(doc.session_id)
    expect(read).toEqual({ ...doc })
    expect(Object.keys(read)).toEqual(Object.keys(doc))
  })
})

describe('remove', () => {
  it('removes one by short id and returns it; then it is gone', async () => {
    const doc = await sessions().create({ agent: 'x' })
    const short = await store.shortId('sessions', doc.session_id)
    expect(await sessions().remove(short)).toEqual(doc)
    expect(await stored('sessions', 'session_id', doc.session_id)).toBeUndefined()
    await expect(sessions().remove(doc.session_id)).rejects.toThrow(DocumentNotFoundError)
  })

  it('removes every match of a query (id null), with their tasks', async () => {
    const marker = `gone-${Date.now()}`
    const made = await sessions().create([{ agent: marker }, { agent: marker }])
    await store.collection('tasks').create({ session_id: made[0]!.session_id })
    const removed = await sessions().remove(null, { query: { agent: marker } })
    expect(removed.map((d) => d.session_id)).toEqual(made.map((d) => d.session_id))
    expect(await sessions().find({ query: { agent: marker } })).toEqual([])
    expect(await store.collection('tasks').find({ query: { session_id: made[0]!.session_id } })).toEqual([])
  })

  it('honours a query next to the id', async () => {
    const doc = await sessions().create({ agent: 'x', title: 'stay' })
    await expect(sessions().remove(doc.session_id, { query: { title: 'other' } })).rejects.toThrow(
      DocumentNotFoundError
    )
    expect(await sessions().get(doc.session_id)).toEqual(doc)
  })
})

describe('concurrent writers', () => {
  it('lose no change when two connections patch the same document at once', async () => {
    const url = tempDbUrl()
    const a = await openDatabase({ url })
    const b = await openDatabase({ url })
    try {
      const doc = await a.collection('sessions').create({ agent: 'x', custom_context: {} })
      const rounds = 60
      await Promise.all([
        (async () => {
          for (let i = 0; i < rounds; i++) {
            await a.collection('sessions').patch(doc.session_id, { custom_context: { [`a${i}`]: i } })
          }
        })(),
        (async () => {
          for (let i = 0; i < rounds; i++) {
            await b.collection('sessions').patch(doc.session_id, { custom_context: { [`b${i}`]: i } })
          }
        })()
      ])
      const { rows } = await a.connection.execute({
        sql: 'SELECT data FROM sessions WHERE session_id = ?',
        args: [doc.session_id]
      })
      const context = JSON.parse(String(rows[0]?.data)).custom_context
      expect(Object.keys(context)).toHaveLength(rounds * 2)
    } finally {
      a.close()
      b.close()
    }
  })
})
