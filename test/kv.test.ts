// The key-value store through the library: set, compare-and-set, expiry, find by prefix,
// workspaces, hostile keys, a compare-and-set race between processes on one file, and the edges
// outside testers found: a key removed and made again between a compare-and-set's read and its
// write, a set whose conditions do not hold, imported expiries with an offset.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '../src/index.js'
import { kv as kvDefinition } from '../src/schema/kv.js'
import { LIBRARY } from '../src/store/feed-triggers.js'
import { rowMapper } from '../src/store/row.js'
import { TableStatements } from '../src/store/statements.js'
import { STALE_WRITE } from '../src/store/write-views.js'
import { finished } from './concurrency-scenario.js'
import { runFixture } from './crash-helpers.js'
import { tempDir } from './helpers.js'

let db: Database
let path: string

beforeAll(async () => {
  path = join(tempDir(), 'kv.db')
  db = await openDatabase({ url: `file:${path}` })
})

afterAll(() => db.close())

const kv = () => db.collection('kv')
const count = async (where = '1') =>
  Number((await db.connection.execute(`SELECT count(*) AS n FROM kv WHERE ${where}`)).rows[0]!.n)
const past = () => new Date(Date.now() - 60_000).toISOString()

describe('set and get', () => {
  it('sets a key at version 1, replaces it at version + 1, and gets it exactly', async () => {
    const made = await kv().update('ui:theme', { value: 'dark' })
    expect(made).toMatchObject({ key: 'ui:theme', value: 'dark', version: 1, expires_at: null })
    const next = await kv().update('ui:theme', { value: { mode: 'light', size: [1, 2] } })
    expect(next).toMatchObject({ value: { mode: 'light', size: [1, 2] }, version: 2 })
    expect(next.created_at).toBe(made.created_at)
    expect(await kv().get('ui:theme')).toEqual(next)
    // a key is named exactly: no prefix, no other case
    await expect(kv().get('ui:th')).rejects.toMatchObject({ code: 404 })
    await expect(kv().get('UI:THEME')).rejects.toMatchObject({ code: 404 })
  })

  it('keeps any JSON value, null included, and refuses a set without one', async () => {
    for (const value of [null, 0, false, '', [], {}, 'text', [null, { a: { b: [1] } }]]) {
      expect((await kv().update('any', { value })).value).toEqual(value)
    }
    const before = await kv().get('any')
    await expect(kv().update('any', {} as never)).rejects.toMatchObject({ code: 400 })
    await expect(kv().update('any', { value: 1, other: 2 } as never)).rejects.toMatchObject({ code: 400 })
    expect(await kv().get('any')).toEqual(before)
  })

  it('never takes a version from the input but as the condition of a compare-and-set', async () => {
    await expect(kv().create({ key: 'v', value: 1, version: 7 } as never)).rejects.toMatchObject({
      code: 400
    })
    expect((await kv().create({ key: 'v', value: 1 } as never)).version).toBe(1)
    for (const version of [-1, 1.5, '1', null])
      await expect(kv().update('v', { value: 2, version } as never)).rejects.toMatchObject({ code: 400 })
    expect((await kv().get('v')).version).toBe(1)
  })

  it('creates with create (409 when the key is set) and removes (404 when absent), and refuses patch', async () => {
    await expect(kv().create({ key: 'v', value: 2 } as never)).rejects.toMatchObject({ code: 409 })
    await expect(kv().patch('v', { value: 3 } as never)).rejects.toMatchObject({ code: 405 })
    expect(await kv().remove('v')).toMatchObject({ key: 'v', value: 1 })
    await expect(kv().remove('v')).rejects.toMatchObject({ code: 404 })
    await expect(kv().get('v')).rejects.toMatchObject({ code: 404 })
  })
})

describe('compare-and-set', () => {
  it('writes only over the version given (0: only when absent), else 409 with nothing written', async () => {
    expect((await kv().update('cas', { value: 'a', version: 0 })).version).toBe(1)
    await expect(kv().update('cas', { value: 'b', version: 0 })).rejects.toMatchObject({
      code: 409,
      data: { key: 'cas', expected: 0, version: 1 }
    })
    expect((await kv().update('cas', { value: 'b', version: 1 })).version).toBe(2)
    await expect(kv().update('cas', { value: 'c', version: 1 })).rejects.toMatchObject({ code: 409 })
    await expect(kv().update('absent', { value: 'c', version: 3 })).rejects.toMatchObject({
      code: 409,
      data: { version: 0 }
    })
    expect(await kv().get('cas')).toMatchObject({ value: 'b', version: 2 })
    await expect(kv().get('absent')).rejects.toMatchObject({ code: 404 })
  })

  it('gives one success per version to writers racing in one process', async () => {
    await kv().update('race:one', { value: 0 })
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => kv().update('race:one', { value: 'won', version: 1 }))
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as { code: number }).code).toBe(409)
    expect((await kv().get('race:one')).version).toBe(2)
  })

  it('counts exactly with three processes doing 200 increments each on one key', async () => {
    await kv().update('race:counter', { value: 0 })
    const outputs = await Promise.all(
      [1, 2, 3].map(() => finished(runFixture('test/fixtures/kv-cas.ts', [path, 'race:counter', '200'])))
    )
    const reports = outputs.map((out) => JSON.parse(out) as { expected: number[]; conflicts: number })
    const expected = reports.flatMap((r) => r.expected).sort((a, b) => a - b)
    // every success wrote over a different version, one after another from 1
    expect(expected).toEqual(Array.from({ length: 600 }, (_, i) => i + 1))
    expect(await kv().get('race:counter')).toMatchObject({ value: 600, version: 601 })
  }, 120_000)
})

