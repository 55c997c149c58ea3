// agor watch across a daemon's restarts and failures: it says it lost the connection, tries
// again, and goes on after the last change it printed, each change printed once.
import { once } from 'node:events'
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Change } from '../src/store/feed.js'
import { agor, agorRunning, type Running, startDaemon, tempDb } from './cli-helpers.js'
import { waitFor } from './transport-helpers.js'

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/**
 * An HTTP proxy to whatever `target()` names: a daemon a watch keeps one URL for while the daemon
 * behind it restarts. `failing` answers every request with a 503; a daemon that does not answer
 * is a 502.
 */
async function proxy(target: () => string) {
  const state = { failing: false, url: '' }
  const server = createServer((req, res) => {
    const reply = (code: number, name: string, className: string) => {
      res.writeHead(code, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ name, message: `${name} (the test's proxy)`, code, className }))
    }
    if (state.failing) return reply(503, 'Unavailable', 'unavailable')
    const upstream = request(
      `${target()}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => reply(502, 'BadGateway', 'bad-gateway'))
    req.pipe(upstream)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  closers.push(async () => {
    server.closeAllConnections()
    server.close()
  })
  return state
}

function printed(watch: Running): Change[] {
  return watch
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Change)
}

const count = (text: string, part: string) => text.split(part).length - 1

async function createBoard(args: string[], name: string): Promise<void> {
  const result = await agor([...args, 'board', 'create', '--name', name])
  expect(result.code, result.stderr).toBe(0)
}

describe('agor watch through a daemon', () => {
  it('named by --url: goes on after 503s and a restart, each change printed once, and says so', async () => {
    const { db } = tempDb()
    let daemon = await startDaemon(db)
    const front = await proxy(() => daemon.url)
    await createBoard(db, 'before')
    const watch = agorRunning(['--url', front.url, 'watch', '--json'], { env: { AGOR_FEED_INTERVAL: '20' } })
    await waitFor(() => watch.stderr().includes('Watching the changes after seq 1'), 'the watch', 20_000)
    await createBoard(db, 'one')
    await waitFor(() => printed(watch).length === 1, 'one', 20_000)

    // the daemon answers 503 for a while; a change is made meanwhile
    front.failing = true
    await waitFor(() => watch.stderr().includes('lost the connection'), 'the loss', 20_000)
    expect(watch.stderr()).toContain(`warning: lost the connection to daemon ${front.url} (Unavailable`)
    await createBoard(db, 'two')
    front.failing = false
    await waitFor(() => printed(watch).length === 2, 'two', 20_000)
    expect(watch.stderr()).toContain(`Connection regained (daemon ${front.url}): going on after seq 2`)

    // the daemon stops (the proxy answers 502), a change is made on the file, and it comes back
    expect(await daemon.stop()).toBe(0)
    await waitFor(() => count(watch.stderr(), 'lost the connection') === 2, 'the second loss', 20_000)
    await createBoard([...db, '--no-daemon'], 'three')
    daemon = await startDaemon(db)
    await createBoard(db, 'four')
    await waitFor(() => printed(watch).length === 4, 'three and four', 20_000)
    expect(count(watch.stderr(), 'Connection regained')).toBe(2)

    expect(await watch.stop()).toBe(0)
    expect(printed(watch).map((c) => [c.seq, c.doc.name])).toEqual([
      [2, 'one'],
      [3, 'two'],
      [4, 'three'],
      [5, 'four']
    ])
  })

  it('found through the record: reads the file while the daemon is away, whatever port it comes back on', async () => {
    const { db } = tempDb()
    const first = await startDaemon(db)
    const watch = agorRunning([...db, 'watch', '--json'], { env: { AGOR_FEED_INTERVAL: '20' } })
    await waitFor(() => watch.stderr().includes('Watching the changes after seq 0'), 'the watch', 20_000)
    await createBoard(db, 'one')
    await waitFor(() => printed(watch).length === 1, 'one', 20_000)
    expect(await first.stop()).toBe(0)
    await waitFor(() => watch.stderr().includes('Connection regained'), 'the return', 20_000)
    expect(watch.stderr()).toContain(`lost the connection to daemon ${first.url}`)
    await createBoard(db, 'two')
    await startDaemon(db)
    await createBoard(db, 'three')
    await waitFor(() => printed(watch).length === 3, 'two and three', 20_000)
    expect(await watch.stop()).toBe(0)
    expect(printed(watch).map((c) => [c.seq, c.doc.name])).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three']
    ])
  })
})
