// Remote mode against a real sqld: migrations, URL forms, the core document behaviour, the
// Feathers services and transports, round trips counted by a proxy, and an outage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CountingProxy, countingProxy } from '../scripts/counting-proxy.js'
import { startSqld } from '../scripts/sqld.js'
import { connect } from '../src/client.js'
import { checkDatabase } from '../src/db/admin.js'
import { resolveDatabaseConfig } from '../src/db/config.js'
import { localMigrations, migrate, migrationStatus } from '../src/db/migrate.js'
import { openConnection } from '../src/db/open.js'
import {
  AmbiguousIdError,
  DatabaseUnavailableError,
  MissingReferenceError,
  SchemaTooNewError,
  UniqueViolationError,
  ValidationError
} from '../src/errors.js'
import { createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import { useSqld } from './sqld-helpers.js'
import { record, request, waitFor } from './transport-helpers.js'

const sqld = useSqld()
let store: Store
beforeAll(async () => {
  store = await sqld.open()
})

const sessions = () => store.service('sessions')
/** A row as stored, read with plain SQL. */
async function row(table: string, idField: string, id: string) {
  const { rows } = await store.database.connection.execute({
    sql: `SELECT * FROM ${table} WHERE ${idField} = ?`,
    args: [id]
  })
  return rows[0]
}

describe('remote mode: migrations', () => {
  it('migrates a new database on open, once', async () => {
    expect(store.config.mode).toBe('remote')
    const status = await migrationStatus(store.database.connection)
    expect(status.applied.map((m) => m.tag)).toEqual(localMigrations().map((m) => m.tag))
    expect(status.pending).toEqual([])
    expect(await migrate(store.database.connection)).toBe(0)
  })

  it('lets several processes open a new database at once, and refuses one from a newer version', async () => {
    const fresh = await startSqld()
    try {
      const opened = await Promise.all(Array.from({ length: 4 }, () => openStore({ url: fresh.url })))
      const { rows } = await opened[0]!.database.connection.execute(
        'SELECT count(*) AS n FROM __drizzle_migrations'
      )
      expect(rows[0]?.n).toBe(localMigrations().length)
      await opened[1]!.database.connection.execute({
        sql: 'INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)',
        args: ['from-the-future', Date.now() + 1e12]
      })
      for (const s of opened) await s.close()
      await expect(openStore({ url: fresh.url })).rejects.toThrow(SchemaTooNewError)
    } finally {
      await fresh.stop()
    }
  })
})

describe('remote mode: URL forms', () => {
  it('reaches one database through http://, ws:// and libsql://host:port?tls=0', async () => {
    const board = await store.service('boards').create({ name: 'url forms' })
    const { port } = sqld.server
    for (const url of [`ws://127.0.0.1:${port}`, `libsql://127.0.0.1:${port}?tls=0`]) {
      const other = await sqld.open({ url })
      expect(other.config.mode).toBe('remote')
      expect(await other.service('boards').get(board.board_id.slice(0, 8))).toEqual(board)
    }
  })

  it('says how to reach a server without TLS when libsql:// expects TLS', async () => {
    const url = `libsql://127.0.0.1:${sqld.server.port}`
    const db = await openConnection(resolveDatabaseConfig({ url }))
    try {
      const error = await migrate(db).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DatabaseUnavailableError)
      expect((error as Error).message).toBe(
        `The database server at ${url} did not answer over TLS; for a server without TLS use http://host:port or libsql://host:port?tls=0`
      )
    } finally {
      db.close()
    }
  })
})

