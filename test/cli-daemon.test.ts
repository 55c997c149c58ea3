// `agor serve` as a real process, and the CLI going through it: websocket clients see the CLI's
// writes, the daemon record is found (and ignored when stale), and shutdown is graceful.
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, linkSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { basename, dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type AgorClient, connect } from '../src/client.js'
import { agor, json, npmStart, openFile, startDaemon, tempDb } from './cli-helpers.js'
import { tempDir } from './helpers.js'
import { record, waitFor } from './transport-helpers.js'

const clients: AgorClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.close()
})

async function listen(url: string): Promise<AgorClient> {
  const client = connect(url)
  clients.push(client)
  await client.app.service('sessions').find({ query: { $limit: 0 } })
  return client
}

/** A loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

async function storedSessions(path: string) {
  return (await openFile(path)).service('sessions').find({ paginate: false })
}

describe('agor serve', () => {
  it("serves the file, records itself, and websocket clients see the CLI's writes", async () => {
    const { path, db } = tempDb()
    const daemon = await startDaemon(db)
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(daemon.stdout()).toContain(`Database: ${path} (file)`)
    const recordFile = `${path}.daemon.json`
    expect(JSON.parse(readFileSync(recordFile, 'utf8'))).toMatchObject({
      pid: daemon.process.pid,
      url: daemon.url,
      dbPath: path
    })
    expect(statSync(recordFile).mode & 0o777).toBe(0o600)

    const client = await listen(daemon.url)
    const sessionEvents = record(client.app.service('sessions'))
    const taskEvents = record(client.app.service('tasks'))

    // found through the record of the file
    const created = json(
      await agor([...db, 'session', 'create', '--agent', 'claude', '--title', 'live', '--json'])
    )
    await waitFor(() => sessionEvents.length === 1, 'the created event')
    expect(sessionEvents[0]).toEqual({ event: 'created', data: created })

    const short = String(created.session_id).slice(0, 8)
    const task = json(
      await agor([...db, 'task', 'create', '--session', short, '--description', 'go', '--json'])
    )
    await waitFor(() => taskEvents.length === 1, 'the task event')
    expect(taskEvents[0]).toEqual({ event: 'created', data: task })

    // a direct write (--no-daemon) is an event too: the daemon finds it in the change feed
    expect((await agor([...db, '--no-daemon', 'session', 'update', short, '--title', 'direct'])).code).toBe(0)
    await waitFor(() => sessionEvents.length === 2, "the direct write's event")
    expect(sessionEvents[1]).toMatchObject({ event: 'patched', data: { status: 'idle', title: 'direct' } })
    const patched = await agor([...db, 'session', 'update', short, '--status', 'running'])
    expect(patched.code).toBe(0)
    await waitFor(() => sessionEvents.length === 3, 'the patched event')
    expect(sessionEvents[2]).toMatchObject({ event: 'patched', data: { status: 'running', title: 'direct' } })

    // named explicitly: --url and AGOR_URL
    const [viaUrl, viaEnv] = await Promise.all([
      agor(['--url', daemon.url, 'session', 'list', '--json']),
      agor(['session', 'show', short, '--json'], { env: { AGOR_URL: daemon.url } })
    ])
    expect(json<{ total: number }>(viaUrl).total).toBe(1)
    const direct = await agor([...db, '--no-daemon', 'session', 'show', short, '--json'])
    expect(json(viaEnv)).toEqual(json(direct))

    // errors keep their meaning through the daemon
    const boards = [
      { board_id: '0199b73d-0000-7000-8000-000000000001', name: 'one' },
      { board_id: '0199b73d-0000-7000-8000-000000000002', name: 'two' }
    ]
    expect((await agor([...db, 'board', 'create', '--data', JSON.stringify(boards)])).code).toBe(0)
    const ambiguous = await agor(['--url', daemon.url, 'board', 'show', '0199b73d'])
    expect(ambiguous.code).toBe(4)
    expect(ambiguous.stderr).toMatch(/^hint: {3}0199b73d-0000-7000-8000-000000000002\s.*\stwo$/m)
    const malformed = await agor(['--url', daemon.url, 'session', 'show', '0'])
    expect(malformed.code).toBe(2)
    const missing = await agor(['--url', daemon.url, '--json', 'session', 'show', 'ffffffff'])
    expect(missing.code).toBe(3)
    expect(JSON.parse(missing.stderr)).toMatchObject({ name: 'NotFound', code: 404 })

    const removed = await agor([...db, 'session', 'delete', short])
    expect(removed.code).toBe(0)
    await waitFor(() => sessionEvents.length === 4, 'the removed event')
    expect(sessionEvents[3]).toMatchObject({ event: 'removed', data: { session_id: created.session_id } })
    // its task went with it: the cascade is an event too
    await waitFor(() => taskEvents.length === 2, "the task's removed event")
    expect(taskEvents[1]).toMatchObject({ event: 'removed', data: { task_id: task.task_id } })

    // a second daemon on the same file is refused
    const second = await agor([...db, 'serve', '--port', '0'])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`already serves ${path} at ${daemon.url}`)

    expect(await daemon.stop('SIGTERM')).toBe(0)
    expect(existsSync(recordFile)).toBe(false)
    expect(daemon.stderr()).toContain('Received SIGTERM')
    expect(await storedSessions(path)).toEqual([])
  })

  it('ignores a stale record, warns about a daemon that does not answer, and fails clearly on a dead --url', async () => {
    const { path, db } = tempDb()
    const port = await closedPort()
    // a process that has ended: its pid is free
    const gone = spawn(process.execPath, ['-e', '0'])
    await once(gone, 'exit')
    const write = (pid: number) =>
      writeFileSync(
        `${path}.daemon.json`,
        JSON.stringify({
          pid,
          url: `http://127.0.0.1:${port}`,
          dbPath: path,
          startedAt: new Date().toISOString()
        })
      )
    write(gone.pid!)
    const stale = await agor([...db, 'session', 'create', '--agent', 'a'])
    expect(stale).toMatchObject({ code: 0, stderr: '' })

    write(process.pid)
    const silent = await agor([...db, 'session', 'create', '--agent', 'b'])
    expect(silent.code).toBe(0)
    expect(silent.stderr).toContain(`warning: the daemon of this database (pid ${process.pid}`)
    expect((await storedSessions(path)).map((s) => s.agent).sort()).toEqual(['a', 'b'])

    const dead = await agor(['--url', `http://127.0.0.1:${port}`, 'session', 'list'])
    expect(dead.code).toBe(1)
    expect(dead.stderr).toBe(`error: Cannot reach the agor daemon at http://127.0.0.1:${port}\n`)
  })

  it('a daemon that requires an API key hands it to CLIs on the same file through its record', async () => {
    const { path, db } = tempDb()
    const key = 'cli-test-key-0123456789'
    const daemon = await startDaemon(db, { AGOR_API_KEY: key })
    expect(JSON.parse(readFileSync(`${path}.daemon.json`, 'utf8')).apiKey).toBe(key)
    const viaRecord = await agor([...db, 'session', 'create', '--agent', 'keyed', '--json'])
    expect(json(viaRecord)).toMatchObject({ agent: 'keyed' })
    const [withoutKey, withKey] = await Promise.all([
      agor(['--url', daemon.url, 'session', 'list']),
      agor(['--url', daemon.url, 'session', 'list', '--json'], { env: { AGOR_API_KEY: key } })
    ])
    expect(withoutKey.code).toBe(1)
    expect(withoutKey.stderr).toMatch(/^error: .*(authenticat|API key)/i)
    expect(json<{ total: number }>(withKey).total).toBe(1)
    expect(await daemon.stop()).toBe(0)
  })

  it("a key in AGOR_API_KEY wins over the record's: its name is the actor, and a wrong one is refused", async () => {
    const { db } = tempDb()
    const daemon = await startDaemon(db, {
      AGOR_API_KEY: 'ci:ci-key-0123456789abcdef,laptop:laptop-key-0123456789ab'
    })
    const [asLaptop, wrong, asRecord] = await Promise.all([
      agor([...db, 'board', 'create', '--name', 'by laptop'], {
        env: { AGOR_API_KEY: 'laptop-key-0123456789ab' }
      }),
      agor([...db, 'board', 'create', '--name', 'by nobody'], {
        env: { AGOR_API_KEY: 'wrong-key-0123456789abcd' }
      }),
      agor([...db, 'board', 'create', '--name', 'by the record'])
    ])
    expect(asLaptop.code).toBe(0)
    expect(asRecord.code).toBe(0)
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/^error: Invalid API key/)
    const changes = json<{ actor: string; doc: { name: string } }[]>(await agor([...db, 'log', '--json']))
    const actors = Object.fromEntries(changes.map((c) => [c.doc.name, c.actor]))
    expect(actors).toEqual({ 'by laptop': 'laptop', 'by the record': 'ci' })
    expect(await daemon.stop()).toBe(0)
  })

  it('refuses a public address without a key, or with a short one, before touching the database', async () => {
    const { path, db } = tempDb({ exists: false })
    const open = await agor([...db, 'serve', '--host', '0.0.0.0', '--port', '0'])
    expect(open).toMatchObject({ code: 1 })
    expect(open.stderr).toMatch(/^error: Refusing to listen on 0\.0\.0\.0 without authentication/)
    const short = await agor([...db, 'serve', '--host', '0.0.0.0', '--port', '0'], {
      env: { AGOR_API_KEY: 'short' }
    })
    expect(short).toMatchObject({ code: 1 })
    expect(short.stderr).toMatch(/16/)
    expect(existsSync(path)).toBe(false)
  })

  it('serves one daemon per database file, whatever path names it', async () => {
    const { path, db } = tempDb()
    const daemon = await startDaemon(db)
    const link = join(tempDir(), 'link.db')
    symlinkSync(path, link)
    const folder = join(tempDir(), 'folder')
    symlinkSync(dirname(path), folder)
    for (const other of [
      link,
      join(dirname(path), '.', 'x', '..', basename(path)),
      join(folder, basename(path))
    ]) {
      const second = await agor(['--db', other, 'serve', '--port', '0'])
      expect(second.code, other).toBe(1)
      expect(second.stderr).toContain(`already serves`)
      expect(second.stderr).toContain(daemon.url)
    }
    // and a CLI on the link goes through the daemon
    const client = await listen(daemon.url)
    const events = record(client.app.service('boards'))
    expect((await agor(['--db', link, 'board', 'create', '--name', 'via link'])).code).toBe(0)
    await waitFor(() => events.length === 1, 'the created event')
  })

  it('a hard link to the file is the same database: a second daemon on it is refused, CLIs on it go through the daemon, and without one neither name opens', async () => {
    const { path, db } = tempDb()
    const daemon = await startDaemon(db)
    // another folder: no path arithmetic leads from the link to the file's record
    const hard = join(tempDir(), 'hard.db')
    linkSync(path, hard)
    const second = await agor(['--db', hard, 'serve', '--port', '0'])
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`already serves ${path} (the same file as ${hard}) at ${daemon.url}`)
    const client = await listen(daemon.url)
    const events = record(client.app.service('boards'))
    expect((await agor(['--db', hard, 'board', 'create', '--name', 'via hard link'])).code).toBe(0)
    await waitFor(() => events.length === 1, 'the created event')
    const writes = json<{ remote?: string }[]>(await agor([...db, 'log', '--json']))
    expect(writes).toHaveLength(1)
    expect(writes[0]!.remote).toMatch(/127\.0\.0\.1/)
    // without the daemon, neither name opens the file: each would get a write-ahead log of its own
    expect(await daemon.stop()).toBe(0)
    const refused = await Promise.all([
      agor(['--db', hard, 'serve', '--port', '0']),
      agor(['--db', hard, 'board', 'create', '--name', 'lost']),
      agor([...db, 'board', 'list', '--json'])
    ])
    for (const [i, where] of [hard, hard, path].entries()) {
      expect(refused[i]).toMatchObject({ code: 1, stdout: '' })
      expect(refused[i]!.stderr).toContain(
        `Cannot open the database ${where}: the file has other names (hard links)`
      )
    }
    expect(existsSync(`${hard}-wal`)).toBe(false)
    // one name again: everything written through the link is there
    unlinkSync(hard)
    const boards = json<{ data: { name: string }[] }>(await agor([...db, 'board', 'list', '--json']))
    expect(boards.data.map((b) => b.name)).toEqual(['via hard link'])
  })

  it('answers browser pages of the origins --cors names, and refuses a bad origin', async () => {
    const { db } = tempDb()
    const daemon = await startDaemon([...db, '--cors', 'http://localhost:5173'])
    const preflight = await fetch(`${daemon.url}/sessions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' }
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
    const other = await fetch(`${daemon.url}/sessions`, { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    const bad = await agor([...tempDb().db, 'serve', '--port', '0', '--cors', 'localhost:5173'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('Invalid CORS origin')
  })

  it('npm start serves the default database on AGOR_PORT, and CLI runs on the default database go through it', async () => {
    const home = tempDir()
    const daemon = await npmStart({ HOME: home, AGOR_PORT: '0' })
    const path = join(home, '.agor', 'agor.db')
    expect(daemon.stdout()).toContain(`Database: ${path} (file)`)
    expect(existsSync(`${path}.daemon.json`)).toBe(true)
    const client = await listen(daemon.url)
    const events = record(client.app.service('boards'))
    const board = json(
      await agor(['board', 'create', '--name', 'defaults', '--json'], { env: { HOME: home } })
    )
    await waitFor(() => events.length === 1, 'the created event')
    expect(events[0]).toEqual({ event: 'created', data: board })
    await daemon.stop('SIGINT')
    await waitFor(() => !existsSync(`${path}.daemon.json`), 'the record to be removed')
  })
})

describe('daemons started at the same moment', () => {
  it('on one file, new (in a new folder too) or existing, exactly one serves it; the others are refused (exit 1) and its record stays', async () => {
    const fresh = tempDb({ exists: false })
    const inNewFolder = join(tempDir(), 'new', 'folder', 'agor.db')
    const existing = tempDb()
    // the record of a daemon that was killed: taken over, not obeyed
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    writeFileSync(
      `${existing.path}.daemon.json`,
      JSON.stringify({ pid: dead, url: 'http://127.0.0.1:1', dbPath: existing.path, startedAt: 'then' })
    )
    for (const { path, db } of [fresh, { path: inNewFolder, db: ['--db', inNewFolder] }, existing]) {
      const results = await Promise.allSettled([1, 2, 3].map(() => startDaemon(db)))
      const served = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
      expect({ path, served: served.length, refused }).toMatchObject({ path, served: 1 })
      const daemon = served[0]!
      const pid = daemon.process.pid
      expect(refused).toHaveLength(2)
      for (const message of refused) {
        expect(message).toContain(
          `agor serve exited with 1 before listening: error: A daemon (pid ${pid}) already serves ${path}`
        )
      }
      expect(JSON.parse(readFileSync(`${path}.daemon.json`, 'utf8'))).toMatchObject({
        pid,
        url: daemon.url,
        dbPath: path
      })
      // and CLIs on the file go through it
      const client = await listen(daemon.url)
      const events = record(client.app.service('boards'))
      expect((await agor([...db, 'board', 'create', '--name', 'one'])).code).toBe(0)
      await waitFor(() => events.length === 1, 'the created event')
      expect(await daemon.stop()).toBe(0)
      expect(existsSync(`${path}.daemon.json`)).toBe(false)
    }
  })
})
