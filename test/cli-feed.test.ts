// agor log and agor watch: the change feed at a terminal.
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { Change } from '../src/store/feed.js'
import { agor, agorRunning, CLI, cliEnv, json, startDaemon, tempDb } from './cli-helpers.js'
import { waitFor } from './transport-helpers.js'

describe('agor log', () => {
  it('shows each write, newest first, with its actor, filtered by collection, id, actor and time', async () => {
    const { db } = tempDb()
    const session = json(
      await agor([...db, 'session', 'create', '--agent', 'a', '--title', 'First', '--json'])
    )
    const id = String(session.session_id)
    expect((await agor([...db, 'session', 'update', id, '--title', 'Second'])).code).toBe(0)
    expect((await agor([...db, 'task', 'create', '--session', id, '--description', 'a task'])).code).toBe(0)
    const log = await agor([...db, 'log'])
    expect(log.code).toBe(0)
    const lines = log.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(
      /^\s+3 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}cli\s+created {2}task \S+ {2}a task$/
    )
    expect(lines[1]).toMatch(/^\s+2 .* cli\s+patched {2}session \S+ {2}Second$/)
    expect(lines[2]).toMatch(/^\s+1 .* cli\s+created {2}session \S+ {2}First$/)
    const tasks = json<{ collection: string }[]>(await agor([...db, 'log', '--collection', 'task', '--json']))
    expect(tasks.map((c) => c.collection)).toEqual(['tasks'])
    const ofSession = json<{ seq: number }[]>(await agor([...db, 'log', '--id', id.slice(0, 13), '--json']))
    expect(ofSession.map((c) => c.seq)).toEqual([2, 1])
    expect(json<unknown[]>(await agor([...db, 'log', '--actor', 'library', '--json']))).toEqual([])
    expect(
      json<unknown[]>(await agor([...db, 'log', '--since', '1h', '--limit', '1', '--json']))
    ).toHaveLength(1)
    expect((await agor([...db, 'log', '--collection', 'nope'])).code).toBe(2)
  })

  it('refuses a --since that is not in the calendar (exit 2)', async () => {
    const { db } = tempDb()
    const result = await agor([...db, 'log', '--since', '2026-02-30'])
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toMatch(
      /^error: Invalid --since '2026-02-30': there is no such day or hour in the calendar\n/
    )
  })

  it('tells documents of two collections apart, and refuses an --id prefix that names several (exit 4)', async () => {
    const { db } = tempDb()
    const [s1, t2, s3] = [
      '01900000-0000-7000-8000-000000000001',
      '01900000-0000-7000-8000-000000000002',
      '01900000-0000-7000-8000-000000000003'
    ]
    for (const args of [
      ['session', 'create', '--agent', 's', '--data', JSON.stringify({ session_id: s1 })],
      ['task', 'create', '--session', s1!, '--data', JSON.stringify({ task_id: t2 })],
      ['session', 'create', '--agent', 's2', '--data', JSON.stringify({ session_id: s3 })]
    ])
      expect((await agor([...db, ...args])).code).toBe(0)
    const log = await agor([...db, 'log'])
    const shown = log.stdout
      .trimEnd()
      .split('\n')
      .map((line) => /(?:session|task) (\S+)/.exec(line)![1]!)
    expect(new Set(shown).size).toBe(3)
    for (const short of shown) {
      const changes = json<Change[]>(await agor([...db, 'log', '--id', short, '--json']))
      expect(
        changes.map((c) => c.id),
        short
      ).toHaveLength(1)
    }
    const ambiguous = await agor([...db, 'log', '--id', '01900000'])
    expect(ambiguous.code).toBe(4)
    expect(ambiguous.stdout).toBe('')
    expect(ambiguous.stderr).toMatch(/^error: Short id '01900000' is ambiguous: it matches 3 documents\n/)
    for (const id of [s1, t2, s3]) expect(ambiguous.stderr).toContain(id!.slice(-1))
    // within one collection the same prefix names the task alone
    const tasks = json<Change[]>(
      await agor([...db, 'log', '--id', '01900000', '--collection', 'task', '--json'])
    )
    expect(tasks.map((c) => c.id)).toEqual([t2])
  })

  it('prints short ids that tell removed documents apart, from one another and from live ones', async () => {
    const { db } = tempDb()
    // ids that share 31 digits, then one that shares 8 with them
    const ids = ['0199b73d-0000-7000-8000-000000000001', '0199b73d-0000-7000-8000-000000000002']
    const boards = ids.map((board_id, i) => ({ board_id, name: `gone ${i}` }))
    expect((await agor([...db, 'board', 'create', '--data', JSON.stringify(boards)])).code).toBe(0)
    expect((await agor([...db, 'board', 'delete', ...ids])).code).toBe(0)
    const live = '0199b73d-8000-7000-8000-000000000000'
    expect(
      (await agor([...db, 'board', 'create', '--data', JSON.stringify({ board_id: live, name: 'live' })]))
        .code
    ).toBe(0)
    const log = await agor([...db, 'log'])
    expect(log.code).toBe(0)
    const shown = log.stdout
      .trimEnd()
      .split('\n')
      .map((line) => /board (\S+)/.exec(line)![1]!)
    // newest first: the live one's creation, the removals, the creations
    expect(new Set(shown)).toEqual(new Set([ids[0], ids[1], '0199b73d-8']))
    // each one, typed back, names its own document's changes alone
    for (const short of new Set(shown)) {
      const changes = json<Change[]>(await agor([...db, 'log', '--id', short, '--json']))
      expect(new Set(changes.map((c) => c.id)).size, short).toBe(1)
    }
  })
})

