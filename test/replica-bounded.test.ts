// Every wait of an embedded replica on its primary ends within AGOR_DB_TIMEOUT, and so does closing
// it: a CLI command without a daemon while the primary is stalled (SIGSTOP) ends with its answer
// instead of hanging, and so does one whose primary stalls in the middle of the driver's call, when
// the driver is blocked in native code and only killing its process stops it.
import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agor, json } from './cli-helpers.js'
import { type CutProxy, cutProxy } from './cut-proxy.js'
import { tempDbUrl } from './helpers.js'
import { eventually, useSqld } from './sqld-helpers.js'

const sqld = useSqld()
const TIMEOUT_S = 2
let proxy: CutProxy

/** The environment of a CLI on a replica in a new file, of the primary at `syncUrl`. */
const replicaEnv = (syncUrl: string) => ({
  AGOR_DB_URL: tempDbUrl('replica.db').slice('file:'.length),
  AGOR_DB_SYNC_URL: syncUrl,
  AGOR_DB_SYNC_INTERVAL: '0',
  AGOR_DB_TIMEOUT: String(TIMEOUT_S)
})

/** The processes this one started that run a replica's worker. */
function workerProcesses(): number[] {
  const children = readdirSync('/proc/self/task').flatMap((task) =>
    readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
  )
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('replica-worker')
    } catch {
      return false
    }
  })
}

beforeAll(async () => {
  proxy = await cutProxy(new URL(sqld.server.url))
})

afterAll(async () => {
  if (sqld.server.running) sqld.server.resume()
  await proxy?.close()
})

describe('a CLI command on a replica, without a daemon', () => {
  it('ends with its answer while the primary is stalled', { timeout: 90_000 }, async () => {
    const env = replicaEnv(sqld.server.url)
    const created = json<{ session_id: string }>(
      await agor(['--json', 'session', 'create', '--agent', 'a'], { env })
    )
    await sqld.server.stall()
    try {
      const list = await agor(['--json', 'session', 'list'], { env })
      expect(list.code, list.stderr).toBe(0)
      expect(json<{ data: { session_id: string }[] }>(list).data.map((s) => s.session_id)).toEqual([
        created.session_id
      ])
      expect(list.stderr).toContain(`did not answer within ${TIMEOUT_S} s (AGOR_DB_TIMEOUT)`)
      for (const args of [
        ['session', 'create', '--agent', 'stalled'],
        ['db', 'sync']
      ]) {
        const result = await agor(['--json', ...args], { env })
        expect(result.code, args.join(' ')).toBe(1)
        expect(JSON.parse(result.stderr.trim().split('\n').at(-1)!)).toMatchObject({ code: 503 })
      }
      expect((await agor(['db', 'check'], { env })).code).toBe(0)
    } finally {
      sqld.server.resume()
    }
  })

  it('ends with its answer when the primary stalls during the driver’s own call', {
    timeout: 90_000
  }, async () => {
    const env = replicaEnv(proxy.url)
    json(await agor(['--json', 'session', 'create', '--agent', 'b'], { env }))
    // the replica's question about the primary's identity is answered; the driver's calls hang
    await proxy.set('stall-driver')
    try {
      const write = await agor(['--json', 'session', 'create', '--agent', 'stalled'], { env })
      expect(write.code).toBe(1)
      expect(JSON.parse(write.stderr.trim().split('\n').at(-1)!)).toMatchObject({
        code: 503,
        message: expect.stringContaining(`The primary database at ${proxy.url}`)
      })
      const list = await agor(['--json', 'session', 'list'], { env })
      expect(list.code, list.stderr).toBe(0)
    } finally {
      await proxy.set('pass')
    }
  })
})

describe('a replica in a library', () => {
  it('fails a write stuck in the driver after AGOR_DB_TIMEOUT, and closes at once', async () => {
    const store = await sqld.replica({ syncUrl: proxy.url, requestTimeout: TIMEOUT_S })
    await store.service('sessions').create({ agent: 'before' })
    const workers = workerProcesses()
    expect(workers).toHaveLength(1)
    await proxy.set('stall-driver')
    try {
      const error = await store
        .service('sessions')
        .create({ agent: 'stuck' })
        .catch((e: unknown) => e)
      expect(error).toMatchObject({
        code: 503,
        message: expect.stringContaining(`did not answer within ${TIMEOUT_S} s (AGOR_DB_TIMEOUT)`)
      })
      await store.close()
      // the worker is blocked in the driver: only a kill ends it, and the close did not wait for it
      await eventually(async () => {
        if (workerProcesses().includes(workers[0]!)) throw new Error(`worker ${workers[0]} still runs`)
      }, 'the worker process to end')
    } finally {
      await proxy.set('pass')
    }
  })

  it('says nothing of writes when a sync times out', async () => {
    const store = await sqld.replica({ syncUrl: proxy.url, requestTimeout: TIMEOUT_S })
    await proxy.set('stall-driver')
    try {
      await expect(store.sync()).rejects.toMatchObject({
        code: 503,
        message: `The primary database at ${proxy.url} did not answer within ${TIMEOUT_S} s (AGOR_DB_TIMEOUT)`
      })
    } finally {
      await store.close()
      await proxy.set('pass')
    }
  })
})