describe('expiry', () => {
  it('reads an expired key as absent everywhere, and sets it again from version 1', async () => {
    await kv().update('exp:gone', { value: 1, expires_at: past() })
    await kv().update('exp:kept', { value: 2, expires_at: new Date(Date.now() + 3_600_000).toISOString() })
    await expect(kv().get('exp:gone')).rejects.toMatchObject({ code: 404 })
    await expect(kv().remove('exp:gone')).rejects.toMatchObject({ code: 404 })
    expect((await kv().find({ query: { key: { $like: 'exp:%' } } })).map((e) => e.key)).toEqual(['exp:kept'])
    await expect(kv().update('exp:gone', { value: 3, version: 1 })).rejects.toMatchObject({
      code: 409,
      data: { version: 0 }
    })
    const again = await kv().update('exp:gone', { value: 3, version: 0 })
    expect(again).toMatchObject({ value: 3, version: 1, expires_at: null })
  })

  it('expires a key at its time, without waiting longer than it takes', async () => {
    const at = new Date(Date.now() + 300).toISOString()
    await kv().update('exp:soon', { value: 'x', expires_at: at })
    expect((await kv().get('exp:soon')).expires_at).toBe(at)
    let gone = false
    const started = Date.now()
    while (!gone && Date.now() - started < 5_000) {
      gone = await kv()
        .get('exp:soon')
        .then(
          () => false,
          (error: { code?: number }) => error.code === 404
        )
    }
    expect(gone).toBe(true)
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(at))
  })

  it('writes expiries as UTC, creates over an expired key, and sweeps expired rows away', async () => {
    const entry = await kv().update('exp:zone', { value: 1, expires_at: '2999-01-01T02:00:00+02:00' })
    expect(entry.expires_at).toBe('2999-01-01T00:00:00.000Z')
    await expect(kv().update('exp:zone', { value: 1, expires_at: 'tomorrow' })).rejects.toMatchObject({
      code: 400
    })
    await kv().update('exp:c', { value: 1, expires_at: past() })
    expect((await kv().create({ key: 'exp:c', value: 2 } as never)).version).toBe(1)
    await kv().update('exp:swept', { value: 1, expires_at: past() })
    expect(await count(`expires_at <= '${new Date().toISOString()}'`)).toBeGreaterThan(0)
    expect(await kv().purgeExpired()).toBeGreaterThan(0)
    expect(await count(`expires_at <= '${new Date().toISOString()}'`)).toBe(0)
  })
})

describe('find', () => {
  it('finds by prefix, in key order by default, with pages', async () => {
    for (const key of ['p:b', 'p:a', 'p:c', 'q:a']) await kv().update(key, { value: key })
    const found = await kv().find({ query: { key: { $like: 'p:%' } } })
    expect(found.map((e) => e.key)).toEqual(['p:a', 'p:b', 'p:c'])
    const page = await kv().find({
      query: { key: { $like: 'p:%' }, $sort: { key: -1 }, $limit: 2 },
      paginate: { default: 10, max: 100 }
    })
    expect(page).toMatchObject({ total: 3, limit: 2 })
    expect(page.data.map((e) => e.key)).toEqual(['p:c', 'p:b'])
  })
})

describe('workspaces', () => {
  it('keeps the same key in two workspaces as two entries', async () => {
    await db.workspaces.create('kv-other').catch(() => undefined)
    const other = db.workspace('kv-other').collection('kv')
    await kv().update('shared', { value: 'default' })
    await other.update('shared', { value: 'other', expires_at: '2999-01-01T00:00:00Z' })
    await other.update('shared', { value: 'other 2' })
    expect(await kv().get('shared')).toMatchObject({ value: 'default', version: 1, expires_at: null })
    expect(await other.get('shared')).toMatchObject({ value: 'other 2', version: 2 })
    expect((await other.find()).map((e) => e.key)).toEqual(['shared'])
    await other.remove('shared')
    expect((await kv().get('shared')).value).toBe('default')
    await expect(other.get('shared')).rejects.toMatchObject({ code: 404 })
    await expect(other.update('shared', { value: 1, version: 1 })).rejects.toMatchObject({ code: 409 })
  })
})

