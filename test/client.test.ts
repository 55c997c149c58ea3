import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_BUSY_TIMEOUT, localPath, resolveDatabaseConfig } from '../src/db/client.js'
import { type Documents, openDocuments } from '../src/store/documents.js'
import { tempDbUrl, tempDir } from './helpers.js'

const opened: Documents[] = []
afterEach(() => {
  for (const store of opened.splice(0)) store.close()
})

async function open(url: string, options = {}) {
  const store = await openDocuments({ url, ...options })
  opened.push(store)
  return store
}

async function pragma(store: Documents, name: string) {
  const { rows } = await store.db.execute(`PRAGMA ${name}`)
  return rows[0]?.[0]
}

describe('resolveDatabaseConfig', () => {
  it('defaults to ~/.agor/agor.db with ~ expanded, and honours AGOR_DB_URL', () => {
    const home = tempDir()
    const original = process.env.HOME
    process.env.HOME = home
    try {
      expect(resolveDatabaseConfig({}, {})).toMatchObject({
        mode: 'file',
        path: join(home, '.agor', 'agor.db')
      })
      expect(resolveDatabaseConfig({}, { AGOR_DB_URL: 'file:~/x/y.db' })).toMatchObject({
        path: join(home, 'x', 'y.db')
      })
      expect(resolveDatabaseConfig({ url: 'file:/tmp/a.db' }, { AGOR_DB_URL: 'file:/tmp/b.db' }).path).toBe(
        '/tmp/a.db'
      )
    } finally {
      process.env.HOME = original
    }
  })

  it('tells the modes apart', () => {
    expect(resolveDatabaseConfig({ url: ':memory:' }, {}).mode).toBe('memory')
    expect(resolveDatabaseConfig({ url: 'libsql://db.example.turso.io' }, {}).mode).toBe('remote')
    expect(resolveDatabaseConfig({ url: 'http://127.0.0.1:8080' }, {}).mode).toBe('remote')
    expect(
      resolveDatabaseConfig({ url: '/tmp/r.db' }, { AGOR_DB_SYNC_URL: 'http://127.0.0.1:8080' }).mode
    ).toBe('replica')
    expect(localPath('relative.db')).toBe(join(process.cwd(), 'relative.db'))
  })
})

describe('the embedded file', () => {
  it('creates the parent folders, uses WAL and turns foreign keys on', async () => {
    const url = `file:${join(tempDir(), 'deep', 'er', 'agor.db')}`
    const store = await open(url)
    expect(existsSync(localPath(url))).toBe(true)
    expect(await pragma(store, 'journal_mode')).toBe('wal')
    expect(await pragma(store, 'foreign_keys')).toBe(1)
    expect(await pragma(store, 'busy_timeout')).toBe(DEFAULT_BUSY_TIMEOUT)
  })

  it('opens the default file under a HOME that has no .agor folder yet', async () => {
    const home = tempDir()
    const { HOME, AGOR_DB_URL } = process.env
    process.env.HOME = home
    delete process.env.AGOR_DB_URL
    try {
      opened.push(await openDocuments())
      expect(existsSync(join(home, '.agor', 'agor.db'))).toBe(true)
    } finally {
      process.env.HOME = HOME
      if (AGOR_DB_URL !== undefined) process.env.AGOR_DB_URL = AGOR_DB_URL
    }
  })

  it('keeps the busy timeout and foreign keys on every connection, including after transactions', async () => {
    const store = await open(tempDbUrl(), { busyTimeout: 4321 })
    const client = store.db.client
    for (let round = 0; round < 3; round++) {
      const tx = await client.transaction('write')
      await tx.execute('SELECT 1')
      await tx.commit()
      // concurrent calls borrow several pooled connections, among them fresh ones
      const results = await Promise.all(
        Array.from({ length: 8 }, () => client.batch(['PRAGMA busy_timeout', 'PRAGMA foreign_keys'], 'read'))
      )
      for (const [timeout, fk] of results) {
        expect(timeout?.rows[0]?.[0]).toBe(4321)
        expect(fk?.rows[0]?.[0]).toBe(1)
      }
    }
    // a transaction that is still open holds its connection; the others keep the settings too
    const tx = await client.transaction('read')
    expect((await tx.execute('PRAGMA busy_timeout')).rows[0]?.[0]).toBe(4321)
    expect(await pragma(store, 'busy_timeout')).toBe(4321)
    tx.close()
  })

  it('enforces foreign keys through the store: a task of a missing session is refused', async () => {
    const store = await open(tempDbUrl())
    const missing = '0199b73d-b52e-7ed1-b028-277d6ad08cef'
    await expect(store.collection('tasks').create({ session_id: missing })).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining(missing)
    })
    expect(await store.collection('tasks').find()).toHaveLength(0)
  })
})

describe(':memory:', () => {
  it('works for tests and demos', async () => {
    const store = await open(':memory:')
    const board = await store.collection('boards').create({ name: 'Inbox' })
    expect(await store.collection('boards').get(board.board_id)).toEqual(board)
    expect(store.config.mode).toBe('memory')
  })
})
