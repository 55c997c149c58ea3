// `agor db sync --rebootstrap` touches the local copy only once the primary answers, and puts it
// back when the new copy cannot be made; a damaged local copy is reported in words (never the
// driver's), `agor db check` reports on it with the way out, and --rebootstrap copies it anew.
import {
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeSync
} from 'node:fs'
import { dirname, join } from 'node:path'
import { createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveDatabaseConfig } from '../src/db/config.js'
import { translate } from '../src/db/driver-errors.js'
import { fromPlainError, plainError } from '../src/db/worker-protocol.js'
import { DatabaseFileError } from '../src/errors.js'
import { agor, type CliResult, json } from './cli-helpers.js'
import { type CutProxy, cutProxy } from './cut-proxy.js'
import { tempDir } from './helpers.js'
import { useSqld } from './sqld-helpers.js'

const sqld = useSqld()
let proxy: CutProxy

beforeAll(async () => {
  proxy = await cutProxy(new URL(sqld.server.url))
})

afterAll(async () => {
  await proxy?.close()
})

/** The environment of a CLI on a replica in a new file (AGOR_DB_TIMEOUT unset: 30 s). */
const replicaEnv = (syncUrl = sqld.server.url) => ({
  AGOR_DB_URL: join(tempDir(), 'replica.db'),
  AGOR_DB_SYNC_URL: syncUrl,
  AGOR_DB_SYNC_INTERVAL: '0'
})

/** The backups next to a replica's file. */
const backups = (path: string) => readdirSync(dirname(path)).filter((name) => name.includes('.bak'))

/** The error a failed `--json` run printed last on stderr. */
function failure(result: CliResult): { code: number; message: string } {
  expect(result.code, result.stdout).toBe(1)
  return JSON.parse(result.stderr.trim().split('\n').at(-1)!)
}

const listed = async (env: Record<string, string>) =>
  json<{ data: { session_id: string }[] }>(
    await agor(['--json', 'session', 'list', '--limit', '500'], { env })
  ).data.map((s) => s.session_id)

describe('agor db sync --rebootstrap while the primary does not answer', () => {
  it('touches nothing, says which limit ended the wait, and the replica keeps serving reads', {
    timeout: 120_000
  }, async () => {
    const env = replicaEnv()
    const { session_id } = json<{ session_id: string }>(
      await agor(['--json', 'session', 'create', '--agent', 'a'], { env })
    )
    await sqld.server.stall()
    try {
      const stalled = failure(await agor(['--json', 'db', 'sync', '--rebootstrap'], { env }))
      // the reachability check's 5 s ended the wait, not AGOR_DB_TIMEOUT's 30 s
      expect(stalled).toMatchObject({
        code: 503,
        message: `The primary database at ${sqld.server.url} did not answer within 5 s (the limit of a reachability check; AGOR_DB_TIMEOUT is 30 s): nothing was changed, the local copy ${env.AGOR_DB_URL} is as it was`
      })
      expect(backups(env.AGOR_DB_URL)).toEqual([])
      expect(await listed(env)).toContain(session_id)
    } finally {
      sqld.server.resume()
    }
    await sqld.server.kill()
    try {
      expect(failure(await agor(['--json', 'db', 'sync', '--rebootstrap'], { env }))).toMatchObject({
        code: 503,
        message: `The primary database at ${sqld.server.url} is unreachable: nothing was changed, the local copy ${env.AGOR_DB_URL} is as it was`
      })
      expect(backups(env.AGOR_DB_URL)).toEqual([])
      expect(await listed(env)).toContain(session_id)
    } finally {
      await sqld.server.start()
    }
    expect(json<{ frameNo: number }>(await agor(['--json', 'db', 'sync'], { env })).frameNo).toBeGreaterThan(
      0
    )
  })

  it('puts the old copy back when the primary answers the check but the copy cannot be made', {
    timeout: 120_000
  }, async () => {
    const env = { ...replicaEnv(proxy.url), AGOR_DB_TIMEOUT: '2' }
    const { session_id } = json<{ session_id: string }>(
      await agor(['--json', 'session', 'create', '--agent', 'b'], { env })
    )
    // agor's question is answered; the driver's copy never comes
    await proxy.set('stall-driver')
    let error: { code: number; message: string }
    try {
      error = failure(await agor(['--json', 'db', 'sync', '--rebootstrap'], { env }))
    } finally {
      await proxy.set('pass')
    }
    const [backup] = backups(env.AGOR_DB_URL)
    expect(error).toMatchObject({
      code: 503,
      message: `The primary database at ${proxy.url} did not answer within 2 s (AGOR_DB_TIMEOUT): the primary could not be copied, so the old local copy is back in place at ${env.AGOR_DB_URL} (a backup of it is at ${join(dirname(env.AGOR_DB_URL), backup!)})`
    })
    expect(backups(env.AGOR_DB_URL)).toEqual([backup])
    expect(await listed(env)).toContain(session_id)
    // the driver's bookkeeping came back with it: the replica syncs on as before
    expect(json<{ frameNo: number }>(await agor(['--json', 'db', 'sync'], { env })).frameNo).toBeGreaterThan(
      0
    )
  })
})

