// The local connection (src/db/local.ts over src/db/native.ts) answers as @libsql/client does: the
// same statements through both, each on a database file of its own, give the same rows, counts and
// error codes.
import { copyFileSync, statSync } from 'node:fs'
import { type Client, createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveDatabaseConfig } from '../src/db/config.js'
import type { Connection, Result } from '../src/db/connection.js'
import { LocalConnection } from '../src/db/local.js'
import { SqliteError } from '../src/db/sqlite-codes.js'
import { tempDbUrl } from './helpers.js'

let native: Connection
let nativePath: string
let reference: Client

beforeAll(async () => {
  reference = createClient({ url: tempDbUrl() })
  nativePath = tempDbUrl().slice('file:'.length)
  native = await LocalConnection.open(resolveDatabaseConfig({ url: `file:${nativePath}`, busyTimeout: 1000 }))
  for (const client of [reference, native]) {
    await client.execute(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, score REAL, big INTEGER, raw BLOB)'
    )
  }
})
afterAll(() => {
  native.close()
  reference.close()
})

/** What a result set says, in plain data: columns, each row by name and by index, counts. */
function plain(result: Result) {
  return {
    columns: result.columns,
    rows: result.rows.map((row) => ({
      named: { ...row },
      indexed: Array.from({ length: row.length }, (_, i) => row[i])
    })),
    rowsAffected: result.rowsAffected
  }
}

async function outcome(client: Pick<Connection, 'execute'>, sql: string, args: unknown[] = []) {
  try {
    return plain(await client.execute({ sql, args: args as never }))
  } catch (error) {
    const e = error as { code?: string; extendedCode?: string }
    return { error: true, code: e.code, extendedCode: e.extendedCode }
  }
}

describe('the local connection', () => {
  it('answers every statement as @libsql/client does', async () => {
    const cases: [string, unknown[]?][] = [
      ['INSERT INTO t (name, score, big) VALUES (?, ?, ?)', ['a', 1.5, 42]],
      ['INSERT INTO t (name, score, big) VALUES (?, ?, ?)', ['b', true, 2 ** 52]],
      ['INSERT INTO t (name, score) VALUES (?, ?)', ['c', null]],
      ['SELECT id, name, score, big FROM t ORDER BY id'],
      ['SELECT name, name AS again, count(*) AS n FROM t GROUP BY name ORDER BY name'],
      ['SELECT 1 AS x, 2 AS x'],
      ['SELECT * FROM t WHERE name = ?', ['nobody']],
      ['UPDATE t SET score = score + 1 WHERE name IN (?, ?)', ['a', 'b']],
      ['DELETE FROM t WHERE name = ? RETURNING id, name', ['c']],
      ['INSERT INTO t (name) VALUES (?)', ['a']],
      ['SELECT * FROM missing'],
      ['SELEKT 1'],
      ['INSERT INTO t (id, big) VALUES (?, ?)', [100, 2n ** 62n]],
      ['SELECT big FROM t WHERE id = 100'],
      // past 2^53 as a number: an integer the double would round (one row of several), or a real
      ['SELECT id, big FROM t ORDER BY id'],
      ['SELECT -9007199254740993 AS low'],
      ['SELECT 1e20 AS real, -1e300 AS low, 9007199254740991 AS edge'],
      ['PRAGMA foreign_keys'],
      ["SELECT json_extract('{\"a\":[1,2]}', '$.a') AS a, typeof(1.0) AS t"]
    ]
    for (const [sql, args] of cases) {
      expect(await outcome(native, sql, args), sql).toEqual(await outcome(reference, sql, args))
    }
  })

  it('commits a batch whole, or rolls it back whole', async () => {
    await native.execute('DELETE FROM t')
    await native.batch(
      [
        { sql: 'INSERT INTO t (name) VALUES (?)', args: ['x'] },
        { sql: 'INSERT INTO t (name) VALUES (?)', args: ['y'] }
      ],
      'write'
    )
    const failed = await native
      .batch(
        [
          { sql: 'INSERT INTO t (name) VALUES (?)', args: ['z'] },
          { sql: 'INSERT INTO t (name) VALUES (?)', args: ['x'] }
        ],
        'write'
      )
      .catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(SqliteError)
    expect((failed as SqliteError).extendedCode).toBe('SQLITE_CONSTRAINT_UNIQUE')
    const names = (await native.execute('SELECT name FROM t ORDER BY name')).rows.map((r) => r.name)
    expect(names).toEqual(['x', 'y'])
  })

  it('runs interactive transactions on its one connection, and queues other work meanwhile', async () => {
    const other = createClient({ url: `file:${nativePath}` })
    const count = async (client: Pick<Connection, 'execute'>, name: string) =>
      (await client.execute({ sql: 'SELECT count(*) AS n FROM t WHERE name = ?', args: [name] })).rows[0]?.n
    let queued: Promise<unknown> | undefined
    await native.transaction('write', async (tx) => {
      await tx.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['in tx'] })
      queued = native.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['after tx'] })
      // another connection to the file does not see it before the commit, nor the queued write
      expect(await count(other, 'in tx')).toBe(0)
      expect(await count(tx, 'after tx')).toBe(0)
    })
    await queued
    expect(await count(other, 'in tx')).toBe(1)
    expect(await count(other, 'after tx')).toBe(1)
    other.close()
    await expect(
      native.transaction('write', async (tx) => {
        await tx.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['rolled back'] })
        throw new Error('no')
      })
    ).rejects.toThrow('no')
    expect(await count(native, 'rolled back')).toBe(0)
  })

  it('keeps working past its statement cache', async () => {
    for (let i = 0; i < 600; i++) {
      const { rows } = await native.execute({ sql: `SELECT ? + ${i} AS v`, args: [1] })
      expect(rows[0]?.v).toBe(i + 1)
    }
    expect((await native.execute('SELECT count(*) AS n FROM t')).rows[0]?.n).toBeGreaterThan(0)
  })

  it('refuses what @libsql/client refuses: non-finite numbers, undefined, integers beyond 2^53', async () => {
    await expect(native.execute({ sql: 'SELECT ?', args: [Number.NaN] })).rejects.toThrow(RangeError)
    await expect(native.execute({ sql: 'SELECT ?', args: [undefined as never] })).rejects.toThrow(TypeError)
    await expect(native.execute('SELECT 9007199254740993 AS big')).rejects.toThrow(RangeError)
  })
})

