// Two daemons on two embedded replicas of one sqld, and the CLI on a third, as real processes:
// writes through each, other replicas' writes after their syncs, and a primary restart in the
// middle: reads keep working, writes fail clearly, and everything recovers without a restart.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { agor, agorRunning, type Daemon, json, startDaemon } from './cli-helpers.js'
import { tempDir } from './helpers.js'
import { eventually, useSqld } from './sqld-helpers.js'
import { waitFor } from './transport-helpers.js'

const sqld = useSqld()
let a: Daemon
let b: Daemon
let cliEnv: Record<string, string>

/** The environment of a process on an embedded replica in `file`. */
const replicaEnv = (file: string, interval = '1') => ({
  AGOR_DB_URL: join(tempDir(), file),
  AGOR_DB_SYNC_URL: sqld.server.url,
  AGOR_DB_SYNC_INTERVAL: interval
})
type Doc = { session_id: string; title: string }

const viaDaemon = (daemon: Daemon, args: string[]) => agor(['--url', daemon.url, '--json', ...args])
const viaCli = (args: string[]) => agor(['--json', ...args], { env: cliEnv })
const unreachable = () => `The primary database at ${sqld.server.url} is unreachable`

/** Fails unless a failed run said `message` on stderr, with no driver text. */
function expectClearFailure(result: { code: number | null; stderr: string }, message: string) {
  expect(result.code).toBe(1)
  // with --json, the error is the last line of stderr (a replica opened read-only warns first)
  const error = JSON.parse(result.stderr.trim().split('\n').at(-1)!)
  expect(error).toMatchObject({ code: 503, message: expect.stringContaining(message) })
  expect(result.stderr).not.toMatch(/WriteDelegation|backtrace|tower_http|os error/)
}

beforeAll(async () => {
  a = await startDaemon([], replicaEnv('a.db'))
  b = await startDaemon([], replicaEnv('b.db'))
  cliEnv = replicaEnv('c.db', '0')
})