describe('a damaged replica', () => {
  it('says so in words, db check reports it with the way out, and --rebootstrap copies it anew', {
    timeout: 120_000
  }, async () => {
    const env = replicaEnv()
    const path = env.AGOR_DB_URL
    const made = json<{ session_id: string }[]>(
      await agor(['--json', 'session', 'create', '--data', '@-'], {
        env,
        input: JSON.stringify(
          Array.from({ length: 200 }, (_, i) => ({ agent: `a${i}`, title: 't'.repeat(500) }))
        )
      })
    ).map((s) => s.session_id)
    // every page into the main file, then the root page of the sessions table overwritten
    const raw = createClient({ url: `file:${path}` })
    await raw.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    const root = await raw.execute("SELECT rootpage AS page FROM sqlite_master WHERE name = 'sessions'")
    raw.close()
    const file = openSync(path, 'r+')
    writeSync(file, Buffer.alloc(4096, 0xa5), 0, 4096, (Number(root.rows[0]?.page) - 1) * 4096)
    closeSync(file)
    // a write elsewhere: the replica's next sync applies it to the damaged copy
    const primary = await sqld.open()
    made.push((await primary.service('sessions').create({ agent: 'elsewhere' })).session_id)
    await sqld.closeAll()

    const damaged = `The database ${path} is damaged: part of the file cannot be read`
    for (const args of [
      ['session', 'list'],
      ['session', 'show', made[0]!]
    ]) {
      const result = await agor(['--json', '--no-daemon', ...args], { env })
      expect(failure(result).message, args.join(' ')).toBe(damaged)
      expect(result.stderr).not.toMatch(/Injector|replication error|SqliteError|malformed/)
    }
    const advice =
      'copy it anew from the primary: agor db sync --rebootstrap (the damaged copy is kept as a backup next to it)'
    const text = await agor(['db', 'check'], { env })
    expect(text).toMatchObject({ code: 1, stderr: '' })
    expect(text.stdout).toContain('Problems found: the database file is damaged')
    expect(text.stdout).toContain(`Primary: reachable, and the database this copy is a copy of`)
    expect(text.stdout.trim().split('\n').slice(-2)).toEqual(['What to do:', `  - ${advice}`])
    const report = await agor(['db', 'check', '--json'], { env })
    expect(report.code).toBe(1)
    expect(JSON.parse(report.stdout)).toMatchObject({
      ok: false,
      damaged: true,
      checked: 'local copy',
      primary: 'same database',
      advice: [advice]
    })

    const rebootstrap = json<{ backup: string }>(
      await agor(['--json', 'db', 'sync', '--rebootstrap'], { env })
    )
    expect(existsSync(rebootstrap.backup)).toBe(true)
    expect(backups(path).filter((name) => !name.includes('-wal'))).toEqual([
      rebootstrap.backup.slice(dirname(path).length + 1)
    ])
    expect(await listed(env)).toEqual(expect.arrayContaining(made))
    expect(await agor(['db', 'check'], { env })).toMatchObject({ code: 0 })
  })
})

describe("a replica driver's words for a damaged local copy", () => {
  it('become the words for a damaged file, also across the worker process', () => {
    const config = resolveDatabaseConfig({ url: '/tmp/replica.db', syncUrl: 'http://127.0.0.1:1' })
    const cases = [
      ['replication error: Injector error: SQLite error: database disk image is malformed', 'damaged'],
      ['sync error: SQLITE_CORRUPT: page 3', 'damaged'],
      ['replication error: Injector error: SQLite error: file is not a database', 'not-a-database']
    ] as const
    for (const [driver, problem] of cases) {
      const error = fromPlainError(plainError(translate(new Error(driver), config, false)))
      expect(error).toBeInstanceOf(DatabaseFileError)
      expect(error).toMatchObject({ problem, path: '/tmp/replica.db' })
    }
  })
})

describe('agor db sync --rebootstrap through a symlink', () => {
  it('replaces the file the link leads to, and leaves the link a link', async () => {
    const env = replicaEnv()
    const real = env.AGOR_DB_URL
    const { session_id } = json<{ session_id: string }>(
      await agor(['--json', 'session', 'create', '--agent', 'kept'], { env })
    )
    const link = join(tempDir(), 'link.db')
    symlinkSync(real, link)
    const viaLink = { ...env, AGOR_DB_URL: link }
    const result = await agor(['db', 'sync', '--rebootstrap'], { env: viaLink })
    expect(result.code, result.stderr).toBe(0)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readlinkSync(link)).toBe(real)
    expect(backups(real)).toHaveLength(1)
    expect(await listed(viaLink)).toContain(session_id)
    expect(await listed(env)).toContain(session_id)
  })
})
