import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { log } from '../src/log.js'
import type { CollectionName } from '../src/schema/index.js'
import { record, type Served, serve, waitFor } from './transport-helpers.js'

let served: Served
beforeAll(async () => {
  served = await serve()
})
afterAll(() => served.close())

/** The document as stored, read through the collection (undefined when it is gone). */
async function stored(name: CollectionName, id: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await served.store.collection(name).get(id)
  } catch {
    return undefined
  }
}

describe('REST', () => {
  it('creates, gets, finds, updates, patches and removes with short ids', async () => {
    const { http, store } = served
    const created = await http('POST', '/sessions', { agent: 'claude-code', title: 'rest' })
    expect(created.status).toBe(201)
    const id: string = created.body.session_id
    expect(await stored('sessions', id)).toEqual(created.body)
    const short = await store.shortId('sessions', id)

    const got = await http('GET', `/sessions/${short}`)
    expect(got.status).toBe(200)
    expect(got.body).toEqual(created.body)
    expect((await http('GET', `/sessions/${short.replaceAll('-', '').toUpperCase()}`)).body.session_id).toBe(
      id
    )

    const found = await http('GET', '/sessions?title=rest')
    expect(found.body).toMatchObject({ total: 1, limit: 50, skip: 0 })
    expect(found.body.data[0].session_id).toBe(id)

    const updated = await http('PUT', `/sessions/${short}`, { agent: 'codex', status: 'running' })
    expect(updated.status).toBe(200)
    expect(updated.body).toMatchObject({ session_id: id, agent: 'codex', status: 'running' })
    const replaced = await stored('sessions', id)
    expect(replaced).toMatchObject({ agent: 'codex', status: 'running' })
    expect(replaced).not.toHaveProperty('title')

    const patched = await http('PATCH', `/sessions/${short}`, { git_state: { ref: 'main' } })
    expect(patched.body).toMatchObject({ agent: 'codex', git_state: { ref: 'main' } })
    expect((await stored('sessions', id))?.git_state).toEqual({ ref: 'main' })

    const removed = await http('DELETE', `/sessions/${short}`)
    expect(removed.status).toBe(200)
    expect(removed.body.session_id).toBe(id)
    expect(await stored('sessions', id)).toBeUndefined()
    expect((await http('GET', `/sessions/${short}`)).status).toBe(404)
  })

  it('creates, patches and removes many at once', async () => {
    const { http } = served
    const marker = `rest-multi-${Date.now()}`
    const created = await http('POST', '/sessions', [{ agent: marker }, { agent: marker }, { agent: marker }])
    expect(created.status).toBe(201)
    expect(created.body).toHaveLength(3)
    const patched = await http('PATCH', `/sessions?agent=${marker}`, { status: 'failed' })
    expect(patched.body.map((s: { status: string }) => s.status)).toEqual(['failed', 'failed', 'failed'])
    const removed = await http('DELETE', `/sessions?agent=${marker}`)
    expect(removed.body).toHaveLength(3)
    expect(await served.store.collection('sessions').find({ query: { agent: marker } })).toEqual([])
  })

  it('types long lists and many branches as it types short ones, and deletes exactly what they name', async () => {
    const { http } = served
    const session = (await http('POST', '/sessions', { agent: 'lists' })).body
    const counts = Array.from({ length: 60 }, (_, i) => i)
    await http(
      'POST',
      '/tasks',
      counts.map((n) => ({ session_id: session.session_id, tool_use_count: n }))
    )
    const list = (op: string, values: number[]) => values.map((n) => `tool_use_count[${op}][]=${n}`).join('&')
    const mine = `session_id=${session.session_id}`
    const twentyFive = counts.slice(0, 25)
    expect((await http('GET', `/tasks?${mine}&${list('$in', twentyFive)}`)).body.total).toBe(25)
    const branches = twentyFive.map((n, i) => `$or[${i}][tool_use_count]=${n}`).join('&')
    expect((await http('GET', `/tasks?${mine}&${branches}`)).body.total).toBe(25)

    const removed = await http('DELETE', `/tasks?${mine}&${list('$nin', counts.slice(0, 21))}`)
    expect(removed.body).toHaveLength(39)
    const left = await served.store.collection('tasks').find({ query: { session_id: session.session_id } })
    expect((left as { tool_use_count: number }[]).map((t) => t.tool_use_count).sort((a, b) => a - b)).toEqual(
      counts.slice(0, 21)
    )
  })

  it('a multi patch or remove acts on every match, or on the page its own $sort, $skip and $limit name', async () => {
    const { http } = served
    const agent = `pages-${Date.now()}`
    const created = (
      await http(
        'POST',
        '/sessions',
        Array.from({ length: 8 }, (_, i) => ({ agent, title: `t${i}` }))
      )
    ).body
    const ids = created.map((s: { session_id: string }) => s.session_id)
    const oldestTwo = await http('DELETE', `/sessions?agent=${agent}&$sort[created_at]=1&$limit=2`)
    expect(oldestTwo.body.map((s: { session_id: string }) => s.session_id)).toEqual(ids.slice(0, 2))
    const patched = await http('PATCH', `/sessions?agent=${agent}&$sort[created_at]=1&$skip=4`, {
      title: 'late'
    })
    expect(patched.body.map((s: { session_id: string }) => s.session_id)).toEqual(ids.slice(6))
    const left = (await served.store
      .collection('sessions')
      .find({ query: { agent, $sort: { created_at: 1 } } })) as {
      session_id: string
      title: string
    }[]
    expect(left.map((s) => [s.session_id, s.title])).toEqual([
      ...ids.slice(2, 6).map((id: string, i: number) => [id, `t${i + 2}`]),
      ...ids.slice(6).map((id: string) => [id, 'late'])
    ])
    // more than the largest page of a find
    const many = `many-${Date.now()}`
    await http(
      'POST',
      '/sessions',
      Array.from({ length: 600 }, () => ({ agent: many }))
    )
    expect((await http('DELETE', `/sessions?agent=${many}&$limit=550`)).body).toHaveLength(550)
    expect((await http('DELETE', `/sessions?agent=${many}`)).body).toHaveLength(50)
  })

  it('takes short ids in relation fields of data and queries', async () => {
    const { http, store } = served
    const session = (await http('POST', '/sessions', { agent: 'x' })).body
    const short = await store.shortId('sessions', session.session_id)
    const task = await http('POST', '/tasks', { session_id: short, description: 'by short id' })
    expect(task.status).toBe(201)
    expect((await stored('tasks', task.body.task_id))?.session_id).toBe(session.session_id)
    const found = await http('GET', `/tasks?session_id=${short}`)
    expect(found.body.data.map((t: { task_id: string }) => t.task_id)).toEqual([task.body.task_id])
  })

  it('coerces query strings to the types of their fields', async () => {
    const { http } = served
    const session = (await http('POST', '/sessions', { agent: 'coerce' })).body
    await http('POST', '/tasks', [
      { session_id: session.session_id, tool_use_count: 5, model: 'm1', status: 'running' },
      { session_id: session.session_id, tool_use_count: 7, status: 'failed' },
      { session_id: session.session_id, tool_use_count: 9, model: 'm2', status: 'completed' }
    ])
    const q = (query: string) => http('GET', `/tasks?session_id=${session.session_id}&${query}`)
    expect((await q('tool_use_count=5')).body.total).toBe(1)
    expect((await q('tool_use_count[$gt]=6')).body.total).toBe(2)
    expect((await q('tool_use_count[$in][]=5&tool_use_count[$in][]=9')).body.total).toBe(2)
    expect(
      (await q('model=null')).body.data.map((t: { tool_use_count: number }) => t.tool_use_count)
    ).toEqual([7])
    expect((await q('model[$ne]=null')).body.total).toBe(2)
    expect((await q('status[$in][]=running&status[$in][]=failed')).body.total).toBe(2)
    const page = await q('$limit=1&$skip=1&$sort[tool_use_count]=-1')
    expect(page.body).toMatchObject({ total: 3, limit: 1, skip: 1 })
    expect(page.body.data[0].tool_use_count).toBe(7)
    expect((await q('$select[]=tool_use_count&$limit=1')).body.data[0]).toEqual({
      task_id: expect.any(String),
      tool_use_count: 5
    })
    // a path through a list item keeps the list whole: no item is reported as null
    const listed = (
      await http('POST', '/sessions', { agent: 'select', custom_context: { y: { w: [1, { v: 2 }] } } })
    ).body
    const selected = await http(
      'GET',
      `/sessions?session_id=${listed.session_id}&$select[]=custom_context.y.w.1.v`
    )
    expect(selected.body.data).toEqual([
      { session_id: listed.session_id, custom_context: { y: { w: [1, { v: 2 }] } } }
    ])
    const repo = (await http('POST', '/sessions', { agent: 'coerce', repo: { managed_worktree: true } })).body
    const bools = await http('GET', '/sessions?agent=coerce&repo.managed_worktree=true')
    expect(bools.body.data.map((s: { session_id: string }) => s.session_id)).toEqual([repo.session_id])
    const bad = await q('tool_use_count=many')
    expect(bad.status).toBe(400)
    expect(bad.body.message).toMatch(/'tool_use_count' is a number/)
  })

  it('computes short ids for clients, over both transports', async () => {
    const made = (await served.http('POST', '/boards', [{ name: 's1' }, { name: 's2' }])).body
    const ids = made.map((b: { board_id: string }) => b.board_id)
    const expected = await served.store.shortIds('boards', ids)
    const rest = await served.client('rest')
    expect(await rest.app.service('boards').shortIds({ ids })).toEqual(expected)
    const socket = await served.client()
    expect(await socket.app.service('boards').shortIds({ ids })).toEqual(expected)
    await expect(socket.app.service('boards').shortIds({ ids: ['abc'] })).rejects.toMatchObject({ code: 400 })
    // whole ids in any form a get takes
    const loose = ids.map((id: string) => id.replaceAll('-', '').toUpperCase())
    expect(await socket.app.service('boards').shortIds({ ids: loose })).toEqual(expected)
    const session = await socket.app.service('sessions').create({ agent: 'short' })
    expect(await socket.app.service('sessions').shortIds({ ids: [session.session_id] })).toEqual(
      await served.store.shortIds('sessions', [session.session_id])
    )
  })

  it('serves a health endpoint', async () => {
    expect(await served.http('GET', '/health')).toMatchObject({
      status: 200,
      body: { status: 'ok', database: 'file' }
    })
  })
})