describe('the CLI through a daemon', () => {
  it("is recorded in the feed as the CLI, as on the file itself; the daemon's other clients are not", async () => {
    const { db } = tempDb()
    const daemon = await startDaemon(db)
    expect((await agor([...db, 'board', 'create', '--name', 'by the cli'])).code).toBe(0)
    const plain = await fetch(`${daemon.url}/boards`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'by curl' })
    })
    expect(plain.status).toBe(201)
    const [byCurl, byCli] = json<Change[]>(await agor([...db, 'log', '--json']))
    expect(byCli).toMatchObject({ actor: 'cli', transport: 'cli', doc: { name: 'by the cli' } })
    // through the daemon, not on the file: a client's address
    expect(byCli!.remote).toMatch(/127\.0\.0\.1/)
    expect(byCurl).toMatchObject({ actor: 'anonymous', transport: 'rest', doc: { name: 'by curl' } })
    const ofCli = json<Change[]>(await agor([...db, 'log', '--actor', 'cli', '--json']))
    expect(ofCli.map((c) => c.seq)).toEqual([byCli!.seq])
  })
})

describe('agor watch', () => {
  it('prints each new change as one line of JSON as it is written, and stops on SIGINT', async () => {
    const { db } = tempDb()
    expect((await agor([...db, 'board', 'create', '--name', 'before'])).code).toBe(0)
    const child = spawn(process.execPath, [CLI, ...db, 'watch', '--json'], {
      env: cliEnv({ AGOR_FEED_INTERVAL: '20' })
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    // watch starts from now: it says where now is
    await waitFor(() => stderr.includes('Watching the changes after seq 1'), 'the watcher to start', 20_000)
    const made = json(await agor([...db, 'board', 'create', '--name', 'watched', '--json']))
    await waitFor(() => stdout.includes('\n'), 'the change to be printed', 20_000)
    const [line] = stdout.trim().split('\n')
    expect(JSON.parse(line!)).toMatchObject({ collection: 'boards', event: 'created', id: made.board_id })
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(stdout).not.toContain('before')
  })

  it('takes a --since-seq that is a whole number a double holds exactly, and refuses others (exit 2)', async () => {
    const { db } = tempDb()
    const results = await Promise.all(
      ['99999999999999999999', '9007199254740993', '-1', '1.5', '1e3', ''].map((seq) =>
        agor([...db, 'watch', '--since-seq', seq])
      )
    )
    for (const result of results) {
      expect(result).toMatchObject({ code: 2, stdout: '' })
      expect(result.stderr).toMatch(
        /^error: option '--since-seq <seq>' argument '.*' is invalid\. Expected a whole number/
      )
    }
    expect(results[0]!.stderr).toContain('Expected a whole number below 2^53.')
  })

  it('warns when --since-seq is beyond the newest change, then follows from the newest', async () => {
    const { db } = tempDb()
    expect((await agor([...db, 'board', 'create', '--name', 'before'])).code).toBe(0)
    const watch = agorRunning([...db, 'watch', '--since-seq', '50', '--json'], {
      env: { AGOR_FEED_INTERVAL: '20' }
    })
    await waitFor(() => watch.stderr().includes('Watching the changes after seq 1'), 'the watcher', 20_000)
    expect(watch.stderr()).toContain(
      'warning: the feed is at seq 1: there is nothing after seq 50 to replay (is it another database?); watching from seq 1\n'
    )
    expect((await agor([...db, 'board', 'create', '--name', 'after'])).code).toBe(0)
    await waitFor(() => watch.stdout().includes('\n'), 'the change to be printed', 20_000)
    expect(await watch.stop()).toBe(0)
    expect(JSON.parse(watch.stdout())).toMatchObject({ seq: 2, doc: { name: 'after' } })
  })
})
