import { createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localMigrations, migrate, migrationStatus } from '../src/db/migrate.js'
import { SchemaTooNewError } from '../src/errors.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { tempDbUrl } from './helpers.js'

let store: Database
let url: string

beforeAll(async () => {
  url = tempDbUrl()
  store = await openDatabase({ url })
})
afterAll(() => store.close())

const raw = (sql: string, args: (string | number | null)[] = []) => store.connection.execute({ sql, args })
const now = Date.now()
const id = (n: number) => `0199b73d-b52e-7ed1-b028-${String(n).padStart(12, '0')}`

describe('migrations', () => {
  it('are applied on open and recorded in drizzle’s own table', async () => {
    const status = await migrationStatus(store.connection)
    expect(status.pending).toEqual([])
    expect(status.applied.map((m) => m.tag)).toEqual(localMigrations().map((m) => m.tag))
    const { rows } = await raw('SELECT hash FROM __drizzle_migrations')
    expect(rows.map((r) => r.hash)).toEqual(localMigrations().map((m) => m.hash))
  })

  it('are idempotent, also when several processes open a new database at once', async () => {
    expect(await migrate(store.connection)).toBe(0)
    const fresh = tempDbUrl()
    const stores = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url: fresh })))
    const { rows } = await stores[0]!.connection.execute('SELECT count(*) AS n FROM __drizzle_migrations')
    expect(rows[0]?.n).toBe(localMigrations().length)
    for (const s of stores) s.close()
  })

  it('refuse a database that a newer version migrated', async () => {
    const newer = tempDbUrl()
    const s = await openDatabase({ url: newer })
    await s.connection.execute({
      sql: 'INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)',
      args: ['f'.repeat(64), Date.now() + 10 ** 9]
    })
    s.close()
    await expect(openDatabase({ url: newer })).rejects.toThrow(SchemaTooNewError)
    await expect(openDatabase({ url: newer })).rejects.toThrow(/newer agor-store/)
  })
})