describe('remote mode: documents', () => {
  it('creates and gets by short or whole id, and stores the flat document in its columns', async () => {
    const doc = await sessions().create({ agent: 'claude-code', title: 'remote', repo: { cwd: '/src' } })
    const short = await store.shortId('sessions', doc.session_id)
    expect(short).toHaveLength(8)
    expect(await sessions().get(short)).toEqual(doc)
    expect(await sessions().get(doc.session_id)).toEqual(doc)
    const stored = await row('sessions', 'session_id', doc.session_id)
    expect(stored).toMatchObject({ status: 'idle', created_at: Date.parse(doc.created_at) })
    expect(JSON.parse(String(stored?.data))).toEqual({
      agent: 'claude-code',
      title: 'remote',
      repo: { cwd: '/src' }
    })
  })

  it('reports an ambiguous prefix with every candidate under its own short id', async () => {
    const ids = ['0199b73d-b52e-7ed1-b028-277d6ad08c01', '0199b73d-b52e-7ed1-b028-277d6ad08c02']
    await store.service('boards').create(ids.map((board_id, i) => ({ board_id, name: `twin ${i}` })))
    const error = await store
      .service('boards')
      .get('0199b73d')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AmbiguousIdError)
    const candidates = (error as AmbiguousIdError).data.candidates
    expect(candidates.map((c: { id: string }) => c.id)).toEqual(ids)
    expect(candidates.map((c: { short_id: string }) => c.short_id)).toEqual(
      await store.shortIds('boards', ids)
    )
    expect(await store.shortIds('boards', ids)).toEqual([
      '0199b73d-b52e-7ed1-b028-277d6ad08c01',
      '0199b73d-b52e-7ed1-b028-277d6ad08c02'
    ])
  })

  it('writes an array atomically: one bad item and nothing is stored', async () => {
    const count = async () => (await store.service('repos').find({ query: { $limit: 0 } })).total
    const before = await count()
    await expect(
      store.service('repos').create([{ slug: 'r1', name: 'a' }, { slug: 5 } as never])
    ).rejects.toThrow(ValidationError)
    const duplicate = await store
      .service('repos')
      .create([
        { slug: 'dup', name: 'a' },
        { slug: 'dup', name: 'b' }
      ])
      .catch((e: unknown) => e)
    expect(duplicate).toBeInstanceOf(UniqueViolationError)
    expect((duplicate as Error).message).toBe('A repo with slug "dup" already exists')
    expect(await count()).toBe(before)
  })

  it('enforces unique keys, foreign keys and cascades on the server', async () => {
    await store.service('repos').create({ slug: 'only-once', name: 'x' })
    await expect(store.service('repos').create({ slug: 'only-once', name: 'y' })).rejects.toThrow(
      UniqueViolationError
    )
    const missing = '0199b73d-0000-7000-8000-000000000000'
    const refused = await store
      .service('tasks')
      .create({ session_id: missing })
      .catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(MissingReferenceError)
    expect((refused as Error).message).toContain(missing)

    const session = await sessions().create({ agent: 'cascade' })
    const short = await store.shortId('sessions', session.session_id)
    await store.service('tasks').create([{ session_id: short }, { session_id: short }])
    expect((await store.service('tasks').find({ query: { session_id: short } })).total).toBe(2)
    await sessions().remove(short)
    const { rows } = await store.database.connection.execute({
      sql: 'SELECT count(*) AS n FROM tasks WHERE session_id = ?',
      args: [session.session_id]
    })
    expect(rows[0]?.n).toBe(0)
  })

  it('queries JSON paths and columns, sorts and pages', async () => {
    await sessions().create([
      { agent: 'q', title: 'alpha one', git_state: { ref: 'main' }, status: 'running' },
      { agent: 'q', title: 'beta two', git_state: { ref: 'main' }, status: 'failed' },
      { agent: 'q', title: 'gamma three', git_state: { ref: 'dev' }, status: 'running' }
    ])
    const main = await sessions().find({
      query: { agent: 'q', 'git_state.ref': 'main', $sort: { title: -1 } }
    })
    expect(main.total).toBe(2)
    expect(main.data.map((s) => s.title)).toEqual(['beta two', 'alpha one'])
    const page = await sessions().find({
      query: {
        agent: 'q',
        status: { $in: ['running'] },
        $limit: 1,
        $skip: 1,
        $sort: { title: 1 },
        $select: ['title']
      }
    })
    expect(page).toMatchObject({ total: 2, limit: 1, skip: 1 })
    expect(page.data).toEqual([{ session_id: expect.any(String), title: 'gamma three' }])
    const like = await sessions().find({ query: { agent: 'q', title: { $like: '%two' } } })
    expect(like.data.map((s) => s.title)).toEqual(['beta two'])
  })

  it('patches by merging and loses no update when two clients patch one document at once', async () => {
    const doc = await sessions().create({ agent: 'merge', custom_context: { keep: true } })
    const other = await sqld.open()
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? other : store)
          .service('sessions')
          .patch(doc.session_id, { custom_context: { [`k${i}`]: i } })
      )
    )
    const merged = await sessions().get(doc.session_id)
    expect(merged.custom_context).toEqual({
      keep: true,
      k0: 0,
      k1: 1,
      k2: 2,
      k3: 3,
      k4: 4,
      k5: 5,
      k6: 6,
      k7: 7
    })
    expect(Date.parse(merged.updated_at)).toBeGreaterThan(Date.parse(doc.updated_at))
  })

  it('forks, spawns and walks the genealogy', async () => {
    const service = store.service('sessions')
    const root = await service.create({ agent: 'claude-code', title: 'root', repo: { cwd: '/r' } })
    const child = await service.spawn({
      id: await store.shortId('sessions', root.session_id),
      title: 'child'
    })
    const fork = await service.fork({ id: child.session_id, title: 'fork' })
    expect(child).toMatchObject({ parent_session_id: root.session_id, repo: { cwd: '/r' } })
    expect(fork).toMatchObject({ forked_from_session_id: child.session_id, title: 'fork' })
    const tree = await service.genealogy({ id: child.session_id })
    expect(tree.ancestors.map((s) => s.session_id)).toEqual([root.session_id])
    expect(tree.children.map((s) => s.session_id)).toEqual([fork.session_id])
    const below = await store.database.genealogy.descendants(root.session_id)
    expect(below.map((s) => s.session_id)).toEqual([child.session_id, fork.session_id])
  })
})

