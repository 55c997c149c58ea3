// A database file that another process keeps locked: writes wait, retry, and fail only with a
// clear 503; and a write that failed busy never leaves the connection unable to commit later
// (libsql-client-ts #352: the failed statement stayed unfinalized and every later COMMIT failed).
import { createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DatabaseUnavailableError } from '../src/errors.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { tempDbUrl } from './helpers.js'

let url: string
let database: Database
const other = () => createClient({ url, timeout: 0 })

beforeAll(async () => {
  url = tempDbUrl()
  database = await openDatabase({ url, busyTimeout: 50 })
})
afterAll(() => database.close())

/** Holds the write lock from another connection until the returned function is called. */
async function holdWriteLock() {
  const client = other()
  const tx = await client.transaction('write')
  await tx.execute(
    "INSERT INTO boards (board_id, created_at, updated_at, data) VALUES ('0199b73d-0000-7000-8000-00000000000" +
      Math.floor(Math.random() * 10) +
      '\', 1, 1, \'{"name":"lock"}\') ON CONFLICT DO NOTHING'
  )
  return async () => {
    await tx.rollback()
    client.close()
  }
}

async function countOf(name: string) {
  const client = other()
  try {
    const { rows } = await client.execute({
      sql: "SELECT count(*) AS n FROM boards WHERE json_extract(data, '$.name') = ?",
      args: [name]
    })
    return Number(rows[0]?.n)
  } finally {
    client.close()
  }
}

describe('a locked database file', () => {
  it('a write waits for a short lock and then succeeds', async () => {
    const release = await holdWriteLock()
    setTimeout(release, 120)
    await database.collection('boards').create({ name: 'after a short lock' })
    expect(await countOf('after a short lock')).toBe(1)
  })

  it('a long lock gives a clear 503, and the connection commits again afterwards', async () => {
    const release = await holdWriteLock()
    const boards = database.collection('boards')
    await expect(boards.create({ name: 'while locked' })).rejects.toThrow(DatabaseUnavailableError)
    await expect(boards.create([{ name: 'batch while locked' }, { name: 'x' }])).rejects.toThrow(
      DatabaseUnavailableError
    )
    await release()
    expect(await countOf('while locked')).toBe(0)
    // single statements, batches (transactions) and interactive transactions all commit again
    await boards.create({ name: 'after the lock' })
    await boards.create([{ name: 'batch after the lock' }, { name: 'batch after the lock' }])
    await database.connection.transaction('write', (tx) =>
      tx.execute(
        'INSERT INTO boards (board_id, created_at, updated_at, data) VALUES (\'0199b73d-0000-7000-8000-0000000000ff\', 1, 1, \'{"name":"in a transaction"}\')'
      )
    )
    expect(await countOf('after the lock')).toBe(1)
    expect(await countOf('batch after the lock')).toBe(2)
    expect(await countOf('in a transaction')).toBe(1)
  })
})
