// Slips that must not lose data: empty ids and empty queries from outside never mean "everything",
// and every write is validated the same way, whatever the method.
import { createHash } from 'node:crypto'
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import type { AnyDefinition } from '../src/schema/collection.js'
import { unwrap } from '../src/schema/fields.js'
import { type CollectionName, collections } from '../src/schema/index.js'
import type { DocumentService } from '../src/service/adapter.js'
import { type Served, serve } from './transport-helpers.js'

let served: Served
let socket: Socket
let sessionId: string

const TABLES = Object.keys(collections)

async function checksum(): Promise<string> {
  const hash = createHash('sha256')
  for (const table of TABLES) {
    const { rows } = await served.store.database.connection.execute(`SELECT * FROM ${table} ORDER BY 1`)
    hash.update(JSON.stringify(rows))
  }
  return hash.digest('hex')
}

async function count(table: string): Promise<number> {
  const { rows } = await served.store.database.connection.execute(`SELECT count(*) AS n FROM ${table}`)
  return Number(rows[0]!.n)
}

/** A socket.io call in Feathers' wire protocol; resolves with [error, result]. */
function emit(
  method: string,
  path: string,
  ...args: unknown[]
): Promise<[{ code?: number; message?: string } | null, unknown]> {
  return new Promise((resolve) =>
    socket.emit(method, path, ...args, (error: { code?: number } | null, result: unknown) =>
      resolve([error, result])
    )
  )
}

async function seed(): Promise<void> {
  const sessions = served.store.service('sessions')
  const session = await sessions.create({ agent: 'claude-code', title: 'keep me' })
  sessionId = session.session_id
  await sessions.create([{ agent: 'codex' }, { agent: 'codex' }])
  await served.store.service('tasks').create([
    { session_id: sessionId, description: 'one' },
    { session_id: sessionId, description: 'two' }
  ])
  await served.store.service('boards').create([{ name: 'a' }, { name: 'b' }])
  await served.store.service('repos').create({ slug: 'org/repo' })
}

beforeAll(async () => {
  served = await serve()
  socket = io(served.server.url, { transports: ['websocket'] })
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
})

afterAll(async () => {
  socket.close()
  await served.close()
})

beforeEach(async () => {
  for (const table of TABLES.toReversed())
    await served.store.database.connection.execute(`DELETE FROM ${table}`)
  targets.clear()
  await seed()
})

