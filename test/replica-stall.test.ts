// A primary that stops answering (SIGSTOP: connections stay open, nothing comes back) must not
// freeze a daemon on an embedded replica: its health check and reads of the local copy keep
// answering, a write waiting for the primary fails with a 503 after AGOR_DB_TIMEOUT, and writes
// work again by themselves once the primary answers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../src/service/server.js'
import { type Daemon, startDaemon } from './cli-helpers.js'
import { tempDbUrl } from './helpers.js'
import { eventually, useSqld } from './sqld-helpers.js'
import { request } from './transport-helpers.js'

const sqld = useSqld()
const TIMEOUT_S = 2
let daemon: Daemon

beforeAll(async () => {
  const primary = await sqld.open()
  await primary.service('sessions').create({ agent: 'seed' })
  daemon = await startDaemon(['--db', tempDbUrl('replica.db').slice('file:'.length)], {
    AGOR_DB_SYNC_URL: sqld.server.url,
    AGOR_DB_SYNC_INTERVAL: '0',
    AGOR_DB_TIMEOUT: String(TIMEOUT_S)
  })
})

afterAll(async () => {
  if (sqld.server.running) sqld.server.resume()
  await daemon?.stop()
})

// a test that fails while the primary is stopped must not leave it stopped for the next ones
afterEach(() => {
  if (sqld.server.running) sqld.server.resume()
})

