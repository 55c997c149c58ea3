// agor kv get|set|delete|list on the database file and through a daemon, compare-and-set from
// several CLI processes at once, expiry, workspaces, and keys or values the command refuses.
import { describe, expect, it } from 'vitest'
import { durationMs, kvArgv, prefixPattern } from '../src/cli/kv.js'
import { agor, type CliResult, json, startDaemon, tempDb } from './cli-helpers.js'

type Entry = { key: string; value: unknown; version: number; expires_at: string | null }

const lines = (result: CliResult) => result.stdout.trim().split('\n')

describe('agor kv on the database file', () => {
  it('sets, compares-and-sets, gets, lists by prefix and deletes', async () => {
    const { db } = tempDb()
    expect((await agor([...db, 'kv', 'set', 'ui:theme', '"dark"'])).stdout).toBe('Set ui:theme (version 1)\n')
    const set = json<Entry>(
      await agor([...db, '--json', 'kv', 'set', 'ui:theme', '{"mode":"light"}', '--version', '1'])
    )
    expect(set).toMatchObject({ key: 'ui:theme', value: { mode: 'light' }, version: 2 })
    const stale = await agor([...db, 'kv', 'set', 'ui:theme', '1', '--version', '1'])
    expect(stale.code).toBe(1)
    expect(stale.stderr).toContain("Key 'ui:theme' is at version 2, not 1")
    expect((await agor([...db, 'kv', 'set', 'ui:theme', '1', '--if-version=0'])).code).toBe(1)
    expect((await agor([...db, 'kv', 'get', 'ui:theme'])).stdout).toBe('{\n  "mode": "light"\n}\n')
    await agor([...db, 'kv', 'set', 'ui:a_b', 'text', '--string'])
    await agor([...db, 'kv', 'set', 'ui:axb', 'null'])
    await agor([...db, 'kv', 'set', 'other', '[1,2]'])
    const listed = await agor([...db, 'kv', 'list', '--prefix', 'ui:'])
    expect(lines(listed).map((l) => l.split(/\s+/)[0])).toEqual(['ui:a_b', 'ui:axb', 'ui:theme'])
    // `_` in a prefix is itself, not any character
    const page = json<{ data: Entry[] }>(await agor([...db, '--json', 'kv', 'list', '--prefix', 'ui:a_']))
    expect(page.data.map((e) => [e.key, e.value])).toEqual([['ui:a_b', 'text']])
    expect((await agor([...db, 'kv', 'delete', 'ui:theme'])).stdout).toBe('Deleted ui:theme (version 2)\n')
    const gone = await agor([...db, 'kv', 'get', 'ui:theme'])
    expect(gone.code).toBe(3)
    expect(gone.stderr).toContain("No key matches 'ui:theme'")
    expect((await agor([...db, 'kv', 'delete', 'ui:theme'])).code).toBe(3)
    // the entity commands are for collections with UUID ids
    expect((await agor([...db, 'key', 'list'])).stdout).not.toContain('ui:')
  })

  it('expires keys, by a duration or a time', async () => {
    const { db } = tempDb()
    const later = json<Entry>(
      await agor([...db, '--json', 'kv', 'set', 'lock', '"me"', '--expires-in', '10m'])
    )
    expect(Date.parse(later.expires_at!) - Date.now()).toBeGreaterThan(9 * 60_000)
    expect((await agor([...db, 'kv', 'list'])).stdout).toMatch(/lock {2}"me" \(expires in 10 minutes\)/)
    await agor([...db, 'kv', 'set', 'lock', '"me"', '--expires-at', '2001-01-01T00:00:00Z'])
    expect((await agor([...db, 'kv', 'get', 'lock'])).code).toBe(3)
    expect((await agor([...db, 'kv', 'list'])).stdout).toBe('')
    const again = json<Entry>(await agor([...db, '--json', 'kv', 'set', 'lock', '"you"', '--version', '0']))
    expect(again).toMatchObject({ value: 'you', version: 1, expires_at: null })
  })

  it('keeps workspaces apart', async () => {
    const { db } = tempDb()
    await agor([...db, 'workspace', 'create', 'acme'])
    await agor([...db, 'kv', 'set', 'k', '"default"'])
    await agor([...db, '--workspace', 'acme', 'kv', 'set', 'k', '"acme"'])
    expect((await agor([...db, 'kv', 'get', 'k'])).stdout).toBe('"default"\n')
    expect((await agor([...db, '--workspace', 'acme', 'kv', 'get', 'k'])).stdout).toBe('"acme"\n')
  })

  it('refuses bad keys, values and options as usage errors, writing nothing', async () => {
    const { db } = tempDb()
    for (const args of [
      ['set', 'k', 'not json'],
      ['set', 'k', '1', '--version', 'x'],
      ['set', 'k', '1', '--expires-in', 'soon'],
      ['set', 'k', '1', '--expires-in', '1m', '--expires-at', '2030-01-01T00:00:00Z'],
      ['set', 'a\u0007b', '1'],
      ['set', '..', '1'],
      ['get', 'x'.repeat(513)]
    ]) {
      const result = await agor([...db, 'kv', ...args])
      expect(result.code, args.join(' ')).toBe(2)
    }
    // a time the command cannot read is a bad flag value, as --since's is
    const hostile = await agor([...db, 'kv', 'set', 'k', '1', '--expires-at', 'tomorrow'])
    expect(hostile.code).toBe(2)
    expect(hostile.stderr).toContain('--expires-at')
    expect((await agor([...db, 'kv', 'list'])).stdout).toBe('')
  })
})

