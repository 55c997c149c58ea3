// `agor db …` as real subprocesses on real files: setup, migrate, status, check, backup, sync, and
// export → import round trips that must be all or nothing.
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createClient } from '@libsql/client'
import { describe, expect, it } from 'vitest'
import { localMigrations } from '../src/db/migrate.js'
import type { CollectionName } from '../src/schema/index.js'
import type { Store } from '../src/service/store.js'
import { agor, json, openFile, tempDb } from './cli-helpers.js'
import { baseCountMap, baseCounts, EXPORT_FILES, tempDir } from './helpers.js'

/** This version's migrations, in order. */
const TAGS = localMigrations().map((m) => m.tag)

const open = openFile

const NAMES: CollectionName[] = ['sessions', 'tasks', 'boards', 'repos']

/** Every document of every collection, by id. */
async function everything(store: Store) {
  const all: Record<string, unknown[]> = {}
  for (const name of NAMES) {
    const idField = store.collection(name).idField
    all[name] = await store.collection(name).find({ query: { $sort: { [idField]: 1 } } })
  }
  return all
}

/** A database with a bit of everything: genealogy, more tasks than one export page, a field from a newer version. */
async function populated(): Promise<{ path: string; db: string[]; store: Store; child: string }> {
  const target = tempDb()
  const store = await open(target.path)
  const sessions = store.service('sessions')
  const root = await sessions.create({ agent: 'claude-code', title: 'root', git_state: { ref: 'main' } })
  const child = await sessions.spawn({ id: root.session_id, title: 'child' })
  await sessions.fork({ id: child.session_id, title: 'fork' })
  await store.collection('sessions').insertDocuments([
    {
      session_id: '0199b73d-b52e-7ed1-b028-277d6ad08cef',
      status: 'completed',
      created_at: '2025-10-01T12:00:00.000Z',
      updated_at: '2025-10-02T12:00:00.123Z',
      agent: 'future',
      parent_session_id: null,
      forked_from_session_id: null,
      git_state: { ref: 'dev', merged_into: 'main' },
      written_by_a_newer_version: { weight: 3 }
    }
  ])
  const tasks = Array.from({ length: 1200 }, (_, i) => ({
    session_id: i % 2 ? root.session_id : child.session_id,
    description: `task ${i}`,
    status: i % 3 ? ('completed' as const) : ('running' as const),
    tool_use_count: i
  }))
  await store.service('tasks').create(tasks)
  await store.service('boards').create({ name: 'Release', color: 'blue' })
  await store.service('repos').create({ slug: 'agor/store', default_branch: 'main' })
  return { ...target, store, child: child.session_id }
}

describe('db setup, migrate, status', () => {
  it('sets up a file, reports applied and pending migrations, migrates, and resets with a backup', async () => {
    const dir = tempDir()
    const path = join(dir, 'agor.db')
    const db = ['--db', path]
    const missing = await agor([...db, 'db', 'status'])
    expect(missing).toMatchObject({ code: 5, stdout: '' })
    expect(missing.stderr).toContain(`There is no database at ${path}`)
    expect(existsSync(path)).toBe(false)

    // a database that has none of the migrations yet
    const raw = createClient({ url: `file:${path}` })
    await raw.execute('CREATE TABLE unrelated (x INTEGER)')
    raw.close()
    const pending = json<{ applied: unknown[]; pending: { tag: string }[] }>(
      await agor([...db, 'db', 'status', '--json'])
    )
    expect(pending.applied).toEqual([])
    expect(pending.pending.map((m) => m.tag)).toEqual(TAGS)
    const text = await agor([...db, 'db', 'status'])
    expect(text.stdout).toMatch(/pending\s+0000_init\n\s+pending\s+0001_database_id/)

    expect(await agor([...db, 'db', 'migrate'])).toMatchObject({
      code: 0,
      stdout: `Applied ${TAGS.length} migrations\nMade its triggers, tag index and search index again\n`
    })
    expect(await agor([...db, 'db', 'migrate'])).toMatchObject({
      code: 0,
      stdout: 'The database is up to date\nMade its triggers, tag index and search index again\n'
    })
    const applied = json<{ applied: { tag: string }[]; pending: unknown[] }>(
      await agor([...db, 'db', 'status', '--json'])
    )
    expect(applied.applied.map((m) => m.tag)).toEqual(TAGS)
    expect(applied.pending).toEqual([])

    expect((await agor([...db, 'session', 'create', '--agent', 'kept'])).code).toBe(0)
    const reset = await agor(['db', 'setup', '--path', path, '--reset'])
    expect(reset.code).toBe(0)
    const backup = /Backed up the old database to (\S+)/.exec(reset.stdout)?.[1]
    expect(backup).toBeDefined()
    expect(reset.stdout).toContain(`${path}: ${TAGS.length} migrations applied`)
    await expect((await open(path)).collection('sessions').find()).resolves.toEqual([])
    expect((await (await open(backup!)).collection('sessions').find()).map((s) => s.agent)).toEqual(['kept'])
    expect(readdirSync(dir).filter((f) => f.endsWith('.bak'))).toHaveLength(1)
  })
})

