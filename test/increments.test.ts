import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/store/database.js'
import { runFixture } from './crash-helpers.js'
import { tempDbUrl, tempDir } from './helpers.js'
import { type Served, serve } from './transport-helpers.js'

type Db = Awaited<ReturnType<typeof openDatabase>>

async function newTask(db: Db, fields: Record<string, unknown> = {}) {
  const session = await db.collection('sessions').create({ agent: 'counter' })
  return db.collection('tasks').create({ session_id: session.session_id, ...fields })
}

describe('$inc', () => {
  let db: Db
  beforeAll(async () => {
    db = await openDatabase({ url: tempDbUrl() })
  })
  afterAll(() => db.close())
  const tasks = () => db.collection('tasks')

  it('raises numbers from their stored value, a missing one from 0, nested ones too, next to other changes', async () => {
    const task = await newTask(db, { tool_use_count: 4 })
    const patched = await tasks().patch(task.task_id, {
      status: 'running',
      $inc: { tool_use_count: 3, duration_ms: 2.5, 'message_range.end': 10 }
    })
    const stored = await tasks().get(task.task_id)
    expect(stored).toEqual(patched)
    expect(stored).toMatchObject({
      status: 'running',
      tool_use_count: 7,
      duration_ms: 2.5,
      message_range: { end: 10 }
    })
    const session = await db.collection('sessions').patch(task.session_id, {
      custom_context: { note: 'kept' },
      $inc: { 'custom_context.retries': -2 }
    })
    expect((await db.collection('sessions').get(session.session_id)).custom_context).toEqual({
      note: 'kept',
      retries: -2
    })
  })

  it('records the values it raised to in the change, so the patch replays to the same document', async () => {
    const task = await newTask(db, { tool_use_count: 1 })
    await tasks().patch(task.task_id, { model: 'm', $inc: { tool_use_count: 5 } })
    const { rows } = await db.connection.execute({
      sql: `SELECT patch FROM agor_changes WHERE doc_id = ? AND event = 'patched'`,
      args: [task.task_id]
    })
    expect(JSON.parse(String(rows[0]!.patch))).toEqual({ model: 'm', tool_use_count: 6 })
  })

  it('a multi patch raises each document from its own value', async () => {
    const a = await newTask(db, { tool_use_count: 1, model: 'multi' })
    const b = await newTask(db, { tool_use_count: 10, model: 'multi' })
    await tasks().patch(null, { $inc: { tool_use_count: 1 } }, { query: { model: 'multi' } })
    expect((await tasks().get(a.task_id)).tool_use_count).toBe(2)
    expect((await tasks().get(b.task_id)).tool_use_count).toBe(11)
  })

  it('refuses what it cannot raise with a 400 and writes nothing', async () => {
    const task = await newTask(db, { tool_use_count: 2, description: 'text' })
    const session = await db.collection('sessions').patch(task.session_id, { custom_context: { word: 'x' } })
    const refused = [
      { $inc: { tool_use_count: -3 } }, // the result fails the schema (not negative)
      { $inc: { tool_use_count: 0.5 } }, // not an integer
      { $inc: { description: 1 } },
      { $inc: { status: 1 } },
      { $inc: { created_at: 1 } },
      { $inc: { session_id: 1 } },
      { $inc: { nope: 1 } },
      { $inc: {} },
      { $inc: 1 },
      { $inc: { tool_use_count: '1' } },
      { $inc: { tool_use_count: Number.NaN } },
      { $inc: { 'message_range.0': 1 } },
      { tool_use_count: 5, $inc: { tool_use_count: 1 } },
      { message_range: null, $inc: { 'message_range.end': 1 } },
      { $inc: { message_range: 1 } },
      { $inc: { tool_use_count: 1, 'tool_use_count.x': 1 } }
    ]
    for (const data of refused) {
      await expect(tasks().patch(task.task_id, data as never), JSON.stringify(data)).rejects.toMatchObject({
        code: 400
      })
    }
    const sessions = db.collection('sessions')
    await expect(
      sessions.patch(session.session_id, { $inc: { 'custom_context.word': 1 } })
    ).rejects.toMatchObject({ code: 400 })
    await expect(
      sessions.patch(session.session_id, { $inc: { 'custom_context.word.deeper': 1 } })
    ).rejects.toMatchObject({ code: 400 })
    // a whole number past 2^53 is rounded: refused, as a sum past the largest double would be
    await expect(
      sessions.patch(session.session_id, { $inc: { 'custom_context.big': Number.MAX_VALUE } })
    ).rejects.toMatchObject({ code: 400 })
    await expect(
      sessions.patch(session.session_id, { $inc: { 'custom_context.half': 0.5 } })
    ).resolves.toBeDefined()
    await expect(
      sessions.patch(session.session_id, { $inc: { 'custom_context.half': Number.MAX_VALUE } })
    ).resolves.toBeDefined()
    await expect(
      sessions.patch(session.session_id, { $inc: { 'custom_context.half': Number.MAX_VALUE } })
    ).rejects.toMatchObject({ code: 400 })
    // neither update nor create takes $inc
    await expect(
      tasks().update(task.task_id, { session_id: task.session_id, $inc: { tool_use_count: 1 } } as never)
    ).rejects.toMatchObject({ code: 400 })
    await expect(
      tasks().create({ session_id: task.session_id, $inc: { tool_use_count: 1 } } as never)
    ).rejects.toMatchObject({ code: 400 })
    expect(await tasks().get(task.task_id)).toEqual(task)
  })

  /** A session's custom_context as its row holds it. */
  const storedContext = async (id: string) => {
    const { rows } = await db.connection.execute({
      sql: `SELECT json_extract(data, '$.custom_context') AS c FROM sessions WHERE session_id = ?`,
      args: [id]
    })
    return JSON.parse(String(rows[0]!.c))
  }

  it('raises a missing free-form field named like an Object.prototype member from 0', async () => {
    const sessions = db.collection('sessions')
    const names = [
      'constructor',
      'hasOwnProperty',
      'isPrototypeOf',
      '__defineGetter__',
      'toString',
      'valueOf'
    ]
    const session = await sessions.create({ agent: 'counter', custom_context: { kept: true } })
    const inc = Object.fromEntries(names.map((name) => [`custom_context.${name}`, 2]))
    await sessions.patch(session.session_id, { $inc: inc })
    await sessions.patch(session.session_id, { $inc: { 'custom_context.constructor': 1 } })
    // missing objects on the way are made, whatever their name
    await sessions.patch(session.session_id, { $inc: { 'custom_context.toLocaleString.count': 5 } })
    const expected = {
      kept: true,
      ...Object.fromEntries(names.map((name) => [name, 2])),
      constructor: 3,
      toLocaleString: { count: 5 }
    }
    expect(await storedContext(session.session_id)).toEqual(expected)
    expect((await sessions.get(session.session_id)).custom_context).toEqual(expected)
    const changes = await db.connection.execute({
      sql: `SELECT patch FROM agor_changes WHERE doc_id = ? AND event = 'patched' ORDER BY seq`,
      args: [session.session_id]
    })
    expect(changes.rows.map((row) => JSON.parse(String(row.patch)))).toEqual([
      { custom_context: Object.fromEntries(names.map((name) => [name, 2])) },
      { custom_context: { constructor: 3 } },
      { custom_context: { toLocaleString: { count: 5 } } }
    ])
    await expect(
      sessions.patch(session.session_id, { $inc: { 'custom_context.__proto__': 1 } })
    ).rejects.toMatchObject({ code: 400 })
  })

  it('a patch sets and merges fields named like Object.prototype members as plain data', async () => {
    const sessions = db.collection('sessions')
    const session = await sessions.create({ agent: 'merge' })
    await sessions.patch(session.session_id, {
      custom_context: { constructor: { a: 1 }, toString: 'text', hasOwnProperty: null }
    })
    await sessions.patch(session.session_id, {
      custom_context: { constructor: { b: 2 }, valueOf: { c: 3 } }
    })
    const expected = {
      constructor: { a: 1, b: 2 },
      toString: 'text',
      hasOwnProperty: null,
      valueOf: { c: 3 }
    }
    expect(await storedContext(session.session_id)).toEqual(expected)
    expect((await sessions.get(session.session_id)).custom_context).toEqual(expected)
  })

  it('loses no increment among concurrent patches of one process', async () => {
    const task = await newTask(db)
    await Promise.all(
      Array.from({ length: 300 }, () => tasks().patch(task.task_id, { $inc: { tool_use_count: 1 } }))
    )
    expect((await tasks().get(task.task_id)).tool_use_count).toBe(300)
  })
})