describe('hostile keys', () => {
  it('refuses keys that are empty, too long, controls, dots or broken text, writing nothing', async () => {
    const before = await count()
    const keys = [
      '',
      '.',
      '..',
      'x'.repeat(513),
      'a\nb',
      'a\u0000b',
      '\u001b[31m',
      'a\u007f',
      '\ud800',
      42,
      null
    ]
    for (const key of keys) {
      const what = JSON.stringify(key)
      await expect(kv().update(key, { value: 1 }), what).rejects.toMatchObject({ code: 400 })
      await expect(kv().create({ key, value: 1 } as never), what).rejects.toMatchObject({ code: 400 })
      await expect(kv().get(key), what).rejects.toMatchObject({ code: 400 })
      // (a null id is a multi remove, as in every collection)
      if (key !== null) await expect(kv().remove(key), what).rejects.toMatchObject({ code: 400 })
    }
    expect(await count()).toBe(before)
  })

  it('keeps unicode, slashes, dots, quotes and the longest keys as they are', async () => {
    const keys = [
      'é/ü:日本',
      '../etc/passwd',
      'it\'s "x"',
      '%2F%00',
      '🙂'.repeat(512),
      'x'.repeat(512),
      ' a '
    ]
    for (const key of keys) {
      expect((await kv().update(key, { value: key })).key).toBe(key)
      expect((await kv().get(key)).value).toBe(key)
    }
  })
})

describe('entries written by others', () => {
  it('counts an imported entry without a version as version 1', async () => {
    await kv().insertDocuments([
      {
        key: 'old',
        value: 'x',
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z'
      }
    ])
    await expect(kv().update('old', { value: 'y', version: 0 })).rejects.toMatchObject({
      data: { version: 1 }
    })
    expect(await kv().update('old', { value: 'y', version: 1 })).toMatchObject({ value: 'y', version: 2 })
  })
})

describe('the key-value store, at its edges', () => {
  it('refuses a write over a key that was removed and made again, though its updated_at is the old one', async () => {
    await kv().update('lock', { value: 1 })
    // the key was first set a second ago: its new lifetime begins later, whatever the clock does
    // within this test's millisecond or two
    await db.connection.execute({
      sql: `UPDATE kv SET created_at = created_at - 1000 WHERE key = ? AND workspace = 'default'`,
      args: ['lock']
    })
    const read = await kv().update('lock', { value: 2 })
    // another writer removes it and sets it anew; its last write's updated_at is made the old one's
    await kv().remove('lock')
    await kv().update('lock', { value: 'theirs', version: 0 })
    await db.connection.execute({
      sql: `UPDATE kv SET updated_at = ? WHERE key = ? AND workspace = 'default'`,
      args: [Date.parse(read.updated_at), 'lock']
    })
    // the write of a compare-and-set that read version 2 before all that
    const statements = new TableStatements(kvDefinition, rowMapper(kvDefinition), 'default')
    const later = new Date(Date.parse(read.updated_at) + 1).toISOString()
    const { statement } = statements.update(
      { ...read, value: 'mine', version: 3, updated_at: later },
      read,
      'updated',
      LIBRARY
    )
    await expect(db.connection.batch([statement], 'write')).rejects.toThrow(STALE_WRITE)
    expect(await kv().get('lock')).toMatchObject({ value: 'theirs', version: 1 })
  })

  it('answers a set whose conditions do not hold with a 404 at once, and writes nothing', async () => {
    await kv().update('cond', { value: 1 })
    const started = Date.now()
    await expect(kv().update('cond', { value: 2 }, { query: { value: 999 } })).rejects.toMatchObject({
      code: 404
    })
    await expect(kv().update('absent', { value: 2 }, { query: { value: 1 } })).rejects.toMatchObject({
      code: 404
    })
    expect(Date.now() - started).toBeLessThan(3000)
    expect(await kv().get('cond')).toMatchObject({ value: 1, version: 1 })
    await expect(kv().get('absent')).rejects.toMatchObject({ code: 404 })
    expect(await kv().update('cond', { value: 3 }, { query: { value: 1 } })).toMatchObject({
      value: 3,
      version: 2
    })
  })

  it('keeps an imported expiry as UTC, so that it expires when it says', async () => {
    const hour = 3_600_000
    const offset = (ms: number, zone: string, hours: number) => {
      const local = new Date(ms + hours * hour).toISOString().slice(0, 19)
      return `${local}${zone}`
    }
    const now = Date.now()
    const at = new Date(now).toISOString()
    await kv().insertDocuments([
      {
        key: 'imp:gone',
        value: 1,
        version: 1,
        expires_at: offset(now - hour, '+05:00', 5),
        created_at: at,
        updated_at: at
      },
      {
        key: 'imp:live',
        value: 2,
        version: 1,
        expires_at: offset(now + hour, '-05:00', -5),
        created_at: at,
        updated_at: at
      }
    ])
    await expect(kv().get('imp:gone')).rejects.toMatchObject({ code: 404 })
    const live = await kv().get('imp:live')
    expect(live.expires_at).toBe(new Date(Math.floor((now + hour) / 1000) * 1000).toISOString())
  })
})
