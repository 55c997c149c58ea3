// A primary that restarts empty (its data lost): its replicas notice, say so in words, refuse
// writes that would go to another database, keep serving their copy, and can start over from the
// primary with their old copy kept as a backup.
import { existsSync, rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import { agor, json } from './cli-helpers.js'
import { tempDbUrl } from './helpers.js'
import { eventually, useSqld } from './sqld-helpers.js'
import { request } from './transport-helpers.js'

const sqld = useSqld()
const replicaUrl = tempDbUrl('replica.db')
let replica: Store
let sessionId: string

beforeAll(async () => {
  const primary = await sqld.open()
  sessionId = (await primary.service('sessions').create({ agent: 'before the loss' })).session_id
  replica = await openStore({ url: replicaUrl, syncUrl: sqld.server.url, syncInterval: 0, auth: false })
  expect(await replica.database.connection.problems()).toEqual([])
  // the primary loses its data: same address, empty folder
  await sqld.closeAll()
  await sqld.server.pause()
  rmSync(sqld.server.dbPath, { recursive: true, force: true })
  await sqld.server.start()
})

afterAll(async () => {
  await replica?.close()
})

describe('a replica whose primary lost its data', () => {
  it('says so on sync and on writes, keeps its copy readable, and reports it in /health', async () => {
    const sync = await replica.sync().catch((e: unknown) => e)
    expect(sync).toMatchObject({ code: 503 })
    expect((sync as Error).message).toMatch(
      /lost its data or is another database.*agor db sync --rebootstrap/
    )

    const write = await replica
      .service('sessions')
      .create({ agent: 'lost' })
      .catch((e: unknown) => e)
    expect(write).toMatchObject({ code: 503 })
    expect((write as Error).message).toMatch(/lost its data/)
    expect((await replica.service('sessions').get(sessionId)).agent).toBe('before the loss')

    const server = await createServer(replica, { host: '127.0.0.1', port: 0 })
    try {
      const health = await eventually(async () => {
        const res = await request(server.url, 'GET', '/health')
        if (res.body.status !== 'degraded') throw new Error(res.text)
        return res
      }, 'a degraded health check')
      expect(health.status).toBe(200)
      expect(health.body.problems[0]).toMatch(/lost its data/)
    } finally {
      await server.close()
    }
    // nothing reached the new, empty primary
    const primary = await sqld.open({ migrate: false })
    const tables = await primary.database.connection.execute(
      "SELECT count(*) AS n FROM sqlite_master WHERE name = 'sessions'"
    )
    expect(tables.rows[0]?.n).toBe(0)
  })

  it('starts over from the primary with --rebootstrap, keeping the old copy as a backup', async () => {
    await replica.close()
    const env = { AGOR_DB_URL: replicaUrl, AGOR_DB_SYNC_URL: sqld.server.url, AGOR_DB_SYNC_INTERVAL: '0' }
    const sync = await agor(['db', 'sync'], { env })
    expect(sync.code).toBe(1)
    expect(sync.stderr).toMatch(/lost its data or is another database.*agor db sync --rebootstrap/)
    const check = await agor(['db', 'check'], { env })
    expect(check.code).toBe(1)
    expect(check.stdout).toMatch(/FAIL {2}The primary database at .* lost its data/)
    const result = json<{ backup: string }>(await agor(['db', 'sync', '--rebootstrap', '--json'], { env }))
    expect(existsSync(result.backup)).toBe(true)
    const backup = await openStore({ url: `file:${result.backup}`, auth: false })
    expect((await backup.service('sessions').get(sessionId)).agent).toBe('before the loss')
    await backup.close()

    replica = await openStore({ url: replicaUrl, syncUrl: sqld.server.url, syncInterval: 0, auth: false })
    expect(await replica.database.connection.problems()).toEqual([])
    const created = await replica.service('sessions').create({ agent: 'after the rebootstrap' })
    const primary = await sqld.open()
    expect((await primary.service('sessions').get(created.session_id)).agent).toBe('after the rebootstrap')
    await expect(replica.service('sessions').get(sessionId)).rejects.toMatchObject({ code: 404 })
  })
})