describe('an empty id or an empty query from outside never means every document', () => {
  it('refuses REST paths with an empty id and multi writes without a condition, changing nothing', async () => {
    const before = await checksum()
    const refused: [string, string, unknown?][] = [
      ['DELETE', '/sessions/'],
      ['PATCH', '/sessions/', { title: 'x' }],
      ['PUT', '/sessions/', { agent: 'x' }],
      ['GET', '/sessions/'],
      ['DELETE', '/sessions//fork'],
      ['DELETE', '/sessions'],
      ['PATCH', '/sessions', { title: 'all' }],
      ['DELETE', '/sessions?$limit=2'],
      ['DELETE', '/sessions?$sort[created_at]=1&$skip=0'],
      ['PATCH', '/tasks?$select[]=description', { report: 'x' }],
      ['DELETE', '/boards?$and[0][$limit]=1'],
      ['DELETE', '/sessions?$all=false'],
      ['DELETE', '/sessions/%20'],
      ['DELETE', '/sessions/%E0%A4%A'],
      ['PATCH', '/sessions/%20%20', { title: 'x' }]
    ]
    for (const [method, path, body] of refused) {
      const { status, body: answer } = await served.http(method, path, body)
      expect(status, `${method} ${path}`).toBe(400)
      expect(answer.name, `${method} ${path}`).toBe('BadRequest')
    }
    const { body } = await served.http('DELETE', '/sessions')
    expect(body.message).toMatch(/needs a condition.*\$all=true/)
    expect(await checksum()).toBe(before)
  })

  it('refuses the same over socket.io, changing nothing', async () => {
    const before = await checksum()
    const calls: [string, ...unknown[]][] = [
      ['remove', 'sessions', null, {}],
      ['remove', 'sessions', null, { $limit: 2, $sort: { created_at: 1 } }],
      ['patch', 'sessions', null, { title: 'all' }, {}],
      ['patch', 'tasks', null, { report: 'x' }, { $or: [{}] }],
      ['remove', 'boards', null, { $and: [] }],
      ['remove', 'sessions', '', {}],
      ['remove', 'sessions', '   ', {}],
      ['patch', 'sessions', '', { title: 'x' }, {}],
      ['remove', 'sessions/', 'x', {}]
    ]
    for (const [method, path, ...args] of calls) {
      const [error] = await emit(method, String(path), ...args)
      expect(error?.code, `${method} ${String(path)} ${JSON.stringify(args)}`).toBe(400)
    }
    expect(await checksum()).toBe(before)
  })

  it('acts on every document with an explicit $all=true, and on matches of a real condition', async () => {
    let res = await served.http('PATCH', '/boards?$all=true', { color: 'red' })
    expect(res.status).toBe(200)
    expect(res.body).toHaveLength(2)
    const boards = await served.store.service('boards').find({ paginate: false })
    expect(boards.map((b) => b.color)).toEqual(['red', 'red'])

    const short = await served.store.shortId('sessions', sessionId)
    res = await served.http('DELETE', `/tasks?session_id=${short}`)
    expect(res.status).toBe(200)
    expect(await count('tasks')).toBe(0)

    // the oldest of three, on purpose
    res = await served.http('DELETE', '/sessions?$all=true&$sort[created_at]=1&$limit=1')
    expect(res.status).toBe(200)
    expect(res.body.map((s: { session_id: string }) => s.session_id)).toEqual([sessionId])
    expect(await count('sessions')).toBe(2)

    const [error, removed] = await emit('remove', 'sessions', null, { $all: true })
    expect(error).toBeNull()
    expect(removed).toHaveLength(2)
    expect(await count('sessions')).toBe(0)
  })

  it('keeps Feathers semantics for calls inside the process', async () => {
    const removed = await served.store.service('boards').remove(null)
    expect(removed).toHaveLength(2)
    expect(await count('boards')).toBe(0)
  })

  it('percent-decodes ids in REST paths', async () => {
    const short = await served.store.shortId('sessions', sessionId)
    const encoded = `%${short.charCodeAt(0).toString(16)}${short.slice(1)}`
    const res = await served.http('GET', `/sessions/${encoded}`)
    expect(res.status).toBe(200)
    expect(res.body.session_id).toBe(sessionId)
    const patched = await served.http('PATCH', `/sessions/${encodeURIComponent(sessionId)}`, { title: 'new' })
    expect(patched.status).toBe(200)
    expect((await served.store.service('sessions').get(sessionId)).title).toBe('new')
  })
})

/** Documents that relation columns of valid documents point at, one per target collection. */
const targets = new Map<string, string>()
const SET_BY_STORE = new Set(['status', 'created_at', 'updated_at'])

/**
 * A valid document of a collection, built from its schema so that a collection added by the
 * README's recipe is covered too: each required field gets the first candidate its schema takes,
 * each relation the id of a document of its target (created once).
 */
async function validDoc(def: AnyDefinition, i: number): Promise<Record<string, unknown>> {
  const doc: Record<string, unknown> = {}
  for (const [field, schema] of Object.entries(def.schema.shape)) {
    // the fields it needs, and those of its unique keys (a message's index: a sent one has one)
    const keyed = def.uniqueKeys.some((key) => key.includes(field))
    if (SET_BY_STORE.has(field) || field === def.idField || (schema.safeParse(undefined).success && !keyed))
      continue
    const relation = def.keyColumns.find((column) => column.name === field)?.relation
    if (relation) {
      doc[field] = await targetId(relation.target(), i)
      continue
    }
    const inner = unwrap(schema)
    const firstOption = inner instanceof z.ZodEnum ? inner.options[0] : undefined
    const value = [
      `${field}-${i}`,
      `org/${field}-${i}`,
      `${field}-${i}@example.com`,
      i,
      true,
      firstOption,
      { x: i, y: i }
    ].find((v) => v !== undefined && schema.safeParse(v).success)
    if (value === undefined)
      throw new Error(`validDoc finds no valid value for ${def.name}.${field}: add one`)
    doc[field] = value
  }
  return doc
}

