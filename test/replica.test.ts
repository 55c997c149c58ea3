// Embedded replicas of a real sqld that checks tokens: sync on open, writes forwarded to the
// primary, other replicas' writes after a sync, the primary's constraints, and refused tokens.
import { linkSync, readdirSync, realpathSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { startSqld } from '../scripts/sqld.js'
import { resolveDatabaseConfig } from '../src/db/config.js'
import { localMigrations, migrate, migrationStatus } from '../src/db/migrate.js'
import { openConnection } from '../src/db/open.js'
import {
  DatabaseAuthError,
  DatabaseForbiddenError,
  DocumentNotFoundError,
  MissingReferenceError,
  UniqueViolationError
} from '../src/errors.js'
import { openStore, type Store } from '../src/service/store.js'
import { tempDbUrl } from './helpers.js'
import { eventually, useSqld } from './sqld-helpers.js'

const sqld = useSqld({ auth: true })
let rw: string
let primary: Store
beforeAll(async () => {
  rw = sqld.keys.token({ a: 'rw' })
  primary = await sqld.open({ authToken: rw })
})

describe('an embedded replica', () => {
  it('syncs on open, before its first read', async () => {
    const board = await primary.service('boards').create({ name: 'on the primary' })
    const replica = await sqld.replica({ authToken: rw })
    expect(replica.config).toMatchObject({ mode: 'replica', syncUrl: sqld.server.url })
    expect(replica.database.connection.readOnly).toBe(false)
    expect(await replica.service('boards').get(board.board_id)).toEqual(board)
  })

  it('forwards writes to the primary and sees them locally at once', async () => {
    const replica = await sqld.replica({ authToken: rw })
    const session = await replica.service('sessions').create({ agent: 'replica', title: 'forwarded' })
    const short = await replica.shortId('sessions', session.session_id)
    expect(await replica.service('sessions').get(short)).toEqual(session)
    expect(await primary.service('sessions').get(session.session_id)).toEqual(session)
    const tasks = await replica.service('tasks').create([{ session_id: short }, { session_id: short }])
    expect((await primary.service('tasks').find({ query: { session_id: session.session_id } })).total).toBe(2)
    expect((await replica.service('tasks').find({ query: { session_id: short } })).data).toEqual(
      expect.arrayContaining(tasks)
    )
  })

  it("sees another replica's write after a sync, and patches without losing the other's change", async () => {
    const first = await sqld.replica({ authToken: rw })
    const second = await sqld.replica({ authToken: rw })
    const session = await first.service('sessions').create({ agent: 'first', custom_context: { a: 1 } })
    await expect(second.service('sessions').get(session.session_id)).rejects.toThrow(DocumentNotFoundError)
    const pulled = await second.sync()
    expect(pulled.framesSynced).toBeGreaterThan(0)
    expect(await second.service('sessions').get(session.session_id)).toEqual(session)

    // the second replica's copy is now behind the first's patch: its write must not undo it
    await first.service('sessions').patch(session.session_id, { title: 'from first' })
    const patched = await second.service('sessions').patch(session.session_id, { custom_context: { b: 2 } })
    expect(patched).toMatchObject({ title: 'from first', custom_context: { a: 1, b: 2 } })
    expect(await primary.service('sessions').get(session.session_id)).toEqual(patched)
  })

  it('syncs in the background every syncInterval seconds', async () => {
    const replica = await sqld.replica({ authToken: rw, syncInterval: 1 })
    const board = await primary.service('boards').create({ name: 'background' })
    const seen = await eventually(() => replica.service('boards').get(board.board_id), 'the background sync')
    expect(seen).toEqual(board)
  })

  it('queues work on its single connection: concurrent transactions do not collide', async () => {
    const replica = await sqld.replica({ authToken: rw })
    const { connection: db } = replica.database
    const id = (n: number) => `0199b73d-0000-7000-8000-${String(n).padStart(12, '0')}`
    const transactions = Array.from({ length: 3 }, (_, i) =>
      db.transaction('write', async (tx) => {
        for (const j of [0, 1]) {
          await tx.execute({
            sql: "INSERT INTO boards (board_id, created_at, updated_at, data) VALUES (?, 1, 1, json_object('name', ?))",
            args: [id(i * 2 + j), `queued ${i}`]
          })
        }
      })
    )
    const created = replica.service('boards').create([{ name: 'queued' }, { name: 'queued' }])
    const read = replica.service('boards').find({ query: { $limit: 0 } })
    await Promise.all([...transactions, created, read])
    const stored = await primary.service('boards').find({ query: { name: { $like: 'queued%' }, $limit: 0 } })
    expect(stored.total).toBe(8)
  })

  it("reports the primary's constraint failures as the store's own errors", async () => {
    const replica = await sqld.replica({ authToken: rw })
    await primary.service('repos').create({ slug: 'taken', name: 'first' })
    const duplicate = await replica
      .service('repos')
      .create({ slug: 'taken', name: 'second' })
      .catch((e: unknown) => e)
    expect(duplicate).toBeInstanceOf(UniqueViolationError)
    expect((duplicate as Error).message).toBe('A repo with slug "taken" already exists')
    const missing = '0199b73d-0000-7000-8000-000000000001'
    await expect(replica.service('tasks').create({ session_id: missing })).rejects.toThrow(
      MissingReferenceError
    )
  })

  it('takes libsql://host:port?tls=0 and ws:// sync URLs, as remote clients write them', async () => {
    const { port } = sqld.server
    for (const syncUrl of [`libsql://127.0.0.1:${port}?tls=0`, `ws://127.0.0.1:${port}`]) {
      const replica = await sqld.replica({ authToken: rw, syncUrl })
      expect(replica.config.syncUrl).toBe(`http://127.0.0.1:${port}`)
      expect((await replica.service('boards').create({ name: syncUrl })).name).toBe(syncUrl)
    }
    expect(resolveDatabaseConfig({ url: '/tmp/r.db', syncUrl: 'libsql://db-org.turso.io' }).syncUrl).toBe(
      'https://db-org.turso.io'
    )
  })

  it('migrates after another process did, although its copy was behind', async () => {
    const fresh = await startSqld()
    const db = await openConnection(resolveDatabaseConfig({ url: tempDbUrl(), syncUrl: fresh.url }))
    try {
      const other = await openStore({ url: fresh.url })
      await other.close()
      expect((await migrationStatus(db)).pending).toHaveLength(localMigrations().length)
      expect(await migrate(db)).toBe(0)
      expect((await migrationStatus(db)).pending).toEqual([])
    } finally {
      db.close()
      await fresh.stop()
    }
  })
})

describe("a replica's file by another name", () => {
  it('opens through a symlink as the file itself, and refuses a file with hard links', async () => {
    const real = tempDbUrl('real.db').slice('file:'.length)
    const first = await sqld.replica({ authToken: rw, url: real })
    const board = await first.service('boards').create({ name: 'through the real name' })
    await first.close()
    const link = join(dirname(real), 'link.db')
    symlinkSync(real, link)
    const linked = await sqld.replica({ authToken: rw, url: link })
    expect(linked.config.path).toBe(realpathSync(real))
    expect(await linked.service('boards').get(board.board_id)).toEqual(board)
    await linked.service('boards').create({ name: 'through the link' })
    await linked.close()
    // the driver's companions are the file's, not the link's
    expect(readdirSync(dirname(real)).filter((f) => f.startsWith('link.db'))).toEqual(['link.db'])

    const hard = join(dirname(real), 'hard.db')
    linkSync(real, hard)
    for (const url of [hard, real]) {
      await expect(sqld.replica({ authToken: rw, url })).rejects.toMatchObject({
        message: expect.stringContaining('the file has other names (hard links)')
      })
    }
  })
})

describe('tokens', () => {
  it('refuses a write with a read-only token, clearly, and writes nothing', async () => {
    const replica = await sqld.replica({ authToken: sqld.keys.token({ a: 'ro' }) })
    const before = (await primary.service('boards').find({ query: { $limit: 0 } })).total
    expect((await replica.service('boards').find({ query: { $limit: 0 } })).total).toBe(before)
    const error = await replica
      .service('boards')
      .create({ name: 'not allowed' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseForbiddenError)
    expect(error).toMatchObject({
      code: 403,
      message: `The primary database at ${sqld.server.url} refused a write: the auth token (AGOR_DB_AUTH_TOKEN) only allows reads`
    })
    expect((await primary.service('boards').find({ query: { $limit: 0 } })).total).toBe(before)
  })

  it('refuses a missing or invalid token when a replica opens, and a remote write with a read-only one', async () => {
    for (const authToken of [undefined, 'not.a.token', sqld.keys.token({ a: 'rw', exp: 1 })]) {
      const error = await sqld.replica({ authToken }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DatabaseAuthError)
      expect(error).toMatchObject({
        code: 401,
        message: `The primary database at ${sqld.server.url} refused the auth token (AGOR_DB_AUTH_TOKEN is missing, invalid or expired)`
      })
    }
    const remote = await openConnection(
      resolveDatabaseConfig({ url: sqld.server.url, authToken: sqld.keys.token({ a: 'ro' }) })
    )
    try {
      expect((await remote.execute('SELECT count(*) AS n FROM boards')).rows[0]?.n).toBeGreaterThan(0)
      await expect(
        remote.execute("INSERT INTO boards (board_id, created_at, updated_at, data) VALUES ('x', 1, 1, '{}')")
      ).rejects.toThrow(
        `The database server at ${sqld.server.url} refused a write: the auth token (AGOR_DB_AUTH_TOKEN) only allows reads`
      )
    } finally {
      remote.close()
    }
  })
})
