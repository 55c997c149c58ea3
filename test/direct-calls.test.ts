import type { HookContext } from '@feathersjs/feathers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../src/service/store.js'
import { openTempStore } from './helpers.js'

describe('calls in the process skip an idle hook chain, and only then', () => {
  let store: Store
  beforeAll(async () => {
    store = await openTempStore({ auth: false })
  })
  afterAll(() => store.close())

  it('answers as the chain does, a context when given one, and runs every hook registered later', async () => {
    const sessions = store.service('sessions')
    const doc = await sessions.create({ agent: 'direct' })
    expect(await sessions.get(doc.session_id)).toEqual(doc)
    expect((await sessions.find({ query: { agent: 'direct' } })).data).toEqual([doc])
    await expect(sessions.get('ffffffff')).rejects.toMatchObject({ code: 404 })
    // a transport passes a context and gets it back with the result
    const get = sessions.get as unknown as { createContext(): HookContext } & ((
      ...args: unknown[]
    ) => Promise<HookContext>)
    const context = await get.call(sessions, doc.session_id, {}, get.createContext())
    expect(context.result).toEqual(doc)

    const seen: string[] = []
    store.app.hooks({ before: { all: [(c: HookContext) => void seen.push(`app ${c.method}`)] } })
    sessions.hooks({
      around: {
        get: [
          async (c: HookContext, next: () => Promise<void>) => {
            seen.push(`service ${c.method}`)
            await next()
          }
        ]
      }
    })
    await sessions.get(doc.session_id)
    await sessions.find({ query: {} })
    const made = await sessions.create({ agent: 'hooked' })
    expect(seen).toEqual(['app get', 'service get', 'app find', 'app create'])
    expect(await sessions.get(made.session_id)).toEqual(made)
  })
})

describe('writes in the process skip an idle hook chain', () => {
  let store: Store
  beforeAll(async () => {
    store = await openTempStore({ auth: false })
  })
  afterAll(() => store.close())

  it('store what they are given and send each event as the chain does, with its context', async () => {
    const sessions = store.service('sessions')
    const events: [string, unknown, HookContext][] = []
    for (const event of ['created', 'updated', 'patched', 'removed'])
      sessions.on(event, (doc: unknown, context: HookContext) => events.push([event, doc, context]))

    const one = await sessions.create({ agent: 'a' })
    const many = await sessions.create([{ agent: 'b' }, { agent: 'c' }])
    const patched = await sessions.patch(one.session_id, { title: 'patched' })
    const replaced = await sessions.update(one.session_id, { agent: 'a2' })
    const removed = await sessions.remove(many[0]!.session_id)
    const multi = await sessions.patch(null, { title: 'all' }, { query: { agent: 'c' } })

    expect(await sessions.get(one.session_id)).toEqual(replaced)
    expect(replaced).toMatchObject({ agent: 'a2', updated_at: expect.any(String) })
    expect(replaced).not.toHaveProperty('title')
    await expect(sessions.get(many[0]!.session_id)).rejects.toMatchObject({ code: 404 })
    expect((await sessions.get(many[1]!.session_id)).title).toBe('all')

    expect(events.map(([event, doc]) => [event, doc])).toEqual([
      ['created', one],
      ['created', many[0]],
      ['created', many[1]],
      ['patched', patched],
      ['updated', replaced],
      ['removed', removed],
      ['patched', multi[0]]
    ])
    const contextOf = (k: number) => events[k]![2]
    expect(contextOf(0)).toMatchObject({
      method: 'create',
      path: 'sessions',
      event: 'created',
      data: { agent: 'a' }
    })
    expect(contextOf(0).result).toEqual(one)
    expect(contextOf(0).service).toBe(sessions)
    expect(contextOf(0).app).toBe(store.app)
    expect(contextOf(1).result).toEqual(many)
    expect(contextOf(3)).toMatchObject({ method: 'patch', id: one.session_id, data: { title: 'patched' } })
    expect(contextOf(5)).toMatchObject({ method: 'remove', id: many[0]!.session_id })
    expect(contextOf(6).params).toEqual({ query: { agent: 'c' } })
  })

  it('write alike without listeners, and send events to a listener from the write after it is added', async () => {
    const tasks = store.service('tasks')
    const session = await store.service('sessions').create({ agent: 'quiet' })
    const unheard = await tasks.create({ session_id: session.session_id })
    expect(await tasks.get(unheard.task_id)).toEqual(unheard)
    const heard: unknown[] = []
    tasks.once('created', (doc: unknown) => heard.push(doc))
    const first = await tasks.create({ session_id: session.session_id })
    const second = await tasks.create({ session_id: session.session_id })
    expect(heard).toEqual([first])
    expect(await tasks.get(second.task_id)).toEqual(second)
    expect(tasks.listenerCount('created')).toBe(0)
  })

  it('fail as the chain does, with nothing stored and no event', async () => {
    const sessions = store.service('sessions')
    let events = 0
    sessions.on('created', () => events++)
    const before = (await sessions.find({ query: { $limit: 0 } })).total
    await expect(sessions.create({ agent: '' })).rejects.toMatchObject({ code: 400 })
    await expect(sessions.create([{ agent: 'ok' }, { agent: 5 } as never])).rejects.toMatchObject({
      code: 400
    })
    await expect(sessions.patch('ffffffff', { title: 'x' })).rejects.toMatchObject({ code: 404 })
    expect((await sessions.find({ query: { $limit: 0 } })).total).toBe(before)
    expect(events).toBe(0)
  })

  it('take null params as none, as the chain does', async () => {
    const sessions = store.service('sessions')
    const made = await sessions.create({ agent: 'null params' }, null as never)
    expect(await sessions.get(made.session_id, null as never)).toEqual(made)
    expect((await sessions.find(null as never)).total).toBeGreaterThan(0)
    const patched = await sessions.patch(made.session_id, { title: 't' }, null as never)
    expect((await sessions.update(made.session_id, { agent: 'again' }, null as never)).agent).toBe('again')
    expect(patched.title).toBe('t')
    await sessions.remove(made.session_id, null as never)
    await expect(sessions.get(made.session_id)).rejects.toMatchObject({ code: 404 })
  })

  it('of users still run their own hooks: a password is kept as its hash', async () => {
    const users = store.service('users')
    const user = await users.create({
      email: 'direct@example.com',
      password: 'correct horse battery'
    } as never)
    expect(user).not.toHaveProperty('password')
    const userId = String((user as { user_id: string }).user_id)
    const { rows } = await store.database.connection.execute({
      sql: 'SELECT hash FROM agor_credentials WHERE user_id = ?',
      args: [userId]
    })
    expect(String(rows[0]?.hash)).toMatch(/^\$2[aby]\$/)
    const { rows: docs } = await store.database.connection.execute({
      sql: 'SELECT data FROM users WHERE user_id = ?',
      args: [userId]
    })
    expect(String(docs[0]?.data)).not.toContain('correct horse battery')
  })
})