describe('socket.io', () => {
  it('creates, gets, finds, updates, patches and removes with short ids', async () => {
    const client = await served.client()
    const sessions = client.app.service('sessions')
    const created = await sessions.create({ agent: 'socket', title: 'one' })
    expect(await stored('sessions', created.session_id)).toEqual(created)
    const short = await served.store.shortId('sessions', created.session_id)
    expect(await sessions.get(short)).toEqual(created)
    const page = await sessions.find({ query: { agent: 'socket' } })
    expect(page.total).toBe(1)
    expect(await sessions.update(short, { agent: 'socket', title: 'two' })).toMatchObject({ title: 'two' })
    expect((await stored('sessions', created.session_id))?.title).toBe('two')
    expect(await sessions.patch(short, { description: 'patched' })).toMatchObject({
      title: 'two',
      description: 'patched'
    })
    expect((await stored('sessions', created.session_id))?.description).toBe('patched')
    expect((await sessions.remove(short)).session_id).toBe(created.session_id)
    expect(await stored('sessions', created.session_id)).toBeUndefined()
    await expect(sessions.get(short)).rejects.toMatchObject({ name: 'NotFound', code: 404 })
  })

  it('forks, spawns and reads the genealogy, over both transports', async () => {
    const client = await served.client()
    const sessions = client.app.service('sessions')
    const root = await sessions.create({ agent: 'claude-code', title: 'root', repo: { cwd: '/w' } })
    // a short id is unique when it is shown; the documents created below would make 8 digits ambiguous
    const short = root.session_id.slice(0, 18)
    const fork = await sessions.fork({ id: short, title: 'fork' })
    expect(fork).toMatchObject({
      forked_from_session_id: root.session_id,
      agent: 'claude-code',
      status: 'idle'
    })
    const child = await sessions.spawn({ id: short, title: 'child' })
    expect(child.parent_session_id).toBe(root.session_id)
    const tree = await sessions.genealogy({ id: child.session_id })
    expect(tree.ancestors.map((s) => s.session_id)).toEqual([root.session_id])

    const rest = await served.client('rest')
    const viaRest = await rest.app.service('sessions').spawn({ id: short, title: 'rest child' })
    expect(viaRest.parent_session_id).toBe(root.session_id)
    const spawned = await served.http('POST', `/sessions/${short}/spawn`, { title: 'route child' })
    expect(spawned.status).toBe(201)
    expect(spawned.body.parent_session_id).toBe(root.session_id)
    const forked = await served.http('POST', `/sessions/${short}/fork`, {})
    expect(forked.body.forked_from_session_id).toBe(root.session_id)
    const genealogy = await served.http('GET', `/sessions/${short}/genealogy`)
    expect(genealogy.body.session.session_id).toBe(root.session_id)
    expect(genealogy.body.children.map((s: { title: string }) => s.title)).toEqual([
      'fork',
      'child',
      'rest child',
      'route child',
      'root'
    ])
    expect((await served.http('POST', '/sessions/ffffffff/fork', {})).status).toBe(404)
  })
})