describe('db check, backup, sync', () => {
  it('finds no problems in a good database and reports a dangling foreign key (exit 1)', async () => {
    const { path, db } = tempDb()
    expect((await agor(['db', 'setup', '--path', path])).code).toBe(0)
    const good = await agor([...db, 'db', 'check'])
    expect(good.code).toBe(0)
    expect(baseCounts(good.stdout)).toMatch(
      new RegExp(
        `ok\\s+integrity\\nok\\s+foreign keys\\nok\\s+migrations: ${TAGS.length} applied, 0 pending\\nok\\s+documents: 0 sessions, 0 tasks, 0 boards, 0 repos\\nNo problems found\\n$`
      )
    )

    const raw = createClient({ url: `file:${path}` })
    await raw.execute('PRAGMA foreign_keys = OFF')
    await raw.execute({
      sql: `INSERT INTO tasks (task_id, status, created_at, updated_at, session_id, data) VALUES (?, 'created', 1, 1, ?, '{}')`,
      args: ['0199b73d-0000-7000-8000-00000000000a', '0199b73d-0000-7000-8000-00000000dead']
    })
    raw.close()
    const bad = await agor([...db, 'db', 'check'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toContain('FAIL  foreign keys')
    expect(bad.stdout).toContain(
      'tasks 0199b73d-0000-7000-8000-00000000000a points at a missing row of sessions'
    )
    const report = await agor([...db, 'db', 'check', '--json'])
    expect(report.code).toBe(1)
    expect(JSON.parse(report.stdout)).toMatchObject({
      ok: false,
      integrity: ['ok'],
      foreignKeys: [{ table: 'tasks', id: '0199b73d-0000-7000-8000-00000000000a', parent: 'sessions' }]
    })
  })

  it('reports documents that break their schema, in every collection of the registry', async () => {
    const { path, db } = tempDb()
    expect((await agor(['db', 'setup', '--path', path])).code).toBe(0)
    const raw = createClient({ url: `file:${path}` })
    await raw.execute(
      `INSERT INTO sessions (session_id, status, created_at, updated_at, data) VALUES ('0199b73d-0000-7000-8000-00000000000b', 'idle', 1, 1, '{"agent":5}')`
    )
    await raw.execute(
      `INSERT INTO boards (board_id, created_at, updated_at, data) VALUES ('0199b73d-0000-7000-8000-00000000000c', 1, 1, '{"name":"fine","from_a_newer_version":1}')`
    )
    raw.close()
    const bad = await agor([...db, 'db', 'check'])
    expect(bad.code).toBe(1)
    expect(bad.stdout).toContain('FAIL  documents: 1 session, 0 tasks, 1 board, 0 repos')
    expect(bad.stdout).toContain('sessions 0199b73d-0000-7000-8000-00000000000b: Invalid session: agent:')
    const report = JSON.parse((await agor([...db, 'db', 'check', '--json'])).stdout)
    expect(report.documents.sessions).toMatchObject({ documents: 1, invalid: 1 })
    expect(report.documents.boards).toEqual({ documents: 1, invalid: 0, examples: [] })
  })

  it('backs up a database that is open, refuses to overwrite, and explains sync on a plain file', async () => {
    const { path, db, store } = await populated()
    const target = join(tempDir(), 'backup.db')
    // the store stays open, as a daemon's would
    const result = await agor([...db, 'db', 'backup', target])
    expect(result).toMatchObject({ code: 0, stdout: `Backed up ${path} to ${target}\n` })
    expect(await everything(await open(target))).toEqual(await everything(store))
    const again = await agor([...db, 'db', 'backup', target])
    expect(again).toMatchObject({ code: 1, stderr: `error: ${target} already exists\n` })
    const nowhere = join(tempDir(), 'missing', 'backup.db')
    const noFolder = await agor([...db, 'db', 'backup', nowhere])
    expect(noFolder).toMatchObject({ code: 1, stderr: `error: There is no folder ${dirname(nowhere)}\n` })
    expect(existsSync(nowhere)).toBe(false)
    const sync = await agor([...db, 'db', 'sync'])
    expect(sync.code).toBe(1)
    expect(sync.stderr).toMatch(/^error: Only an embedded replica syncs/)
    const viaDaemon = await agor(['--url', 'http://127.0.0.1:9', 'db', 'check'])
    expect(viaDaemon.code).toBe(2)
  })
})

describe('db export and import', () => {
  it('round-trips every document into a fresh database, ids, timestamps and unknown fields included', async () => {
    const { db, store, child } = await populated()
    const out = join(tempDir(), 'dump')
    const exported = await agor([...db, 'db', 'export', '--out', out])
    expect(exported).toMatchObject({ code: 0, stderr: '' })
    expect(baseCounts(exported.stdout)).toBe(`Exported 4 sessions, 1200 tasks, 1 board, 1 repo to ${out}\n`)
    expect(readdirSync(out).sort()).toEqual(EXPORT_FILES)
    expect(readFileSync(join(out, 'tasks.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1200)

    const fresh = tempDb()
    const imported = await agor([...fresh.db, 'db', 'import', out, '--json'])
    const report = json<{ imported: Record<string, number> }>(imported)
    expect({ ...report, imported: baseCountMap(report.imported) }).toEqual({
      dir: out,
      imported: { boards: 1, repos: 1, sessions: 4, tasks: 1200 },
      skipped: {},
      replaced: {}
    })
    const copy = await open(fresh.path)
    const original = await everything(store)
    expect(await everything(copy)).toEqual(original)
    expect(await copy.service('sessions').get('0199b73d')).toMatchObject({
      written_by_a_newer_version: { weight: 3 },
      git_state: { merged_into: 'main' },
      updated_at: '2025-10-02T12:00:00.123Z'
    })
    // the copy works like the original: genealogy
    expect(await copy.service('sessions').genealogy({ id: child })).toEqual(
      await store.service('sessions').genealogy({ id: child })
    )

    const notEmpty = await agor([...fresh.db, 'db', 'export', '--out', out])
    expect(notEmpty.code).toBe(1)
    expect(notEmpty.stderr).toContain('already holds an export')
  })

  it('writes nothing when any document fails: existing ids, invalid lines, dangling references, incomplete exports', async () => {
    const { db } = await populated()
    const out = join(tempDir(), 'dump')
    expect((await agor([...db, 'db', 'export', '--out', out])).code).toBe(0)
    const variant = (change: (dir: string) => void) => {
      const dir = join(tempDir(), 'variant')
      cpSync(out, dir, { recursive: true })
      change(dir)
      return dir
    }
    const lines = (dir: string, name: string) =>
      readFileSync(join(dir, `${name}.jsonl`), 'utf8')
        .trim()
        .split('\n')
    const write = (dir: string, name: string, docs: string[]) =>
      writeFileSync(join(dir, `${name}.jsonl`), `${docs.join('\n')}\n`)

    const invalidLast = variant((dir) => {
      const tasks = lines(dir, 'tasks')
      const last = JSON.parse(tasks.at(-1)!)
      tasks[tasks.length - 1] = JSON.stringify({ ...last, status: 'sleeping' })
      write(dir, 'tasks', tasks)
    })
    const dangling = variant((dir) => {
      const tasks = lines(dir, 'tasks')
      const first = JSON.parse(tasks[0]!)
      tasks[0] = JSON.stringify({ ...first, session_id: '0199b73d-0000-7000-8000-00000000dead' })
      write(dir, 'tasks', tasks)
    })
    const truncated = variant((dir) => write(dir, 'tasks', lines(dir, 'tasks').slice(0, 700)))
    const badJson = variant((dir) => write(dir, 'boards', ['{"name":']))
    const longer = variant((dir) => {
      const [board] = lines(dir, 'boards')
      const another = { ...JSON.parse(board!), board_id: '0199b73d-0000-7000-8000-0000000000b2' }
      write(dir, 'boards', [board!, JSON.stringify(another)])
    })
    const unknownCollection = variant((dir) => write(dir, 'unicorns', ['{}']))

    const target = tempDb()
    const store = await open(target.path)
    const existing = await store.service('boards').create({ name: 'already here' })
    const taken = variant((dir) => {
      const boards = lines(dir, 'boards')
      boards.push(JSON.stringify({ ...JSON.parse(boards[0]!), board_id: existing.board_id }))
      write(dir, 'boards', boards)
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
      manifest.counts.boards = 2
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest))
    })
    const before = await everything(store)
    const results = await Promise.all(
      [invalidLast, dangling, truncated, longer, badJson, unknownCollection, taken].map((dir) =>
        agor([...target.db, '--no-daemon', 'db', 'import', dir])
      )
    )
    expect(results.map((r) => r.code)).toEqual([1, 1, 1, 1, 1, 1, 1])
    const [invalid, missing, short, long, broken, unicorns, conflict] = results.map((r) => r.stderr)
    expect(invalid).toMatch(/^error: tasks\.jsonl line 1200: Invalid task: status: /)
    expect(missing).toBe(
      `error: tasks.jsonl: task ${JSON.parse(lines(dangling, 'tasks')[0]!).task_id}: session_id "0199b73d-0000-7000-8000-00000000dead" does not name an existing session\n`
    )
    expect(short).toBe(
      'error: tasks.jsonl holds 700 documents, the manifest says 1200: the export is incomplete\n'
    )
    expect(long).toBe(
      'error: boards.jsonl holds 2 documents, the manifest says 1: the files are not of one export\n'
    )
    expect(broken).toBe('error: boards.jsonl line 1: not valid JSON\n')
    expect(unicorns).toBe("error: unicorns.jsonl: this version of agor-store has no collection 'unicorns'\n")
    expect(conflict).toBe(
      `error: boards.jsonl line 2: A board with board_id "${existing.board_id}" is stored already\n` +
        'hint: --on-conflict skip keeps the stored documents, --on-conflict replace overwrites them with the export\n'
    )
    expect(await everything(store)).toEqual(before)
  })
})
