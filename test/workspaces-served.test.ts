// Two workspaces served by one daemon, driven with each workspace's key over REST and socket.io:
// nothing of one ever reaches the other, and an administrative key works in the one it names.
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AgorClient, connect } from '../src/client.js'
import { type AgorServer, createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import { tempDbUrl } from './helpers.js'
import { type HttpResult, record, request, waitFor } from './transport-helpers.js'

const ADMIN = 'admin:admin-key-0123456789abcdef'
let store: Store
let server: AgorServer
const keys: Record<string, string> = {}
const clients: AgorClient[] = []
/** Ids that share their first 10 hex digits across the two workspaces. */
const shared = (n: number) =>
  `0199b73d-b5${n.toString(16).padStart(2, '0')}-7000-8000-${n.toString(16).padStart(12, '0')}`
const ONE = [shared(1), shared(3), shared(5)]
const TWO = [shared(2), shared(4), shared(6)]

beforeAll(async () => {
  store = await openStore({ url: tempDbUrl(), auth: { apiKeys: [ADMIN] } })
  const { workspaces } = store.database
  for (const name of ['one', 'two']) {
    await workspaces.create(name)
    keys[name] = (await workspaces.createKey(name, `key-${name}`)).key
  }
  await store.service('sessions').create(
    ONE.map((session_id) => ({ session_id, agent: 'a' })),
    { workspace: 'one' }
  )
  await store.service('sessions').create(
    TWO.map((session_id) => ({ session_id, agent: 'b' })),
    { workspace: 'two' }
  )
  server = await createServer(store, { port: 0 })
})
afterAll(async () => {
  for (const c of clients) c.close()
  await server.close()
  await store.close()
})

const as = (name: string) => ({ 'x-api-key': keys[name]! })
const http = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
  request(server.url, method, path, body, headers)
/** A socket client with `options`, connected, and the sessions events it receives. */
async function listening(options: { apiKey: string; workspace?: string }) {
  const client = connect(server.url, options)
  clients.push(client)
  const seen = record(client.app.service('sessions'))
  await client.app.service('sessions').find({ query: { $limit: 0 } })
  return { client, seen }
}
/** The ids of the other workspace never appear in `result`, whatever it is. */
const clean = (result: HttpResult | unknown, others: string[]) => {
  const text = JSON.stringify(result)
  for (const id of others) expect(text).not.toContain(id.slice(9))
}

describe('a workspace key', () => {
  it('lists, gets and resolves prefixes among its workspace’s documents only', async () => {
    const list = await http('GET', '/sessions', as('one'))
    expect(list.body.total).toBe(3)
    clean(list, TWO)
    expect((await http('GET', `/sessions/${ONE[0]}`, as('one'))).status).toBe(200)
    const other = await http('GET', `/sessions/${TWO[0]}`, as('one'))
    expect(other.status).toBe(404)
    // a 10-digit prefix that both workspaces share is ambiguous among the caller's own only
    const ambiguous = await http('GET', '/sessions/0199b73db5', as('two'))
    expect(ambiguous.status).toBe(409)
    clean(ambiguous, ONE)
    expect(ambiguous.body.data.candidates.map((c: { id: string }) => c.id).sort()).toEqual([...TWO].sort())
    const byPrefix = await http('GET', `/sessions/${TWO[1]!.slice(0, 13)}`, as('two'))
    expect(byPrefix.body.session_id).toBe(TWO[1])
    const shorts = await http(
      'POST',
      '/sessions',
      { ...as('one'), 'x-service-method': 'shortIds' },
      { ids: ONE }
    )
    expect(shorts.status).toBe(200)
    expect(shorts.body.map((short: string, i: number) => ONE[i]!.startsWith(short))).toEqual([
      true,
      true,
      true
    ])
  })

  it('writes into its workspace and cannot touch the other’s documents', async () => {
    const made = await http('POST', '/sessions', as('two'), { agent: 'made by two' })
    expect(made.status).toBe(201)
    const row = await store.database.connection.execute({
      sql: 'SELECT workspace FROM sessions WHERE session_id = ?',
      args: [made.body.session_id]
    })
    expect(row.rows[0]?.workspace).toBe('two')
    for (const [method, body] of [
      ['PATCH', { title: 'x' }],
      ['PUT', { agent: 'x' }],
      ['DELETE', undefined]
    ] as const) {
      const answer = await http(method, `/sessions/${TWO[2]}`, as('one'), body)
      expect(answer.status).toBe(404)
    }
    const all = await http('PATCH', '/sessions?$all=true', as('one'), { title: 'one only' })
    expect(all.body).toHaveLength(3)
    expect((await store.service('sessions').get(TWO[2]!, { workspace: 'two' })).title).toBeUndefined()
    // a task of one that names a session of two is refused as one that names nothing
    const cross = await http('POST', '/tasks', as('one'), { session_id: TWO[0], description: 'x' })
    expect(cross.status).toBe(400)
    clean(cross.body.message, [])
  })

  it('cannot name another workspace, and reads only its own changes', async () => {
    const named = await http('GET', '/sessions', { ...as('one'), 'x-agor-workspace': 'two' })
    expect(named.status).toBe(404)
    const changes = await http('GET', '/changes?$limit=1000', as('one'))
    expect(changes.status).toBe(200)
    expect(changes.body.length).toBeGreaterThan(0)
    expect(new Set(changes.body.map((c: { workspace: string }) => c.workspace))).toEqual(new Set(['one']))
    clean(changes, TWO)
  })

  it('receives only its workspace’s events over socket.io', async () => {
    const { client: one, seen: seenOne } = await listening({ apiKey: keys.one! })
    const { client: two, seen: seenTwo } = await listening({ apiKey: keys.two! })
    const b = await two.app.service('sessions').create({ agent: 'two over socket' })
    const a = await one.app.service('sessions').create({ agent: 'one over socket' })
    // events come in seq order: once each sees the later write, the earlier one has come or never will
    await waitFor(() => seenOne.some((e) => e.data.session_id === a.session_id), 'one’s event')
    await waitFor(() => seenTwo.some((e) => e.data.session_id === b.session_id), 'two’s event')
    await http('PATCH', `/sessions/${a.session_id}`, as('one'), { title: 'last' })
    await waitFor(() => seenOne.some((e) => e.event === 'patched'), 'one’s patch')
    clean(seenOne, [...TWO, b.session_id])
    clean(seenTwo, [...ONE, a.session_id])
  })

  it('stops working when revoked, its access tokens too', async () => {
    const made = await store.database.workspaces.createKey('one', 'short-lived')
    const login = await http('POST', '/authentication', {}, { strategy: 'apiKey', apiKey: made.key })
    expect(login.status).toBe(201)
    const bearer = { authorization: `Bearer ${login.body.accessToken}` }
    expect((await http('GET', '/sessions', bearer)).body.total).toBeGreaterThan(0)
    await store.database.workspaces.revokeKey('short-lived')
    expect((await http('GET', '/sessions', { 'x-api-key': made.key })).status).toBe(401)
    expect((await http('GET', '/sessions', bearer)).status).toBe(401)
  })
})

describe('a revoked key', () => {
  it('ends the events of the sockets it opened, at once', async () => {
    const doomed = await store.database.workspaces.createKey('two', 'doomed')
    const { client: revoked, seen: seenRevoked } = await listening({ apiKey: doomed.key })
    const { seen: seenWitness } = await listening({ apiKey: keys.two! })
    const before = await http('POST', '/sessions', as('two'), { agent: 'before revoking' })
    await waitFor(
      () => seenRevoked.some((e) => e.data.session_id === before.body.session_id),
      'the first event'
    )
    await store.database.workspaces.revokeKey('doomed')
    const after = await http('POST', '/sessions', as('two'), { agent: 'after revoking' })
    await waitFor(() => seenWitness.some((e) => e.data.session_id === after.body.session_id), 'the witness')
    expect(seenRevoked.map((e) => e.data.session_id)).not.toContain(after.body.session_id)
    await expect(revoked.app.service('sessions').find({ query: {} })).rejects.toMatchObject({ code: 401 })
  })
})

describe('an administrative key', () => {
  it('receives the events of the workspace its socket names in auth.workspace only', async () => {
    const { seen } = await listening({ apiKey: ADMIN.slice('admin:'.length), workspace: 'one' })
    const two = await http('POST', '/sessions', as('two'), { agent: 'not for one' })
    const one = await http('POST', '/sessions', as('one'), { agent: 'for one' })
    await waitFor(() => seen.some((e) => e.data.session_id === one.body.session_id), 'one’s event')
    expect(seen.map((e) => e.data.session_id)).not.toContain(two.body.session_id)
  })

  it('is refused a connection whose auth.workspace is no text', async () => {
    for (const workspace of [['one'], { name: 'one' }, 1]) {
      const raw: Socket = io(server.url, {
        transports: ['websocket'],
        auth: { workspace },
        extraHeaders: { 'x-api-key': ADMIN }
      })
      try {
        const refused = await new Promise<Error>((resolve, reject) => {
          raw.on('connect_error', resolve)
          raw.on('connect', () => reject(new Error('connected')))
        })
        expect(refused.message).toBe('auth.workspace must be a name')
      } finally {
        raw.close()
      }
    }
  })

  it('works in the workspace it names, default otherwise, and reads every workspace’s changes', async () => {
    const admin = { 'x-api-key': ADMIN }
    expect((await http('GET', '/sessions', admin)).body.total).toBe(0)
    const two = await http('GET', '/sessions', { ...admin, 'x-agor-workspace': 'two' })
    expect(two.body.data.map((s: { session_id: string }) => s.session_id)).toEqual(
      expect.arrayContaining(TWO)
    )
    expect((await http('GET', '/sessions', { ...admin, 'x-agor-workspace': 'nope' })).status).toBe(404)
    const changes = await http('GET', '/changes?$limit=1000', admin)
    expect(new Set(changes.body.map((c: { workspace: string }) => c.workspace))).toEqual(
      new Set(['one', 'two'])
    )
  })
})