describe('events', () => {
  it('reach a second client: one per document, for single and multi writes over both transports', async () => {
    const writer = await served.client()
    const listener = await served.client()
    const events = record(listener.app.service('tasks'))
    const session = await writer.app.service('sessions').create({ agent: 'events' })
    const tasks = writer.app.service('tasks')

    const one = await tasks.create({ session_id: session.session_id, description: 'one' })
    await tasks.update(one.task_id, { session_id: session.session_id, description: 'replaced' })
    await tasks.patch(one.task_id, { status: 'running' })
    await tasks.remove(one.task_id)
    const many = await tasks.create(
      [1, 2, 3].map((n) => ({ session_id: session.session_id, tool_use_count: n }))
    )
    await tasks.patch(null, { status: 'completed' }, { query: { session_id: session.session_id } })
    await served.http('PATCH', `/tasks?session_id=${session.session_id}`, { model: 'via-rest' })
    await tasks.remove(null, { query: { session_id: session.session_id } })

    await waitFor(() => events.length >= 16, 'sixteen task events')
    expect(events.map((e) => e.event)).toEqual([
      'created',
      'updated',
      'patched',
      'removed',
      ...Array(3).fill('created'),
      ...Array(3).fill('patched'),
      ...Array(3).fill('patched'),
      ...Array(3).fill('removed')
    ])
    expect(events[1]!.data.description).toBe('replaced')
    const ids = many.map((t) => t.task_id).sort()
    expect(
      events
        .slice(4, 7)
        .map((e) => e.data.task_id)
        .sort()
    ).toEqual(ids)
    expect(events.slice(10, 13).every((e) => e.data.model === 'via-rest')).toBe(true)
  })

  it('include the created event of a fork, once', async () => {
    const listener = await served.client()
    const events = record(listener.app.service('sessions'), ['created'])
    const root = (await served.http('POST', '/sessions', { agent: 'fork-events' })).body
    await served.http('POST', `/sessions/${root.session_id}/fork`, {})
    await waitFor(() => events.length >= 2, 'two created events')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(events.map((e) => e.data.forked_from_session_id)).toEqual([null, root.session_id])
  })
})

