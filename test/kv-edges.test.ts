// The key-value store where outside testers found it wrong: a key removed and made again between a
// compare-and-set's read and its write, a set whose conditions do not hold, imported expiries with
// an offset, and the command line's keys and flags.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kv as kvDefinition } from '../src/schema/kv.js'
import { openDatabase } from '../src/store/database.js'
import { LIBRARY } from '../src/store/feed-triggers.js'
import { rowMapper } from '../src/store/row.js'
import { TableStatements } from '../src/store/statements.js'
import { STALE_WRITE } from '../src/store/write-views.js'
import { agor, json, tempDb } from './cli-helpers.js'
import { tempDir } from './helpers.js'

type Db = Awaited<ReturnType<typeof openDatabase>>
let db: Db
let path: string
beforeAll(async () => {
  path = join(tempDir(), 'kv.db')
  db = await openDatabase({ url: `file:${path}` })
})
afterAll(() => db.close())
const kv = () => db.collection('kv')

describe('the key-value store, at its edges', () => {
  it('refuses a write over a key that was removed and made again, even within the same millisecond', async () => {
    await kv().update('lock', { value: 1 })
    const read = await kv().update('lock', { value: 2 })
    // another writer removes it and sets it anew; its timestamps are made to look like the old ones
    await kv().remove('lock')
    await kv().update('lock', { value: 'theirs', version: 0 })
    await db.connection.execute({
      sql: 'UPDATE kv SET updated_at = ? WHERE key = ?',
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
