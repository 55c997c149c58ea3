// A newer agor on a file that a daemon of another version serves: it does not upgrade the schema
// under that daemon (which would then fail on every write and on its change feed).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import Libsql from 'libsql'
import { describe, expect, it } from 'vitest'
import { UpgradeUnderDaemonError } from '../src/errors.js'
import { openStore } from '../src/service/store.js'
import { agor } from './cli-helpers.js'
import { legacyDatabase } from './helpers.js'

const migrations = (path: string) => {
  const db = new Libsql(path, { readonly: true })
  try {
    return Number((db.prepare('SELECT count(*) AS n FROM "__drizzle_migrations"').get() as { n: number }).n)
  } finally {
    db.close()
  }
}

/** The record of a daemon `pid` on the file at `path`, as `agor serve` writes it; it does not answer. */
function recordDaemon(path: string, pid: number) {
  const record = { pid, url: 'http://127.0.0.1:9', dbPath: path, startedAt: new Date().toISOString() }
  writeFileSync(`${path}.daemon.json`, JSON.stringify(record))
  return record
}

describe('an upgrade under a daemon', () => {
  it('is refused while a daemon serves the file, even with --no-daemon, and done once it is gone', async () => {
    const path = legacyDatabase()
    const before = migrations(path)
    // a daemon that is alive (this process) and does not answer: as one of another version may be
    const record = recordDaemon(path, process.pid)
    for (const args of [
      ['session', 'list', '--db', path, '--no-daemon'],
      ['session', 'list', '--db', path],
      ['db', 'migrate', '--db', path],
      ['db', 'setup', '--path', path]
    ]) {
      const refused = await agor(args)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(`a daemon of another version serves (pid ${process.pid}`)
      expect(migrations(path)).toBe(before)
    }
    writeFileSync(`${path}.daemon.json`, JSON.stringify({ ...record, pid: 2 ** 22 + 1 }))
    const listed = await agor(['session', 'list', '--db', path, '--no-daemon'])
    expect(listed.code).toBe(0)
    expect(migrations(path)).toBeGreaterThan(before)
  })

  it("is refused to a library's openStore too, and done once the daemon is gone", async () => {
    const path = legacyDatabase()
    const before = migrations(path)
    // a live process of its own: this one's records are its own daemon's, which opened the file
    const daemon = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    try {
      recordDaemon(path, daemon.pid!)
      const refused = await openStore({ url: `file:${path}`, auth: false }).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(UpgradeUnderDaemonError)
      expect(refused).toMatchObject({
        code: 500,
        message: expect.stringContaining(`a daemon of another version serves (pid ${daemon.pid}`)
      })
      expect(migrations(path)).toBe(before)
    } finally {
      daemon.kill()
      await once(daemon, 'exit')
    }
    const store = await openStore({ url: `file:${path}`, auth: false })
    await store.close()
    expect(migrations(path)).toBeGreaterThan(before)
  })
})
