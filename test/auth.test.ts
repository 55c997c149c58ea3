import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../src/client.js'
import { createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import { tempDbUrl } from './helpers.js'
import { record, request, waitFor } from './transport-helpers.js'

const API_KEY = 'test-key-0123456789abcdef'
let store: Store
let server: Awaited<ReturnType<typeof createServer>>
const clients: { close(): void }[] = []

beforeAll(async () => {
  store = await openStore({ url: tempDbUrl(), auth: { apiKeys: [API_KEY, 'second-key-0123456789'] } })
  server = await createServer(store, { port: 0 })
})
afterAll(async () => {
  for (const c of clients) c.close()
  await server.close()
  await store.close()
})

const http = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  request(server.url, method, path, body, headers)

const count = async () =>
  (await store.collection('boards').find({ query: { $limit: 0 }, paginate: {} })).total

describe('with authentication on', () => {
  it('refuses REST calls without a key, or with a wrong one, and writes nothing', async () => {
    const before = await count()
    const none = await http('POST', '/boards', { name: 'x' })
    expect(none.status).toBe(401)
    expect(none.body).toMatchObject({ name: 'NotAuthenticated', code: 401 })
    expect((await http('GET', '/boards')).status).toBe(401)
    expect((await http('POST', '/boards', { name: 'x' }, { 'x-api-key': `${API_KEY}x` })).status).toBe(401)
    expect((await http('POST', '/boards', { name: 'x' }, { authorization: 'Bearer nonsense' })).status).toBe(
      401
    )
    expect(await count()).toBe(before)
  })

  it('accepts every configured API key, and access tokens obtained with one', async () => {
    const made = await http('POST', '/boards', { name: 'with key' }, { 'x-api-key': API_KEY })
    expect(made.status).toBe(201)
    expect((await store.collection('boards').get(made.body.board_id)).name).toBe('with key')
    expect((await http('GET', '/boards', undefined, { 'x-api-key': 'second-key-0123456789' })).status).toBe(
      200
    )
    const login = await http('POST', '/authentication', { strategy: 'apiKey', apiKey: API_KEY })
    expect(login.status).toBe(201)
    expect(typeof login.body.accessToken).toBe('string')
    const viaToken = await http('GET', `/boards/${made.body.board_id}`, undefined, {
      authorization: `Bearer ${login.body.accessToken}`
    })
    expect(viaToken.body.name).toBe('with key')
    expect((await http('POST', '/authentication', { strategy: 'apiKey', apiKey: 'wrong' })).status).toBe(401)
  })

  it('sends events only to authenticated sockets, and refuses calls from the others', async () => {
    const anonymous = connect(server.url)
    const member = connect(server.url, { apiKey: API_KEY })
    clients.push(anonymous, member)
    await member.app.service('boards').find({ query: { $limit: 0 } })
    await expect(anonymous.app.service('boards').find({})).rejects.toMatchObject({ code: 401 })
    const seenByAnonymous = record(anonymous.app.service('boards'))
    const seenByMember = record(member.app.service('boards'))
    await http('POST', '/boards', { name: 'event' }, { 'x-api-key': API_KEY })
    await member.app.service('boards').create({ name: 'from socket' })
    await waitFor(() => seenByMember.length >= 2, 'two events for the authenticated socket')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(seenByMember.map((e) => e.data.name)).toEqual(['event', 'from socket'])
    expect(seenByAnonymous).toEqual([])
  })

  it('keeps the health endpoint open', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200)
  })
})

describe('binding', () => {
  it('refuses an address beyond loopback without authentication', async () => {
    const open = await openStore({ url: tempDbUrl(), auth: false })
    try {
      await expect(createServer(open, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/without authentication/)
      const local = await createServer(open, { host: '127.0.0.1', port: 0 })
      await local.close()
    } finally {
      await open.close()
    }
  })

  it('listens beyond loopback when authentication is on', async () => {
    const guarded = await openStore({ url: tempDbUrl(), auth: { apiKeys: [API_KEY] } })
    try {
      const wide = await createServer(guarded, { host: '0.0.0.0', port: 0 })
      expect(wide.port).toBeGreaterThan(0)
      await wide.close()
    } finally {
      await guarded.close()
    }
  })

  it('refuses short API keys', async () => {
    await expect(openStore({ url: tempDbUrl(), auth: { apiKeys: ['short'] } })).rejects.toThrow(/at least 16/)
  })
})