describe('$inc from three processes on one database file', () => {
  it('ends at exactly the sum of every increment', async () => {
    const path = join(tempDir(), 'counter.db')
    const db = await openDatabase({ url: `file:${path}` })
    const task = await newTask(db, { tool_use_count: 0 })
    const times = 1000
    const runs = Array.from({ length: 3 }, () => {
      const child = runFixture('test/fixtures/incrementer.ts', [path, task.task_id, String(times)])
      let out = ''
      let err = ''
      child.stdout?.on('data', (chunk) => (out += chunk))
      child.stderr?.on('data', (chunk) => (err += chunk))
      return new Promise<string>((resolve, reject) =>
        child.once('exit', (code) =>
          code === 0 ? resolve(out) : reject(new Error(`incrementer failed (${code}): ${err}`))
        )
      )
    })
    expect(await Promise.all(runs)).toEqual(['done\n', 'done\n', 'done\n'])
    const stored = await db.collection('tasks').get(task.task_id)
    expect(stored.tool_use_count).toBe(3 * times)
    expect(stored.message_range).toEqual({ end: 3 * times * 2 })
    db.close()
  }, 240_000)
})

describe('$inc over REST and socket.io', () => {
  let served: Served
  beforeAll(async () => {
    served = await serve()
  })
  afterAll(() => served.close())

  it('PATCH with $inc in the body raises the field, a bad one is a 400', async () => {
    const task = await newTask(served.store.database, { tool_use_count: 1 })
    const ok = await served.http('PATCH', `/tasks/${task.task_id.slice(0, 8)}`, {
      $inc: { tool_use_count: 2 }
    })
    expect(ok.status).toBe(200)
    expect(ok.body.tool_use_count).toBe(3)
    const bad = await served.http('PATCH', `/tasks/${task.task_id}`, { $inc: { tool_use_count: -10 } })
    expect(bad.status).toBe(400)
    expect((await served.store.database.collection('tasks').get(task.task_id)).tool_use_count).toBe(3)
    const client = await served.client('socketio')
    const patched = await client.app.service('tasks').patch(task.task_id, { $inc: { tool_use_count: 1 } })
    expect(patched.tool_use_count).toBe(4)
  })
})