function percentile(values: number[], p: number): number {
  const sorted = values.toSorted((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0
}

describe('a replica daemon whose primary stalls', () => {
  it('keeps answering reads and health, bounds the write, and writes again after the stall', async () => {
    const created = await request(daemon.url, 'POST', '/sessions', { agent: 'before the stall' })
    expect(created.status).toBe(201)
    const id: string = created.body.session_id
    const [prefix] = (
      await request(daemon.url, 'POST', '/sessions', { ids: [id] }, { 'x-service-method': 'shortIds' })
    ).body as string[]

    await sqld.server.stall()
    const started = Date.now()
    const pending = request(daemon.url, 'POST', '/sessions', { agent: 'during the stall' }).then((res) => ({
      ...res,
      after: Date.now() - started
    }))
    let settled = false
    void pending.then(() => {
      settled = true
    })

    const latencies: number[] = []
    // reads while the write waits for the primary, and for a while after it gave up
    while (!settled || Date.now() - started < (TIMEOUT_S + 1) * 1000) {
      const t0 = performance.now()
      const [health, read] = await Promise.all([
        request(daemon.url, 'GET', '/health'),
        request(daemon.url, 'GET', `/sessions/${prefix}`)
      ])
      latencies.push(performance.now() - t0)
      expect(health.status).toBe(200)
      expect(read.status).toBe(200)
      expect(read.body.session_id).toBe(id)
    }
    const write = await pending
    expect(write.status).toBe(503)
    // whichever deadline fires first: the daemon's (it cannot know whether the worker sent the
    // write) or the worker's own, while it still asked the primary who it is (nothing was sent)
    expect(write.body.message).toMatch(
      /did not answer within 2 s \(AGOR_DB_TIMEOUT\)(.*may or may not have been applied|: nothing was sent)/
    )
    expect(write.after).toBeLessThan((TIMEOUT_S + 2) * 1000)
    // a write asked for while the first still waits fails too, and says whether it was sent
    const second = await request(daemon.url, 'PATCH', `/sessions/${prefix}`, { title: 'stalled' })
    expect(second.status).toBe(503)

    const p99 = percentile(latencies, 99)
    console.info(
      `replica stall: ${latencies.length} health+read pairs, median ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`
    )
    // a frozen event loop would hold every pair for the whole stall (seconds)
    expect(p99).toBeLessThan(1000)

    sqld.server.resume()
    const after = await eventually(async () => {
      const res = await request(daemon.url, 'POST', '/sessions', { agent: 'after the stall' })
      if (res.status !== 201) throw new Error(`${res.status} ${res.text}`)
      return res.body
    }, 'a write after the stall')
    const primary = await sqld.open()
    const stored = await primary.service('sessions').get(after.session_id)
    expect(stored.agent).toBe('after the stall')
    expect((await primary.service('sessions').get(id)).title ?? null).toBeNull()
  })
})

describe('a search on a replica daemon whose primary stalls', () => {
  it('answers from the local copy, its index as it last caught up, within AGOR_DB_TIMEOUT', async () => {
    const indexed = await request(daemon.url, 'POST', '/sessions', { agent: 'a', title: 'osprey one' })
    expect((await request(daemon.url, 'GET', '/sessions?$search=osprey')).body.total).toBe(1)
    // queued on the primary, and in the replica's copy once it syncs the write
    const queued = await request(daemon.url, 'POST', '/sessions', { agent: 'a', title: 'osprey two' })
    expect(queued.status).toBe(201)
    await sqld.server.stall()
    try {
      for (let round = 0; round < 2; round++) {
        const started = Date.now()
        const found = await request(daemon.url, 'GET', '/sessions?$search=osprey')
        expect(found.status, found.text).toBe(200)
        expect(found.body.data.map((d: { session_id: string }) => d.session_id)).toEqual([
          indexed.body.session_id
        ])
        expect(Date.now() - started).toBeLessThan((TIMEOUT_S + 2) * 1000)
      }
    } finally {
      sqld.server.resume()
    }
    await eventually(async () => {
      const found = await request(daemon.url, 'GET', '/sessions?$search=osprey')
      if (found.body.total !== 2) throw new Error(found.text)
    }, 'a search that finds both once the primary answers')
  })
})

describe('writes of one document while the primary stalls', () => {
  it('each fail within AGOR_DB_TIMEOUT of being asked for, not one timeout after another', async () => {
    const created = await request(daemon.url, 'POST', '/sessions', { agent: 'patched during a stall' })
    expect(created.status).toBe(201)
    const id: string = created.body.session_id
    await sqld.server.stall()
    try {
      const writes = await Promise.all(
        [1, 2, 3, 4].map(async (n) => {
          const started = Date.now()
          const res = await request(daemon.url, 'PATCH', `/sessions/${id}`, { title: `p${n}` })
          return { ...res, after: Date.now() - started }
        })
      )
      for (const write of writes) {
        expect(write.status).toBe(503)
        // one after another, the fourth would answer after four timeouts
        expect(write.after).toBeLessThan((TIMEOUT_S + 2) * 1000)
      }
      expect(writes.filter((w) => /was not sent/.test(w.body.message)).length).toBeGreaterThan(0)
    } finally {
      sqld.server.resume()
    }
    await eventually(async () => {
      const res = await request(daemon.url, 'PATCH', `/sessions/${id}`, { title: 'after the stall' })
      if (res.status !== 200) throw new Error(`${res.status} ${res.text}`)
    }, 'a patch after the stall')
  })
})

describe('the health of a served replica whose primary stalls', () => {
  it('is degraded from the first failed call to the primary until it answers again, and answers at once', async () => {
    const store = await sqld.replica({ requestTimeout: TIMEOUT_S })
    const server = await createServer(store, { host: '127.0.0.1', port: 0 })
    const health = async () => {
      const started = performance.now()
      const res = await request(server.url, 'GET', '/health')
      return { ...res, ms: performance.now() - started }
    }
    try {
      expect((await health()).body).toEqual({ status: 'ok', database: 'replica', workspaces: true })
      await sqld.server.stall()
      try {
        await eventually(async () => {
          if ((await health()).body.status !== 'degraded') throw new Error('not degraded yet')
        }, 'a degraded health check')
        // every check while a sync waits for the primary and fails, not only the first
        let synced = false
        void store
          .sync()
          .catch(() => undefined)
          .finally(() => {
            synced = true
          })
        while (!synced) {
          const res = await health()
          expect(res.status).toBe(200)
          expect(res.body).toEqual({
            status: 'degraded',
            database: 'replica',
            workspaces: true,
            problems: [
              `The primary database at ${sqld.server.url} is unreachable: reads come from the local copy, writes fail`
            ]
          })
          expect(res.ms).toBeLessThan(1000)
        }
      } finally {
        sqld.server.resume()
      }
      await eventually(async () => {
        const res = await health()
        if (res.body.status !== 'ok') throw new Error(res.text)
      }, 'a healthy replica after the stall')
    } finally {
      await server.close()
    }
  })
})

describe('a remote database whose server stalls', () => {
  it('fails each call after AGOR_DB_TIMEOUT, over HTTP and websockets, and works again afterwards', async () => {
    const ws = sqld.server.url.replace('http://', 'ws://')
    for (const url of [sqld.server.url, ws]) {
      const store = await sqld.open({ url, requestTimeout: TIMEOUT_S })
      await store.service('sessions').find({ query: { $limit: 1 } })
      await sqld.server.stall()
      try {
        const started = Date.now()
        const error = await store
          .service('sessions')
          .create({ agent: 'stalled' })
          .catch((e: unknown) => e)
        expect(error, url).toMatchObject({ code: 503 })
        expect((error as Error).message).toMatch(
          /did not answer within 2 s \(AGOR_DB_TIMEOUT\): a write may or may not have been applied/
        )
        expect(Date.now() - started).toBeLessThan((TIMEOUT_S + 2) * 1000)
        expect((await store.database.health(500)).status).toBe('unavailable')
      } finally {
        sqld.server.resume()
      }
      const after = await eventually(
        () => store.service('sessions').create({ agent: 'after' }),
        `a write over ${url}`
      )
      expect((await store.service('sessions').get(after.session_id)).agent).toBe('after')
    }
  })

  it('over ws://, fails the calls waiting on the connection it replaces with a 503, and connects anew', async () => {
    const store = await sqld.open({
      url: sqld.server.url.replace('http://', 'ws://'),
      requestTimeout: TIMEOUT_S
    })
    // no feed polls: the only calls on the connection are the test's
    const server = await createServer(store, { host: '127.0.0.1', port: 0, feedInterval: 600_000 })
    try {
      await store.service('sessions').find({ query: { $limit: 1 } })
      await sqld.server.stall()
      try {
        const read = store
          .service('sessions')
          .find({ query: { $limit: 1 } })
          .catch((e: unknown) => e)
        // a clock tick later, so that the read's deadline comes first and closes the connection
        // this write waits on
        await new Promise((resolve) => setTimeout(resolve, 1))
        const write = await request(server.url, 'POST', '/sessions', { agent: 'stalled' })
        expect(write.status).toBe(503)
        expect(write.body.message).toMatch(
          /is not answering \(another call waited 2 s, AGOR_DB_TIMEOUT\): a write may or may not have been applied/
        )
        // a read that timed out wrote nothing, and says nothing of writes
        const error = await read
        expect(error).toMatchObject({
          code: 503,
          message: expect.stringContaining('did not answer within 2 s')
        })
        expect((error as Error).message).not.toMatch(/write/)
      } finally {
        sqld.server.resume()
      }
      const after = await eventually(async () => {
        const res = await request(server.url, 'POST', '/sessions', { agent: 'after' })
        if (res.status !== 201) throw new Error(`${res.status} ${res.text}`)
        return res.body
      }, 'a write over ws:// after the stall')
      expect((await store.service('sessions').get(after.session_id)).agent).toBe('after')
    } finally {
      await server.close()
    }
  })
})