describe('closing a local database', () => {
  it('leaves every committed write in the file itself, not only in its write-ahead log', async () => {
    const path = tempDbUrl().slice('file:'.length)
    const connection = await LocalConnection.open(resolveDatabaseConfig({ url: `file:${path}` }))
    await connection.execute('CREATE TABLE kept (id INTEGER PRIMARY KEY, name TEXT)')
    await connection.batch(
      Array.from({ length: 200 }, (_, i) => ({ sql: 'INSERT INTO kept (name) VALUES (?)', args: [`n${i}`] })),
      'write'
    )
    connection.close()
    // the file alone, as a `cp` of it would have it
    const copy = `${path}.copy`
    copyFileSync(path, copy)
    const alone = createClient({ url: `file:${copy}` })
    try {
      expect((await alone.execute('SELECT count(*) AS n FROM kept')).rows[0]?.n).toBe(200)
    } finally {
      alone.close()
    }
  })

  it('empties the write-ahead log, so the next process to open the file has none to read', async () => {
    const path = tempDbUrl().slice('file:'.length)
    const connection = await LocalConnection.open(resolveDatabaseConfig({ url: `file:${path}` }))
    await connection.execute('CREATE TABLE kept (id INTEGER PRIMARY KEY, name TEXT)')
    await connection.execute({ sql: 'INSERT INTO kept (name) VALUES (?)', args: ['a'] })
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0)
    connection.close()
    expect(statSync(`${path}-wal`).size).toBe(0)
    const again = await LocalConnection.open(resolveDatabaseConfig({ url: `file:${path}` }))
    try {
      expect((await again.execute('SELECT name FROM kept')).rows.map((r) => r.name)).toEqual(['a'])
    } finally {
      again.close()
    }
  })

  it('does not wait for another connection that is reading, nor take from it what it reads', async () => {
    const path = tempDbUrl().slice('file:'.length)
    // a busy timeout far past the test's own: a close that waited for the reader would time out
    const config = resolveDatabaseConfig({ url: `file:${path}`, busyTimeout: 600_000 })
    const writer = await LocalConnection.open(config)
    await writer.execute('CREATE TABLE kept (id INTEGER PRIMARY KEY, name TEXT)')
    await writer.execute({ sql: 'INSERT INTO kept (name) VALUES (?)', args: ['a'] })
    const reader = createClient({ url: `file:${path}` })
    try {
      const reading = await reader.transaction('read')
      expect((await reading.execute('SELECT count(*) AS n FROM kept')).rows[0]?.n).toBe(1)
      await writer.execute({ sql: 'INSERT INTO kept (name) VALUES (?)', args: ['b'] })
      writer.close()
      // the reader's snapshot is still whole, and the write it did not see is kept for the others
      expect((await reading.execute('SELECT count(*) AS n FROM kept')).rows[0]?.n).toBe(1)
      await reading.commit()
      expect((await reader.execute('SELECT count(*) AS n FROM kept')).rows[0]?.n).toBe(2)
    } finally {
      reader.close()
    }
  })
})