async function targetId(def: AnyDefinition, i: number): Promise<string> {
  const known = targets.get(def.name)
  if (known) return known
  const service: DocumentService = served.store.service(def.name as CollectionName)
  const created = (await service.create((await validDoc(def, i)) as never)) as Record<string, unknown>
  const id = String(created[def.idField])
  targets.set(def.name, id)
  return id
}

const CANDIDATES: unknown[] = ['yesterday', 12345, -1, 1.5, true, { $gt: 1 }, ['x'], '', {}]

/** Values the field's own schema refuses, for every field of a collection. */
function invalidValues(def: AnyDefinition): [string, unknown][] {
  const result: [string, unknown][] = []
  for (const [field, schema] of Object.entries(def.schema.shape)) {
    if (field === def.idField || field === 'created_at' || field === 'updated_at') continue
    const candidates = field === 'status' ? [null, 'bogus', 5] : CANDIDATES
    for (const value of candidates) if (!schema.safeParse(value).success) result.push([field, value])
  }
  return result
}

describe('every field is validated the same way on create, update and patch', () => {
  it('refuses every invalid value of every field of every collection, writing nothing', async () => {
    let i = 0
    // the key-value store numbers versions and refuses patch: test/kv.test.ts checks its writes
    const uuidCollections = (Object.keys(collections) as CollectionName[]).filter(
      (name) => collections[name].key === 'uuid'
    )
    for (const name of uuidCollections) {
      const service: DocumentService = served.store.service(name)
      const def: AnyDefinition = collections[name]
      const target = (await service.create((await validDoc(def, i++)) as never)) as Record<string, unknown>
      const id = String(target[def.idField])
      const cases = invalidValues(def)
      expect(cases.length, name).toBeGreaterThan(4)
      for (const [field, value] of cases) {
        const before = await checksum()
        const what = `${name}.${field} = ${JSON.stringify(value)}`
        const data = { ...(await validDoc(def, i++)), [field]: value }
        await expect(service.create(data as never), `create ${what}`).rejects.toMatchObject({ code: 400 })
        await expect(service.update(id, data as never), `update ${what}`).rejects.toMatchObject({ code: 400 })
        // a patch merges objects: an empty one changes nothing, whatever the field needs
        const mergesNothing = JSON.stringify(value) === '{}'
        if (!mergesNothing)
          await expect(service.patch(id, { [field]: value } as never), `patch ${what}`).rejects.toMatchObject(
            {
              code: 400
            }
          )
        const res = await served.http('POST', `/${name}`, data)
        expect(res.status, `POST ${what}`).toBe(400)
        expect(await checksum(), what).toBe(before)
      }
    }
  })

  it("refuses a task's invalid completed_at on create, as patch and update do", async () => {
    for (const value of ['yesterday', { $gt: 1 }, ['x'], 12345]) {
      const res = await served.http('POST', '/tasks', { session_id: sessionId, completed_at: value })
      expect(res.status, JSON.stringify(value)).toBe(400)
      expect(res.body.message).toMatch(/completed_at/)
    }
    // a finished task that runs again: the invalid value is refused, not replaced by null
    const task = await served.store.service('tasks').create({ session_id: sessionId, status: 'completed' })
    await expect(
      served.store
        .service('tasks')
        .patch(task.task_id, { status: 'running', completed_at: 'yesterday' } as never)
    ).rejects.toMatchObject({ code: 400 })
    expect((await served.store.service('tasks').get(task.task_id)).status).toBe('completed')
    expect(await count('tasks')).toBe(3)
  })

  it('refuses status null on every write, and timestamps that are not timestamps', async () => {
    const sessions = served.store.service('sessions')
    await expect(sessions.create({ agent: 'x', status: null } as never)).rejects.toMatchObject({ code: 400 })
    await expect(sessions.update(sessionId, { agent: 'x', status: null } as never)).rejects.toMatchObject({
      code: 400
    })
    await expect(sessions.patch(sessionId, { status: null } as never)).rejects.toMatchObject({ code: 400 })
    await expect(sessions.create({ agent: 'x', created_at: 'yesterday' } as never)).rejects.toMatchObject({
      code: 400
    })
    await expect(sessions.patch(sessionId, { updated_at: 5 } as never)).rejects.toMatchObject({ code: 400 })
    // a document read and sent back keeps working: its own timestamps are ignored
    const read = await sessions.get(sessionId)
    const replaced = await sessions.update(sessionId, { ...read, title: 'again' })
    expect(replaced.created_at).toBe(read.created_at)
    expect(replaced.updated_at > read.updated_at).toBe(true)
    expect(await count('sessions')).toBe(3)
  })

  it('refuses lineage fields in the data of fork and spawn', async () => {
    const sessions = served.store.service('sessions')
    const other = (await sessions.find({ query: { agent: 'codex' }, paginate: false }))[0]!.session_id
    for (const method of ['fork', 'spawn'] as const) {
      for (const field of ['parent_session_id', 'forked_from_session_id']) {
        await expect(
          sessions[method]({ id: sessionId, [field]: other } as never),
          `${method} with ${field}`
        ).rejects.toMatchObject({ code: 400 })
        const res = await served.http('POST', `/sessions/${sessionId}/${method}`, { [field]: other })
        expect(res.status, `POST ${method} with ${field}`).toBe(400)
        expect(res.body.message).toMatch(field)
      }
    }
    expect(await count('sessions')).toBe(3)
  })

  it('refuses a body that is not an object for fork and spawn, over REST and sockets', async () => {
    for (const method of ['fork', 'spawn'] as const) {
      for (const body of [[], [{ title: 'x' }], 'text', 42]) {
        const res = await served.http('POST', `/sessions/${sessionId}/${method}`, body)
        expect(res.status, `POST ${method} ${JSON.stringify(body)}`).toBe(400)
        expect(res.body.message).toMatch(/object|Name the session/)
      }
      const [error] = await emit(method, 'sessions', [{ id: sessionId }])
      expect(error?.code, `socket ${method} with an array`).toBe(400)
    }
    expect(await count('sessions')).toBe(3)
  })

  it('refuses required text that is empty or only whitespace, on create, patch and update', async () => {
    // invisible format characters (zero-width space and joiners, word joiner, BOM, soft hyphen)
    // print as nothing, so text made of them alone is as blank as spaces
    const blanks = ['', ' ', '   ', '\t\n', '\u200b', '\u200b\u200c\u200d', ' \u2060\ufeff ', '\u00ad']
    const before = { boards: await count('boards'), repos: await count('repos') }
    for (const blank of blanks) {
      for (const [name, data] of [
        ['sessions', { agent: blank }],
        ['boards', { name: blank }],
        ['repos', { slug: blank }]
      ] as const) {
        const res = await served.http('POST', `/${name}`, data)
        expect(res.status, `${name} ${JSON.stringify(data)}`).toBe(400)
      }
      const patched = await served.http('PATCH', `/sessions/${sessionId}`, { agent: blank })
      expect(patched.status, `patch agent ${JSON.stringify(blank)}`).toBe(400)
    }
    expect(await count('sessions')).toBe(3)
    expect(await count('boards')).toBe(before.boards)
    expect(await count('repos')).toBe(before.repos)
    expect((await served.store.service('sessions').get(sessionId)).agent.trim()).not.toBe('')
  })

  it('keeps required text that has a visible character among invisible ones', async () => {
    const agent = '\u200bcodex\u200d'
    const res = await served.http('POST', '/sessions', { agent })
    expect(res.status).toBe(201)
    expect((await served.store.service('sessions').get(res.body.session_id)).agent).toBe(agent)
    await served.store.service('sessions').remove(res.body.session_id)
  })
})
