// The local client (src/db/native-client.ts) answers exactly as @libsql/client does: the same
// statements through both, each on a database file of its own, give the same rows, counts and
// errors.
import { type Client, createClient, LibsqlError, type ResultSet } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openNativeClient } from '../src/db/native-client.js'
import { tempDbUrl } from './helpers.js'

let native: Client
let nativePath: string
let reference: Client

beforeAll(async () => {
  reference = createClient({ url: tempDbUrl() })
  nativePath = tempDbUrl().slice('file:'.length)
  native = openNativeClient(nativePath, { timeout: 1000 })
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
function plain(result: ResultSet) {
  return {
    columns: result.columns,
    rows: result.rows.map((row) => ({
      named: { ...row },
      indexed: Array.from({ length: row.length }, (_, i) => row[i])
    })),
    rowsAffected: result.rowsAffected,
    lastInsertRowid: result.lastInsertRowid
  }
}

async function outcome(client: Client, sql: string, args: unknown[] = []) {
  try {
    return plain(await client.execute({ sql, args: args as never }))
  } catch (error) {
    const e = error as LibsqlError
    return { error: e instanceof LibsqlError, code: e.code, extendedCode: e.extendedCode, name: e.name }
  }
}

describe('the local client', () => {
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
    expect(failed).toBeInstanceOf(LibsqlError)
    expect((failed as LibsqlError).extendedCode).toBe('SQLITE_CONSTRAINT_UNIQUE')
    const names = (await native.execute('SELECT name FROM t ORDER BY name')).rows.map((r) => r.name)
    expect(names).toEqual(['x', 'y'])
  })

  it('runs interactive transactions on its one connection, and refuses other work meanwhile', async () => {
    const tx = await native.transaction('write')
    await tx.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['in tx'] })
    await expect(native.execute('SELECT 1')).rejects.toMatchObject({ code: 'TRANSACTION_ACTIVE' })
    // another connection to the file does not see it before the commit
    const other = createClient({ url: `file:${nativePath}` })
    expect((await other.execute("SELECT count(*) AS n FROM t WHERE name = 'in tx'")).rows[0]?.n).toBe(0)
    await tx.commit()
    expect((await other.execute("SELECT count(*) AS n FROM t WHERE name = 'in tx'")).rows[0]?.n).toBe(1)
    other.close()
    expect(tx.closed).toBe(true)
    expect((await native.execute("SELECT count(*) AS n FROM t WHERE name = 'in tx'")).rows[0]?.n).toBe(1)
    const rolled = await native.transaction('write')
    await rolled.execute({ sql: 'INSERT INTO t (name) VALUES (?)', args: ['rolled back'] })
    await rolled.rollback()
    expect((await native.execute("SELECT count(*) AS n FROM t WHERE name = 'rolled back'")).rows[0]?.n).toBe(
      0
    )
  })

  it('keeps working past its statement cache, and after a reconnect', async () => {
    for (let i = 0; i < 600; i++) {
      const { rows } = await native.execute({ sql: `SELECT ? + ${i} AS v`, args: [1] })
      expect(rows[0]?.v).toBe(i + 1)
    }
    native.reconnect()
    expect((await native.execute('SELECT count(*) AS n FROM t')).rows[0]?.n).toBeGreaterThan(0)
  })

  it('refuses what @libsql/client refuses: non-finite numbers, undefined, integers beyond 2^53', async () => {
    await expect(native.execute({ sql: 'SELECT ?', args: [Number.NaN] })).rejects.toThrow(RangeError)
    await expect(native.execute({ sql: 'SELECT ?', args: [undefined as never] })).rejects.toThrow(TypeError)
    await expect(native.execute('SELECT 9007199254740993 AS big')).rejects.toThrow(RangeError)
  })
})
