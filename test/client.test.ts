import { once } from 'node:events'
import { existsSync, readdirSync } from 'node:fs'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DatabaseUrlError, DEFAULT_BUSY_TIMEOUT, localPath, resolveDatabaseConfig } from '../src/db/config.js'
import { PAGE_CACHE_KIB, WAL_AUTOCHECKPOINT_PAGES } from '../src/db/local.js'
import { openStore } from '../src/service/store.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { tempDbUrl, tempDir } from './helpers.js'

const opened: Database[] = []
afterEach(() => {
  for (const store of opened.splice(0)) store.close()
})

async function open(url: string, options = {}) {
  const store = await openDatabase({ url, ...options })
  opened.push(store)
  return store
}

async function pragma(store: Database, name: string) {
  const { rows } = await store.connection.execute(`PRAGMA ${name}`)
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

  it('takes a file: URL as its path alone: a query, a fragment or another host is refused', () => {
    const noQuery =
      "a file: URL takes no query or fragment (no parameter is read from it): give the file's path alone"
    const refused: [string, string][] = [
      ['file:/tmp/x/d.db?mode=rw', `Invalid url 'file:/tmp/x/d.db': ${noQuery}`],
      ['file:///tmp/x/d.db?', `Invalid url 'file:///tmp/x/d.db': ${noQuery}`],
      ['file:d.db#main', `Invalid url 'file:d.db#main': ${noQuery}`],
      ['FILE:/tmp/d.db?cache=shared', `Invalid url 'FILE:/tmp/d.db': ${noQuery}`],
      ['file::memory:?cache=shared', `Invalid url 'file::memory:': ${noQuery}`],
      [
        'file://server/tmp/d.db',
        "Invalid url 'file://server/tmp/d.db': a file: URL names a file of this machine, not of 'server': file:/absolute/path, file:///absolute/path or file:relative/path"
      ]
    ]
    for (const [url, message] of refused) {
      expect(() => resolveDatabaseConfig({ url }, {}), url).toThrow(message)
      expect(() => resolveDatabaseConfig({ url }, {}), url).toThrow(DatabaseUrlError)
      // a replica's local file takes the same rule
      expect(() => resolveDatabaseConfig({ url, syncUrl: 'http://127.0.0.1:8080' }, {}), url).toThrow(
        DatabaseUrlError
      )
    }
    expect(() => resolveDatabaseConfig({}, { AGOR_DB_URL: 'file:/tmp/x/d.db?mode=rw' })).toThrow(
      `Invalid AGOR_DB_URL 'file:/tmp/x/d.db': ${noQuery}`
    )
    expect(resolveDatabaseConfig({ url: 'file://localhost/tmp/d.db' }, {}).path).toBe('/tmp/d.db')
    expect(resolveDatabaseConfig({ url: 'file:///tmp/d.db' }, {}).path).toBe('/tmp/d.db')
    expect(resolveDatabaseConfig({ url: 'FILE:/tmp/d.db' }, {}).path).toBe('/tmp/d.db')
    expect(resolveDatabaseConfig({ url: 'FILE::memory:' }, {}).mode).toBe('memory')
    // a plain path is a path: a file's name may hold any character, but no blank at either end
    expect(localPath('/tmp/what?.db')).toBe('/tmp/what?.db')
    for (const url of [' file:/tmp/x/d.db?mode=rw', '/tmp/x/d.db\n', 'file:/tmp/d.db '])
      expect(() => resolveDatabaseConfig({ url }, {}), url).toThrow(/begins or ends with a blank/)
    expect(() => resolveDatabaseConfig({}, { AGOR_DB_URL: '/tmp/d.db\n' })).toThrow(
      /Invalid AGOR_DB_URL .*begins or ends with a blank/
    )
  })

  it('openStore refuses a file: URL with a query, from its options or AGOR_DB_URL, and creates nothing', async () => {
    const dir = tempDir()
    const url = `file:${join(dir, 'd.db')}?mode=rw`
    await expect(openStore({ url })).rejects.toThrow(DatabaseUrlError)
    const { AGOR_DB_URL } = process.env
    process.env.AGOR_DB_URL = url
    try {
      await expect(openStore()).rejects.toThrow(/^Invalid AGOR_DB_URL '/)
    } finally {
      if (AGOR_DB_URL === undefined) delete process.env.AGOR_DB_URL
      else process.env.AGOR_DB_URL = AGOR_DB_URL
    }
    expect(readdirSync(dir)).toEqual([])
  })

  it('gives a remote server 30 s per request unless AGOR_DB_TIMEOUT says otherwise', () => {
    const url = 'http://127.0.0.1:8080'
    expect(resolveDatabaseConfig({ url }, {}).requestTimeout).toBe(30)
    expect(resolveDatabaseConfig({ url }, { AGOR_DB_TIMEOUT: '2.5' }).requestTimeout).toBe(2.5)
    expect(resolveDatabaseConfig({ url, requestTimeout: 0 }, { AGOR_DB_TIMEOUT: '9' }).requestTimeout).toBe(0)
    expect(() => resolveDatabaseConfig({ url }, { AGOR_DB_TIMEOUT: 'soon' })).toThrow(
      'AGOR_DB_TIMEOUT must be a number of seconds, got soon'
    )
  })
})