describe('two daemons and the CLI on replicas of one sqld', () => {
  it('each writes through its primary and sees the others after a sync', async () => {
    const fromA = json<Doc>(await viaDaemon(a, ['session', 'create', '--agent', 'a', '--title', 'from a']))
    const fromCli = json<Doc>(
      await viaCli(['session', 'create', '--agent', 'cli', '--title', 'from the cli'])
    )
    expect(json<Doc>(await viaCli(['session', 'show', fromCli.session_id.slice(0, 13)])).title).toBe(
      'from the cli'
    )

    // daemon b syncs every second; the CLI opens (and syncs) its replica on every run
    const seen = await eventually(
      async () => json<Doc>(await viaDaemon(b, ['session', 'show', fromCli.session_id])),
      'daemon b'
    )
    expect(seen.title).toBe('from the cli')
    expect(json<Doc>(await viaCli(['session', 'show', fromA.session_id])).title).toBe('from a')
    const synced = json<{ frameNo: number }>(await viaCli(['db', 'sync']))
    expect(synced.frameNo).toBeGreaterThan(0)
  })

  it('keeps reading while the primary is down, refuses writes clearly, and recovers when it returns', async () => {
    const before = json<Doc>(await viaDaemon(b, ['session', 'create', '--agent', 'b', '--title', 'before']))
    await eventually(
      async () => json<Doc>(await viaDaemon(a, ['session', 'show', before.session_id])),
      'daemon a'
    )
    json<Doc>(await viaCli(['session', 'show', before.session_id]))

    await sqld.server.pause()
    expect(json<Doc>(await viaDaemon(a, ['session', 'show', before.session_id])).title).toBe('before')
    expectClearFailure(
      await viaDaemon(a, ['session', 'create', '--agent', 'a', '--title', 'lost']),
      unreachable()
    )
    const offline = await viaCli(['session', 'show', before.session_id])
    expect(json<Doc>(offline).title).toBe('before')
    // the database layer's warning in the CLI's voice
    expect(offline.stderr).toBe(
      `warning: ${unreachable()}: reading the local replica ${cliEnv.AGOR_DB_URL} until it returns; writes fail meanwhile\n`
    )
    expectClearFailure(
      await viaCli(['session', 'create', '--agent', 'cli', '--title', 'lost']),
      unreachable()
    )
    expectClearFailure(await viaCli(['db', 'sync']), unreachable())
    // remote mode (no local copy): db check fails as clearly as every other command
    const remote = { AGOR_DB_URL: sqld.server.url }
    for (const args of [
      ['db', 'check'],
      ['db', 'status'],
      ['session', 'list']
    ]) {
      const result = await agor(['--json', ...args], { env: remote })
      expect(result.code, args.join(' ')).toBe(1)
      expect(JSON.parse(result.stderr.trim())).toMatchObject({
        code: 503,
        message: `The database server at ${sqld.server.url} is unreachable`
      })
    }
    const offlineCheck = await viaCli(['db', 'check'])
    expect(offlineCheck.code).toBe(0)
    expect(json<{ ok: boolean; checked: string }>(offlineCheck)).toMatchObject({
      ok: true,
      checked: 'local copy'
    })

    await sqld.server.start()
    const afterA = json<Doc>(await viaDaemon(a, ['session', 'create', '--agent', 'a', '--title', 'after a']))
    const afterB = json<Doc>(await viaDaemon(b, ['session', 'create', '--agent', 'b', '--title', 'after b']))
    json<Doc>(await viaCli(['session', 'create', '--agent', 'cli', '--title', 'after cli']))
    await eventually(
      async () => json<Doc>(await viaDaemon(b, ['session', 'show', afterA.session_id])),
      'b sees a'
    )
    await eventually(
      async () => json<Doc>(await viaDaemon(a, ['session', 'show', afterB.session_id])),
      'a sees b'
    )
    const titles = json<{ data: Doc[] }>(await viaCli(['session', 'list', '--limit', '50'])).data.map(
      (s) => s.title
    )
    expect(titles).toEqual(
      expect.arrayContaining(['from a', 'from the cli', 'before', 'after a', 'after b', 'after cli'])
    )
    expect(titles).not.toContain('lost')
    const check = await agor(['db', 'check'], { env: cliEnv })
    expect(check).toMatchObject({ code: 0 })
    expect(check.stdout).toContain(`Checked: this replica's local copy (its primary: ${sqld.server.url})`)
  })
})

describe('agor watch --no-daemon on a replica', () => {
  it("syncs as it follows, as a daemon's tail does: it prints what other replicas write", async () => {
    // no background syncs (AGOR_DB_SYNC_INTERVAL=0): what it sees, its own syncs brought
    const watch = agorRunning(['--no-daemon', 'watch', '--json'], { env: replicaEnv('watch.db', '0') })
    await waitFor(() => watch.stderr().includes('Watching the changes after seq'), 'the watch', 20_000)
    const made = json<Doc>(await viaDaemon(a, ['session', 'create', '--agent', 'a', '--title', 'watched']))
    await waitFor(() => watch.stdout().includes(made.session_id), "daemon a's write", 20_000)
    expect(watch.stderr()).not.toContain('warning')
    // without its primary it follows its local copy, and says so; then syncs again
    await sqld.server.pause()
    await waitFor(() => watch.stderr().includes('cannot sync with the primary'), 'the warning', 20_000)
    expect(watch.stderr()).toContain(`warning: cannot sync with the primary (${unreachable()}`)
    await sqld.server.start()
    const later = json<Doc>(await viaDaemon(a, ['session', 'create', '--agent', 'a', '--title', 'later']))
    await waitFor(() => watch.stdout().includes(later.session_id), "daemon a's later write", 20_000)
    expect(watch.stderr()).toContain('Syncing with the primary again')
    expect(await watch.stop()).toBe(0)
  })
})