describe('tables', () => {
  it('keep id, status, timestamps and enforced keys as columns, the rest in data', async () => {
    const columns = async (table: string) =>
      (await raw(`PRAGMA table_info(${table})`)).rows.map((r) => r.name)
    expect(await columns('sessions')).toEqual([
      'session_id',
      'status',
      'created_at',
      'updated_at',
      'parent_session_id',
      'forked_from_session_id',
      'worktree_id',
      'board_id',
      'data',
      'workspace'
    ])
    expect(await columns('tasks')).toEqual([
      'task_id',
      'status',
      'created_at',
      'updated_at',
      'session_id',
      'data',
      'workspace'
    ])
    // a column added to a table comes last (the row mapper names its columns)
    expect(await columns('boards')).toEqual([
      'board_id',
      'created_at',
      'updated_at',
      'data',
      'workspace',
      'slug'
    ])
    expect(await columns('messages')).toEqual([
      'message_id',
      'status',
      'created_at',
      'updated_at',
      'session_id',
      'task_id',
      'index',
      'data',
      'workspace'
    ])
    const types = await raw(
      "SELECT name, type FROM pragma_table_info('messages') WHERE name IN ('index', 'session_id')"
    )
    expect(Object.fromEntries(types.rows.map((r) => [r.name, r.type]))).toEqual({
      index: 'INTEGER',
      session_id: 'TEXT'
    })
    expect(await columns('repos')).toEqual([
      'repo_id',
      'created_at',
      'updated_at',
      'slug',
      'data',
      'workspace'
    ])
  })

  it('check statuses and that data is a JSON object', async () => {
    const insert = (status: string, data: string) =>
      raw('INSERT INTO sessions (session_id, status, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?)', [
        id(Math.floor(Math.random() * 1e9)),
        status,
        now,
        now,
        data
      ])
    await expect(insert('sleeping', '{"agent":"x"}')).rejects.toThrow(/CHECK constraint failed/)
    await expect(insert('idle', 'not json')).rejects.toThrow(/CHECK constraint failed/)
    await expect(insert('idle', '[1,2]')).rejects.toThrow(/CHECK constraint failed/)
    await insert('idle', '{"agent":"x"}')
  })

  it('cascade tasks with their session and null the genealogy links of children', async () => {
    await raw("INSERT INTO sessions VALUES (?, 'idle', ?, ?, NULL, NULL, NULL, NULL, '{}', 'default')", [
      id(1),
      now,
      now
    ])
    await raw("INSERT INTO sessions VALUES (?, 'idle', ?, ?, ?, ?, NULL, NULL, '{}', 'default')", [
      id(2),
      now,
      now,
      id(1),
      id(1)
    ])
    await raw("INSERT INTO tasks VALUES (?, 'created', ?, ?, ?, '{}', 'default')", [id(3), now, now, id(1)])
    await raw('DELETE FROM sessions WHERE session_id = ?', [id(1)])
    expect((await raw('SELECT count(*) AS n FROM tasks WHERE session_id = ?', [id(1)])).rows[0]?.n).toBe(0)
    const child = (await raw('SELECT * FROM sessions WHERE session_id = ?', [id(2)])).rows[0]
    expect(child?.parent_session_id).toBeNull()
    expect(child?.forked_from_session_id).toBeNull()
  })

  it('keep repo slugs unique within a workspace', async () => {
    const insert = (n: number, workspace: string) =>
      raw("INSERT INTO repos VALUES (?, ?, ?, 'org/a', '{}', ?)", [id(n), now, now, workspace])
    await insert(10, 'default')
    await expect(insert(11, 'default')).rejects.toThrow(/UNIQUE/)
    await insert(12, 'other')
    const { rows } = await raw("SELECT workspace FROM repos WHERE slug = 'org/a' ORDER BY workspace")
    expect(rows.map((r) => r.workspace)).toEqual(['default', 'other'])
  })

  it('keep a relation within its workspace, for every writer, in the foreign key’s words', async () => {
    await raw("INSERT INTO sessions VALUES (?, 'idle', ?, ?, NULL, NULL, NULL, NULL, '{}', 'one')", [
      id(20),
      now,
      now
    ])
    const task = (n: number, workspace: string) =>
      raw("INSERT INTO tasks VALUES (?, 'created', ?, ?, ?, '{}', ?)", [id(n), now, now, id(20), workspace])
    await expect(task(21, 'two')).rejects.toThrow('FOREIGN KEY constraint failed')
    await task(22, 'one')
    await expect(raw("UPDATE tasks SET workspace = 'two' WHERE task_id = ?", [id(22)])).rejects.toThrow(
      'FOREIGN KEY constraint failed'
    )
    await expect(raw("UPDATE sessions SET workspace = 'two' WHERE session_id = ?", [id(20)])).rejects.toThrow(
      'FOREIGN KEY constraint failed'
    )
    const { rows } = await raw('SELECT task_id, workspace FROM tasks WHERE session_id = ?', [id(20)])
    expect(rows.map((r) => [r.task_id, r.workspace])).toEqual([[id(22), 'one']])
  })

  it('index status, created_at, relation columns and declared JSON fields', async () => {
    const { rows } = await raw(
      "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    const names = rows.map((r) => r.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'sessions_status_idx',
        'sessions_created_at_idx',
        'sessions_parent_session_id_idx',
        'sessions_forked_from_session_id_idx',
        'sessions_agent_idx',
        'tasks_session_id_idx',
        'tasks_status_idx',
        'repos_slug_unique'
      ])
    )
  })

  it('let the planner serve pages in the default order and sorted by time from an index, without sorting', async () => {
    // EXPLAIN keeps an old read snapshot on its connection: run it on a client of its own
    const client = createClient({ url })
    const plan = async (where: string, order: string) =>
      (
        await client.execute(
          `EXPLAIN QUERY PLAN SELECT * FROM sessions WHERE workspace = ? AND ${where} ORDER BY ${order} LIMIT 50`,
          ['default', 'x']
        )
      ).rows
        .map((r) => r.detail)
        .join('\n')
    try {
      for (const order of ['created_at, session_id', 'created_at DESC, session_id DESC']) {
        const byAgent = await plan(`"data" ->> '$.agent' = ?`, order)
        expect(byAgent, order).toMatch(/USING INDEX sessions_agent_idx/)
        expect(byAgent, order).not.toMatch(/TEMP B-TREE/)
        const byStatus = await plan('status = ?', order)
        expect(byStatus, order).toMatch(/USING INDEX sessions_status_idx/)
        expect(byStatus, order).not.toMatch(/TEMP B-TREE/)
        const all = await plan('(1)', order)
        expect(all, order).toMatch(/USING INDEX sessions_created_at_idx/)
        expect(all, order).not.toMatch(/TEMP B-TREE/)
      }
    } finally {
      client.close()
    }
  })
})