describe('agor kv through a daemon', () => {
  it('goes through the daemon, and compare-and-set from several processes counts exactly', async () => {
    const { db } = tempDb()
    const daemon = await startDaemon(db)
    try {
      expect((await agor([...db, 'kv', 'set', 'n', '0'])).code).toBe(0)
      expect(daemon.stderr()).toBe('')
      // three processes, each adding 1 five times with the version it read, again on a 409
      const increment = async () => {
        let done = 0
        while (done < 5) {
          const entry = json<Entry>(await agor([...db, '--json', 'kv', 'get', 'n']))
          const args = [
            'kv',
            'set',
            'n',
            String((entry.value as number) + 1),
            '--version',
            String(entry.version)
          ]
          const result = await agor([...db, ...args])
          if (result.code === 0) done++
          else expect(result.stderr).toContain('is at version')
        }
      }
      await Promise.all([increment(), increment(), increment()])
      expect(json<Entry>(await agor([...db, '--json', 'kv', 'get', 'n']))).toMatchObject({
        value: 15,
        version: 16
      })
      // every write came over HTTP: the feed records the client's address
      const log = json<{ remote: string | null }[]>(await agor([...db, '--json', 'log', '--limit', '100']))
      expect(log.length).toBe(16)
      expect(log.every((change) => change.remote?.includes('127.0.0.1'))).toBe(true)
      const url = ['--url', daemon.url]
      expect((await agor([...url, 'kv', 'set', 'a/b:c d', '"x"'])).code).toBe(0)
      expect((await agor([...url, 'kv', 'get', 'a/b:c d'])).stdout).toBe('"x"\n')
      expect((await agor([...url, 'kv', 'delete', 'a/b:c d'])).code).toBe(0)
      expect((await agor([...url, 'kv', 'get', 'a/b:c d'])).code).toBe(3)
    } finally {
      await daemon.stop()
    }
  }, 60_000)
})

describe('the command line of agor kv', () => {
  it("spells kv set's --version so that the program's own does not take it", () => {
    const argv = (...args: string[]) => ['node', 'agor', ...args]
    expect(kvArgv(argv('--db', 'x.db', 'kv', 'set', 'k', '1', '--version', '3'))).toEqual(
      argv('--db', 'x.db', 'kv', 'set', 'k', '1', '--if-version', '3')
    )
    expect(kvArgv(argv('kv', 'set', 'k', '1', '--version=3'))).toContain('--if-version=3')
    expect(kvArgv(argv('--version'))).toEqual(argv('--version'))
    expect(kvArgv(argv('session', 'list', '--version'))).toEqual(argv('session', 'list', '--version'))
  })

  it('reads durations and prefixes', () => {
    expect([
      durationMs('500ms'),
      durationMs('30s'),
      durationMs('10m'),
      durationMs('2h'),
      durationMs('1d')
    ]).toEqual([500, 30_000, 600_000, 7_200_000, 86_400_000])
    expect(prefixPattern('ui:a_%\\')).toBe('ui:a\\_\\%\\\\%')
  })
})

describe('agor kv, at its edges', () => {
  it('checks keys and flags before any call, and takes what follows -- as it is', async () => {
    const { db: args } = tempDb()
    for (const bad of [
      ['kv', 'get', '..'],
      ['kv', 'delete', '.'],
      ['kv', 'set', '..', '1'],
      ['kv', 'list', '--limit', 'abc'],
      ['kv', 'set', 'k', '1', '--expires-in', '99999999999d'],
      ['kv', 'set', 'k', '1', '--expires-at', '10m'],
      ['kv', 'set', 'k', '1', '--expires-at', '2026-02-30T10:00Z']
    ]) {
      const result = await agor([...bad, ...args])
      expect(result.code, bad.join(' ')).toBe(2)
    }
    expect((await agor(['kv', 'set', 'flag', '--string', ...args, '--', '--version'])).code).toBe(0)
    expect(json(await agor(['kv', 'get', 'flag', '--json', ...args]))).toMatchObject({ value: '--version' })
    const dated = json(
      await agor(['kv', 'set', 'dated', '1', '--expires-at', '2099-01-01', '--json', ...args])
    )
    expect(String(dated.expires_at)).toMatch(/^2099-01-01T|^2098-12-31T/)
  })
})