describe('remote mode: the daemon', () => {
  it('serves REST and socket.io from a remote database, with events', async () => {
    const server = await createServer(store, { host: '127.0.0.1', port: 0 })
    const client = connect(server.url)
    try {
      const events = record(client.app.service('sessions'), ['created'])
      await client.app.service('sessions').find({ query: { $limit: 0 } })
      const created = await request(server.url, 'POST', '/sessions', { agent: 'daemon', title: 'over rest' })
      expect(created.status).toBe(201)
      const short = await store.shortId('sessions', created.body.session_id)
      const got = await request(server.url, 'GET', `/sessions/${short}`)
      expect(got.body).toEqual(created.body)
      await waitFor(() => events.length === 1, 'the created event')
      expect(events[0]?.data.session_id).toBe(created.body.session_id)
      expect(await client.app.service('sessions').shortIds({ ids: [created.body.session_id] })).toEqual([
        short
      ])
    } finally {
      client.close()
      await server.close()
    }
  })
})

describe('remote mode: round trips', () => {
  let proxy: CountingProxy
  let counted: Store
  beforeAll(async () => {
    proxy = await countingProxy(sqld.server.url)
    counted = await sqld.open({ url: proxy.url })
  })
  afterAll(() => proxy.close())

  /** The HTTP requests that `work` sent to the server. */
  async function requestsOf(work: () => Promise<unknown>): Promise<string[]> {
    proxy.reset()
    await work()
    return [...proxy.requests]
  }

  it('a get by short id, an array create, a page of short ids and a page of documents are one request each', async () => {
    const boards = counted.service('boards')
    const created = await boards.create(Array.from({ length: 200 }, (_, i) => ({ name: `counted ${i}` })))
    const ids = created.map((b) => b.board_id)

    expect(await requestsOf(() => boards.create(ids.map((_, i) => ({ name: `more ${i}` }))))).toHaveLength(1)
    const short = (await counted.shortIds('boards', [ids[7]!]))[0]!
    expect(await requestsOf(() => boards.get(short))).toEqual(['POST /v2/pipeline'])
    expect(await requestsOf(() => boards.shortIds({ ids: ids.slice(0, 50) }))).toHaveLength(1)
    expect(
      await requestsOf(() => boards.find({ query: { $limit: 50, $sort: { created_at: 1 } } }))
    ).toHaveLength(1)
    expect((await boards.get(short)).board_id).toBe(ids[7])
  })

  it('opening a migrated database is one request', async () => {
    expect(await requestsOf(async () => (await openStore({ url: proxy.url })).close())).toHaveLength(1)
  })
})

// Last: it stops the server that the other tests use.
describe('remote mode: the server stops and returns', () => {
  it('fails with a clear 503 while it is down and works again once it is back, over HTTP and websockets', async () => {
    const overWs = await sqld.open({ url: sqld.server.url.replace('http:', 'ws:') })
    const doc = await sessions().create({ agent: 'outage' })
    expect(await overWs.service('sessions').get(doc.session_id)).toEqual(doc)
    await sqld.server.pause()
    for (const [url, target] of [
      [sqld.server.url, store],
      [overWs.config.url, overWs]
    ] as const) {
      const attempts = [
        () => target.service('sessions').get(doc.session_id),
        () => target.service('sessions').create({ agent: 'lost' })
      ]
      for (const attempt of attempts) {
        const error = await attempt().catch((e: unknown) => e)
        expect(error).toBeInstanceOf(DatabaseUnavailableError)
        expect(error).toMatchObject({ code: 503, message: `The database server at ${url} is unreachable` })
      }
    }
    // db check too (it reads through the same translation as everything else)
    await expect(checkDatabase(store.database.connection)).rejects.toMatchObject({
      code: 503,
      message: `The database server at ${sqld.server.url} is unreachable`
    })
    await sqld.server.start()
    expect(await sessions().get(doc.session_id)).toEqual(doc)
    const after = await overWs.service('sessions').create({ agent: 'back' })
    expect((await row('sessions', 'session_id', after.session_id))?.session_id).toBe(after.session_id)
    expect((await sessions().find({ query: { agent: 'lost' } })).total).toBe(0)
  })
})