describe('a remote server that accepts connections but never answers', () => {
  it('fails each call with a 503 after the request timeout instead of holding it', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1')
    await once(silent, 'listening')
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`
    try {
      const error = await openDatabase({ url, requestTimeout: 0.5 }).catch((e: unknown) => e)
      // opening reads first: a read that got no answer wrote nothing, and says nothing of writes
      expect(error).toMatchObject({
        code: 503,
        message: `The database server at ${url} did not answer within 0.5 s (AGOR_DB_TIMEOUT)`
      })
      expect(sockets.length).toBeGreaterThan(0)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
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
      opened.push(await openDatabase())
      expect(existsSync(join(home, '.agor', 'agor.db'))).toBe(true)
    } finally {
      process.env.HOME = HOME
      if (AGOR_DB_URL !== undefined) process.env.AGOR_DB_URL = AGOR_DB_URL
    }
  })

  it('keeps its settings after transactions, and other work waits for an open transaction', async () => {
    const store = await open(tempDbUrl(), { busyTimeout: 4321 })
    const { connection: db } = store
    for (let round = 0; round < 3; round++) {
      await db.transaction('write', (tx) =>
        tx.execute(
          `INSERT INTO boards (board_id, created_at, updated_at, data) VALUES ('0199b73d-b52e-7ed1-b028-00000000000${round}', 1, 1, '{}')`
        )
      )
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          db.batch(
            [
              'PRAGMA busy_timeout',
              'PRAGMA foreign_keys',
              'PRAGMA synchronous',
              'PRAGMA cache_size',
              'PRAGMA wal_autocheckpoint'
            ],
            'read'
          )
        )
      )
      for (const [timeout, fk, synchronous, cache, checkpoint] of results) {
        expect(timeout?.rows[0]?.[0]).toBe(4321)
        expect(fk?.rows[0]?.[0]).toBe(1)
        expect(synchronous?.rows[0]?.[0]).toBe(1)
        expect(cache?.rows[0]?.[0]).toBe(-PAGE_CACHE_KIB)
        expect(checkpoint?.rows[0]?.[0]).toBe(WAL_AUTOCHECKPOINT_PAGES)
      }
    }
    const order: string[] = []
    const transaction = db.transaction('write', async (tx) => {
      await tx.execute('SELECT 1')
      await new Promise((resolve) => setTimeout(resolve, 50))
      order.push('transaction')
    })
    const read = db.execute('SELECT count(*) AS n FROM boards').then((r) => {
      order.push('read')
      return r.rows[0]?.n
    })
    await Promise.all([transaction, read])
    expect(order).toEqual(['transaction', 'read'])
    expect(await read).toBe(3)
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
