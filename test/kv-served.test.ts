// The key-value store served: REST (keys percent-encoded in paths), socket.io through connect(),
// their events, workspaces, and hostile keys refused with nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/index.js'
import { record, type Served, serve, waitFor } from './transport-helpers.js'

let served: Served

beforeAll(async () => {
  served = await serve()
  await served.store.database.workspaces.create('other')
})

afterAll(() => served.close())

const path = (key: string) => `/kv/${encodeURIComponent(key)}`
const count = async () =>
  Number((await served.store.database.connection.execute('SELECT count(*) AS n FROM kv')).rows[0]!.n)

describe('REST', () => {
  it('sets with PUT, compares-and-sets with a version, gets, lists by prefix and deletes', async () => {
    const key = 'ui:panel/left side'
    const made = await served.http('PUT', path(key), { value: { open: true } })
    expect(made.status).toBe(200)
    expect(made.body).toMatchObject({ key, value: { open: true }, version: 1 })
    const next = await served.http('PUT', path(key), { value: { open: false }, version: 1 })
    expect(next.body.version).toBe(2)
    const stale = await served.http('PUT', path(key), { value: 'x', version: 1 })
    expect(stale.status).toBe(409)
    expect(stale.body).toMatchObject({ name: 'Conflict', data: { expected: 1, version: 2 } })
    expect((await served.http('GET', path(key))).body.value).toEqual({ open: false })
    await served.http('PUT', path('ui:zoom'), { value: 2 })
    await served.http('PUT', path('other:x'), { value: 3 })
    const list = await served.http('GET', '/kv?key[$like]=ui%3A%25')
    expect(list.body.data.map((e: { key: string }) => e.key)).toEqual([key, 'ui:zoom'])
    expect((await served.http('PATCH', path(key), { value: 1 })).status).toBe(405)
    expect((await served.http('DELETE', path(key))).body.key).toBe(key)
    expect((await served.http('GET', path(key))).status).toBe(404)
    expect((await served.http('DELETE', path(key))).status).toBe(404)
  })

  it('reads an expired key as absent and lists only live ones', async () => {
    const past = new Date(Date.now() - 1000).toISOString()
    expect((await served.http('PUT', path('exp:x'), { value: 1, expires_at: past })).status).toBe(200)
    expect((await served.http('GET', path('exp:x'))).status).toBe(404)
    expect((await served.http('GET', '/kv?key[$like]=exp%3A%25')).body.total).toBe(0)
    const created = await served.http('PUT', path('exp:x'), { value: 2, version: 0 })
    expect(created.body).toMatchObject({ value: 2, version: 1 })
  })

  it('refuses hostile keys and bodies with 400, writing nothing, and goes on serving', async () => {
    const before = await count()
    for (const key of ['\n', 'a\u0000b', '\u001b[2J', 'x'.repeat(513), '\ud800'.replace(/./, '%ED%A0%80')]) {
      const res = await served.http('PUT', `/kv/${key.startsWith('%') ? key : encodeURIComponent(key)}`, {
        value: 1
      })
      expect(res.status, JSON.stringify(key)).toBe(400)
    }
    for (const body of [{}, { value: 1, version: 'one' }, { value: 1, extra: true }, [{ value: 1 }], 'text'])
      expect((await served.http('PUT', path('ok'), body)).status, JSON.stringify(body)).toBe(400)
    expect((await served.http('POST', '/kv', { key: 'k', value: 1, version: 5 })).status).toBe(400)
    expect(await count()).toBe(before)
    expect((await served.http('GET', '/health')).status).toBeLessThan(500)
  })

  it('keeps the same key apart in two workspaces', async () => {
    const other = { 'x-agor-workspace': 'other' }
    await served.http('PUT', path('ws:key'), { value: 'default' })
    await served.http('PUT', path('ws:key'), { value: 'other' }, other)
    expect((await served.http('GET', path('ws:key'))).body).toMatchObject({ value: 'default', version: 1 })
    expect((await served.http('GET', path('ws:key'), undefined, other)).body).toMatchObject({
      value: 'other'
    })
    expect((await served.http('DELETE', path('ws:key'), undefined, other)).status).toBe(200)
    expect((await served.http('GET', path('ws:key'))).status).toBe(200)
  })
})

describe('connect() over REST', () => {
  it('sets, compares-and-sets, gets and removes keys that need encoding', async () => {
    const client = await served.client('rest')
    const kv = client.app.service('kv')
    const key = 'rest:a/b?c#d %e'
    expect((await kv.update(key, { value: [1], version: 0 })).version).toBe(1)
    await expect(kv.update(key, { value: [2], version: 0 })).rejects.toMatchObject({ code: 409 })
    expect(await kv.get(key)).toMatchObject({ key, value: [1], version: 1 })
    await kv.remove(key)
    await expect(kv.get(key)).rejects.toMatchObject({ code: 404 })
  })
})

describe('socket.io', () => {
  it('sets and compares-and-sets through connect(), and hears every write as an event', async () => {
    const writer = await served.client()
    const listener = await served.client()
    const seen = record(listener.app.service('kv'))
    const kv = writer.app.service('kv')
    const made = await kv.update('sock:cursor', { value: 10, version: 0 })
    expect(made.version).toBe(1)
    await expect(kv.update('sock:cursor', { value: 11, version: 0 })).rejects.toMatchObject({ code: 409 })
    await kv.update('sock:cursor', { value: 11, version: 1 })
    expect(await kv.get('sock:cursor')).toMatchObject({ value: 11, version: 2 })
    const page = await kv.find({ query: { key: { $like: 'sock:%' } } })
    expect(Array.isArray(page) ? page.length : page.total).toBe(1)
    await kv.remove('sock:cursor')
    // a write by another connection (another process, as far as the daemon knows) comes through
    // the change feed
    const another = await openDatabase({ url: served.store.database.config.url })
    await another.collection('kv').update('sock:library', { value: 'x' })
    another.close()
    await waitFor(() => seen.some((e) => e.data.key === 'sock:library'), 'the library write’s event')
    // a set that creates the key is heard as created, as the change feed records it
    const events = seen.map((e) => `${e.event} ${String(e.data.key)} ${String(e.data.version)}`)
    expect(events).toEqual([
      'created sock:cursor 1',
      'updated sock:cursor 2',
      'removed sock:cursor 2',
      'created sock:library 1'
    ])
  })

  it('hears an expired key taken away as removed (actor expiry) before the set that replaces it', async () => {
    const listener = await served.client()
    const seen = record(listener.app.service('kv'))
    const past = new Date(Date.now() - 1000).toISOString()
    await served.http('PUT', path('sock:lease'), { value: 1, expires_at: past })
    await served.http('PUT', path('sock:lease'), { value: 2 })
    await served.http('PUT', path('sock:after'), { value: 3 })
    await waitFor(() => seen.some((e) => e.data.key === 'sock:after'), 'the last event')
    expect(seen.map((e) => `${e.event} ${String(e.data.key)} ${JSON.stringify(e.data.value)}`)).toEqual([
      'created sock:lease 1',
      'removed sock:lease 1',
      'created sock:lease 2',
      'created sock:after 3'
    ])
    const changes = await served.http('GET', '/changes?collection=kv&id=sock%3Alease')
    expect(changes.body.map((c: { event: string; actor: string }) => `${c.event} ${c.actor}`)).toEqual([
      'created anonymous',
      'removed expiry',
      'created anonymous'
    ])
  })
})
