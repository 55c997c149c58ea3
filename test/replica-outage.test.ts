// The primary stops in the middle of a run and comes back: replicas keep serving reads, writes and
// syncs fail with a clear 503, replicas opened meanwhile read their local copy, and everything
// recovers without reopening anything, in the library and in a daemon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { replicaTimings } from '../src/db/probe.js'
import { DatabaseUnavailableError } from '../src/errors.js'
import type { DocOf } from '../src/schema/collection.js'
import type { sessions } from '../src/schema/index.js'
import { type AgorServer, createServer } from '../src/service/server.js'
import type { Store } from '../src/service/store.js'
import { cutProxy } from './cut-proxy.js'
import { tempDbUrl } from './helpers.js'
import { captureWarnings, eventually, useSqld } from './sqld-helpers.js'
import { request } from './transport-helpers.js'

const sqld = useSqld()
const warnings = captureWarnings()
const timings = { ...replicaTimings }
let running: Store
let daemonStore: Store
let daemon: AgorServer
let localUrl: string
let before: DocOf<typeof sessions>

beforeAll(async () => {
  replicaTimings.recoveryInterval = 200
  localUrl = tempDbUrl('running.db')
  running = await sqld.replica({ url: localUrl })
  daemonStore = await sqld.replica()
  daemon = await createServer(daemonStore, { host: '127.0.0.1', port: 0 })
  before = await running.service('sessions').create({ agent: 'before the outage', title: 'kept' })
  await daemonStore.sync()
})
afterAll(async () => {
  Object.assign(replicaTimings, timings)
  await daemon.close()
})

const unreachable = () => `The primary database at ${sqld.server.url} is unreachable`

describe('while the primary is down', () => {
  beforeAll(() => sqld.server.pause())

  it('a running replica serves reads from its copy', async () => {
    const sessions = running.service('sessions')
    const short = await running.shortId('sessions', before.session_id)
    expect(await sessions.get(short)).toEqual(before)
    const page = await sessions.find({ query: { agent: 'before the outage' } })
    expect(page).toMatchObject({ total: 1, data: [before] })
  })

  it('writes and syncs fail with a clear 503, and nothing is written', async () => {
    for (const attempt of [
      () => running.service('sessions').create({ agent: 'lost' }),
      () => running.service('sessions').patch(before.session_id, { title: 'lost' }),
      () => running.sync()
    ]) {
      const error = await attempt().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DatabaseUnavailableError)
      expect(error).toMatchObject({ code: 503, message: unreachable() })
    }
    expect(await running.service('sessions').get(before.session_id)).toEqual(before)
  })

  it('a replica with a local copy opens read-only, with a warning; a new one cannot open', async () => {
    const reopened = await sqld.replica({ url: localUrl })
    expect(reopened.database.connection.readOnly).toBe(true)
    expect(warnings).toContain(
      `${unreachable()}: reading the local replica ${reopened.config.path} until it returns; writes fail meanwhile`
    )
    expect(await reopened.service('sessions').get(before.session_id)).toEqual(before)
    await expect(reopened.service('boards').create({ name: 'lost' })).rejects.toMatchObject({
      code: 503,
      message: `${unreachable()}; this replica serves reads from its local copy until it returns`
    })

    const fresh = await sqld.replica().catch((e: unknown) => e)
    expect(fresh).toBeInstanceOf(DatabaseUnavailableError)
    expect((fresh as Error).message).toMatch(
      new RegExp(
        `^${unreachable()}, and the replica .*replica\\.db has no local copy yet: it needs the primary once to copy the database$`
      )
    )
  })

  it('a daemon on a replica answers reads and refuses writes with the 503', async () => {
    const got = await request(daemon.url, 'GET', `/sessions/${before.session_id}`)
    expect(got).toMatchObject({ status: 200, body: before })
    const refused = await request(daemon.url, 'POST', '/boards', { name: 'lost' })
    expect(refused.status).toBe(503)
    expect(refused.body).toEqual({
      name: 'Unavailable',
      message: unreachable(),
      code: 503,
      className: 'unavailable'
    })
  })
})

describe('when the primary returns', () => {
  let readOnly: Store
  beforeAll(async () => {
    readOnly = await sqld.replica({ url: localUrl })
    expect(readOnly.database.connection.readOnly).toBe(true)
    await sqld.server.start()
  })

  it('the running replica writes and syncs again, without reopening', async () => {
    const after = await running.service('sessions').create({ agent: 'after the outage' })
    expect(await running.service('sessions').get(after.session_id)).toEqual(after)
    expect((await running.sync()).frameNo).toBeGreaterThan(0)
    const primary = await sqld.open()
    expect(await primary.service('sessions').get(after.session_id)).toEqual(after)
    expect((await primary.service('sessions').find({ query: { agent: 'lost' } })).total).toBe(0)
  })

  it('a replica opened read-only reconnects by itself, and on a write', async () => {
    await eventually(async () => {
      if (readOnly.database.connection.readOnly) throw new Error('still read-only')
    }, 'the reconnection')
    expect(warnings).toContain(
      `The primary database at ${sqld.server.url} is reachable again: ${readOnly.config.path} syncs with it again`
    )
    expect((await readOnly.service('boards').create({ name: 'after' })).name).toBe('after')

    replicaTimings.recoveryInterval = 60_000
    await sqld.server.pause()
    const another = await sqld.replica({ url: localUrl })
    expect(another.database.connection.readOnly).toBe(true)
    await sqld.server.start()
    const written = await another.service('boards').create({ name: 'reconnected by a write' })
    expect(another.database.connection.readOnly).toBe(false)
    expect(await (await sqld.open()).service('boards').get(written.board_id)).toEqual(written)
  })

  it('the daemon writes again', async () => {
    const created = await request(daemon.url, 'POST', '/boards', { name: 'daemon after' })
    expect(created.status).toBe(201)
    expect(await daemonStore.service('boards').get(created.body.board_id)).toEqual(created.body)
  })
})

describe('a connection to the primary that breaks in the middle of a write', () => {
  it('is a 503 that says the write may have been applied, and the replica carries on', async () => {
    const proxy = await cutProxy(new URL(sqld.server.url))
    try {
      const replica = await sqld.replica({ syncUrl: proxy.url })
      const sessions = replica.service('sessions')
      const doc = await sessions.create({ agent: 'cut', title: 'before' })
      await proxy.set('cut-driver')
      for (const attempt of [
        () => sessions.patch(doc.session_id, { title: 'during' }),
        () => sessions.create({ agent: 'cut', title: 'during' })
      ]) {
        const error = await attempt().catch((e: unknown) => e)
        expect(error).toBeInstanceOf(DatabaseUnavailableError)
        expect((error as Error).message).toMatch(
          new RegExp(`^The primary database at ${proxy.url} went away during the call`)
        )
      }
      await proxy.set('pass')
      const after = await eventually(() => sessions.patch(doc.session_id, { title: 'after' }), 'a write')
      expect(await (await sqld.open()).service('sessions').get(doc.session_id)).toEqual(after)
    } finally {
      await proxy.close()
    }
  })
})