describe('errors', () => {
  it('not found is a 404', async () => {
    const { status, body } = await served.http('GET', '/sessions/ffffffff-ffff')
    expect(status).toBe(404)
    expect(body).toEqual({
      name: 'NotFound',
      message: "No session matches 'ffffffff-ffff'",
      code: 404,
      className: 'not-found',
      data: { id: 'ffffffff-ffff' }
    })
  })

  it('an ambiguous prefix is a 409 with the candidates', async () => {
    const made = (await served.http('POST', '/boards', [{ name: 'a' }, { name: 'b' }])).body
    const prefix = made[0].board_id.slice(0, 8)
    const { status, body } = await served.http('GET', `/boards/${prefix}`)
    expect(status).toBe(409)
    expect(body.name).toBe('Conflict')
    expect(body.data.prefix).toBe(prefix)
    expect(body.data.candidates.map((c: { id: string }) => c.id)).toEqual(
      expect.arrayContaining(made.map((b: { board_id: string }) => b.board_id))
    )
    const client = await served.client()
    await expect(client.app.service('boards').get(prefix)).rejects.toMatchObject({
      code: 409,
      data: { prefix, candidates: expect.any(Array) }
    })
  })

  it('an invalid document is a 400 with the issue paths, and nothing is written', async () => {
    const before = (await served.http('GET', '/sessions?$limit=0')).body.total
    const { status, body } = await served.http('POST', '/sessions', {
      agent: 'x',
      repo: { cwd: 5 },
      colour: 'red'
    })
    expect(status).toBe(400)
    expect(body.name).toBe('BadRequest')
    expect(body.data.issues.map((i: { path: string[] }) => i.path)).toEqual(
      expect.arrayContaining([['repo', 'cwd'], ['colour']])
    )
    expect((await served.http('GET', '/sessions?$limit=0')).body.total).toBe(before)
  })

  it('a duplicate unique key is a 409, a missing reference a 400', async () => {
    expect((await served.http('POST', '/repos', { slug: 'org/dup' })).status).toBe(201)
    const dup = await served.http('POST', '/repos', { slug: 'org/dup' })
    expect(dup.status).toBe(409)
    expect(dup.body.message).toBe('A repo with slug "org/dup" already exists')
    const missing = await served.http('POST', '/tasks', {
      session_id: '0199b73d-b52e-7ed1-b028-277d6ad08cef'
    })
    expect(missing.status).toBe(400)
    expect(missing.body.message).toMatch(/session_id .* does not name an existing session/)
  })

  it('bad ids, unknown fields and bad JSON are 400s; oversized bodies 413', async () => {
    expect((await served.http('GET', '/sessions/xyz')).body).toMatchObject({
      code: 400,
      message: /at least 4 hex/
    })
    expect((await served.http('GET', '/sessions?nope=1')).status).toBe(400)
    expect((await served.http('GET', '/sessions?$sort[nope]=1')).status).toBe(400)
    expect((await served.http('POST', '/sessions', '{"agent": ')).body).toMatchObject({
      code: 400,
      name: 'BadRequest'
    })
    const big = await served.http('POST', '/sessions', {
      agent: 'x',
      description: 'y'.repeat(2 * 1024 * 1024)
    })
    expect(big.status).toBe(413)
    expect(big.body).toMatchObject({ name: 'PayloadTooLarge', code: 413 })
  })

  it('an unexpected failure is a 500 without stack, SQL or driver text, and the server goes on', async () => {
    const logged: unknown[] = []
    const report = log.error
    log.error = (_, error) => logged.push(error)
    try {
      await served.store.database.connection.execute('DROP TABLE boards')
      const rest = await served.http('GET', '/boards')
      expect(rest.status).toBe(500)
      expect(rest.body).toEqual({
        name: 'GeneralError',
        message: 'Internal server error',
        code: 500,
        className: 'general-error'
      })
      expect(rest.text).not.toMatch(/boards|SQL|libsql|at /i)
      const client = await served.client()
      const error = await client.app
        .service('boards')
        .create({ name: 'x' })
        .catch((e: unknown) => e)
      expect(JSON.parse(JSON.stringify(error))).toEqual({
        name: 'GeneralError',
        message: 'Internal server error',
        code: 500,
        className: 'general-error'
      })
      expect(String(logged[0])).toMatch(/no such table/)
      expect((await served.http('GET', '/sessions?$limit=1')).status).toBe(200)
    } finally {
      log.error = report
    }
  })
})

