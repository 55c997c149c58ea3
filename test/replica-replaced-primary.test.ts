// A primary that lost its data and was then set up again by someone else (a new database with
// another id), then crashed and restarted: its replicas must never sync from it again, whatever
// path would sync (their periodic syncs, the daemon's feed, a write and the sync after it, a reopen,
// a replica started with its old copy), until someone asks for a rebootstrap, which keeps a backup.
import { existsSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveDatabaseConfig } from '../src/db/config.js'
import { rebootstrapReplica } from '../src/db/rebootstrap.js'
import { type AgorServer, createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import { type CutProxy, cutProxy } from './cut-proxy.js'
import { tempDbUrl } from './helpers.js'
import { captureWarnings, eventually, useSqld } from './sqld-helpers.js'
import { request } from './transport-helpers.js'

const sqld = useSqld()
const warnings = captureWarnings()
let proxy: CutProxy
let running: Store
let server: AgorServer
const restartedUrl = tempDbUrl('restarted.db')
const unawareUrl = tempDbUrl('unaware.db')
let unaware: Store
const seeded: string[] = []
let originalId: string
let newcomerId: string

const replicaOf = (url: string, syncInterval: number) =>
  openStore({ url, syncUrl: proxy.url, syncInterval, auth: false })

/** The database id stored in a replica's local copy, and what it holds. */
async function contentOf(store: Store) {
  const { rows } = await store.database.connection.execute('SELECT id FROM agor_database')
  const sessions = await store.service('sessions').find({ query: { $limit: 50 }, paginate: false })
  const boards = await store.service('boards').find({ query: { $limit: 50 }, paginate: false })
  return {
    id: rows[0]?.id,
    sessions: sessions.map((s) => s.session_id).sort(),
    boards: boards.map((b) => b.name)
  }
}

const intact = () => ({ id: originalId, sessions: [...seeded].sort(), boards: [] })

/** Waits until the replicas asked the primary for its identity `n` more times. */
async function identityChecks(n: number): Promise<void> {
  const start = await proxy.identityChecks()
  await eventually(async () => {
    const seen = await proxy.identityChecks()
    if (seen < start + n) throw new Error(`${seen - start} of ${n}`)
  }, `${n} identity checks`)
}

beforeAll(async () => {
  proxy = await cutProxy(new URL(sqld.server.url))
  const primary = await sqld.open()
  for (let i = 0; i < 5; i++) {
    seeded.push((await primary.service('sessions').create({ agent: `seed ${i}` })).session_id)
  }
  originalId = String((await primary.database.connection.execute('SELECT id FROM agor_database')).rows[0]?.id)
  running = await replicaOf(tempDbUrl('running.db'), 1)
  server = await createServer(running, { host: '127.0.0.1', port: 0 })
  unaware = await replicaOf(unawareUrl, 0)
  const restarted = await replicaOf(restartedUrl, 1)
  expect(await contentOf(restarted)).toEqual(intact())
  await restarted.close()
  expect(await contentOf(running)).toEqual(intact())

  // the primary loses its data: same address, empty folder
  await sqld.closeAll()
  await sqld.server.pause()
  rmSync(sqld.server.dbPath, { recursive: true, force: true })
  await sqld.server.start()
  await eventually(async () => {
    const [problem] = await running.database.connection.problems()
    if (!problem?.includes('lost its data')) throw new Error(String(problem))
  }, 'the running replica noticing the loss')

  // another machine sets the empty primary up again: a new database, with an id of its own
  const newcomer = await sqld.open()
  await newcomer.service('boards').create({ name: 'newcomer' })
  newcomerId = String(
    (await newcomer.database.connection.execute('SELECT id FROM agor_database')).rows[0]?.id
  )
  await sqld.closeAll()
  // and it crashes and restarts on its folder (its replication log starts anew)
  await sqld.server.kill()
  await sqld.server.start()
})

afterAll(async () => {
  await server?.close()
  await running?.close()
  await unaware?.close()
  await proxy?.close()
})

describe('replicas of a primary replaced by another database', () => {
  it('a running replica keeps its copy through its periodic syncs and its feed', async () => {
    await identityChecks(4)
    expect(await contentOf(running)).toEqual(intact())
    const health = await request(server.url, 'GET', '/health')
    expect(health.body).toMatchObject({ status: 'degraded' })
    expect(health.body.problems[0]).toContain(`its database id is ${newcomerId}`)
    const page = await request(server.url, 'GET', '/sessions?$limit=0')
    expect(page.body.total).toBe(5)
    // the daemon's log says it once, in the same words
    const said = warnings.filter((w) => w.startsWith(`The primary database at ${proxy.url} lost its data`))
    expect(said).toHaveLength(1)
  })

  it('refuses syncs and writes, and nothing reaches the new primary', async () => {
    const sync = await running.sync().catch((e: unknown) => e)
    expect(sync).toMatchObject({ code: 503, message: expect.stringContaining('lost its data') })
    const write = await request(server.url, 'POST', '/sessions', { agent: 'refused' })
    expect(write.status).toBe(503)
    expect(write.body.message).toContain('lost its data')
    expect(await contentOf(running)).toEqual(intact())
    const primary = await sqld.open()
    const there = await primary.service('sessions').find({ query: { $limit: 0 } })
    expect(there.total).toBe(0)
  })

  it('a replica that has not noticed yet refuses its first write and keeps its copy', async () => {
    const write = await unaware
      .service('sessions')
      .create({ agent: 'unaware' })
      .catch((e: unknown) => e)
    expect(write).toMatchObject({ code: 503, message: expect.stringContaining('lost its data') })
    expect(await contentOf(unaware)).toEqual(intact())
    const primary = await sqld.open()
    expect((await primary.service('sessions').find({ query: { agent: 'unaware' } })).total).toBe(0)
  })

  it('a replica opened on its old copy does not sync, before or after the open', async () => {
    const restarted = await replicaOf(restartedUrl, 1)
    try {
      const [problem] = await restarted.database.connection.problems()
      expect(problem).toContain(`its database id is ${newcomerId}`)
      await identityChecks(4)
      expect(await contentOf(restarted)).toEqual(intact())
      await expect(restarted.sync()).rejects.toMatchObject({ code: 503 })
      expect(await contentOf(restarted)).toEqual(intact())
    } finally {
      await restarted.close()
    }
  })

  it('starts over from the new primary only when asked to, keeping the old copy', async () => {
    const config = resolveDatabaseConfig({ url: restartedUrl, syncUrl: proxy.url, syncInterval: 0 })
    const { backup } = await rebootstrapReplica(config)
    expect(backup && existsSync(backup)).toBe(true)
    const old = await openStore({ url: `file:${backup}`, auth: false })
    expect(await contentOf(old)).toEqual(intact())
    await old.close()
    const again = await replicaOf(restartedUrl, 0)
    expect(await contentOf(again)).toEqual({ id: newcomerId, sessions: [], boards: ['newcomer'] })
    expect(await again.database.connection.problems()).toEqual([])
    await again.close()
  })
})