/** A write transaction that holds the served database until `releaseDatabase()`. */
function holdDatabase(target: Served) {
  let releaseDatabase = () => {}
  const held = target.store.database.connection.transaction('write', async (tx) => {
    await tx.execute('SELECT 1')
    await new Promise<void>((resolve) => (releaseDatabase = resolve))
  })
  return { held, releaseDatabase: () => releaseDatabase() }
}

describe('shutdown', () => {
  it('lets a request in flight finish, then stops accepting and closes', async () => {
    const other = await serve()
    // a transaction holds the database, so the request below stays in flight while close() starts
    const { held, releaseDatabase } = holdDatabase(other)
    const pending = other.http(
      'POST',
      '/boards',
      Array.from({ length: 500 }, (_, i) => ({ name: `board ${i}` }))
    )
    await waitFor(() => other.store.app.get('inFlight').count > 0, 'the request to arrive')
    const closing = other.server.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    releaseDatabase()
    await held
    const response = await pending
    await closing
    expect(response.status).toBe(201)
    expect(response.body).toHaveLength(500)
    expect((await other.store.collection('boards').find({ query: { $limit: 0 }, paginate: {} })).total).toBe(
      500
    )
    await expect(fetch(`${other.server.url}/health`)).rejects.toThrow()
    await other.store.close()
  })

  it('answers requests that arrive while it drains, asking the client to close the connection', async () => {
    const other = await serve()
    const { held, releaseDatabase } = holdDatabase(other)
    const first = other.http('POST', '/boards', { name: 'first' })
    await waitFor(() => other.store.app.get('inFlight').count > 0, 'the first request to arrive')
    const closing = other.server.close()
    // sent after close() began, as a request queued behind a busy event loop would be read
    const late = fetch(`${other.server.url}/boards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'late' })
    })
    await waitFor(() => other.store.app.get('inFlight').count > 1, 'the late request to arrive')
    releaseDatabase()
    await held
    expect((await first).status).toBe(201)
    const response = await late
    expect(response.status).toBe(201)
    expect(response.headers.get('connection')).toBe('close')
    await closing
    const names = (await other.store.collection('boards').find({ paginate: false })).map((b) => b.name)
    expect(names.sort()).toEqual(['first', 'late'])
    await other.store.close()
  })
})
