// `agor db import-agor` and importAgor(): a database of agor itself (preset-io/agor's SQLite file,
// made by test/fixtures/agor-db.ts) moved into a store, checked row by row against the agor file
// read with the libsql driver. The expected documents are written out here, from agor's schema
// (.scratch/agor-schema-notes.md), not taken from src/store/agor-rows.ts. Real files, a real
// served store for logins, the built CLI for exit codes and output.
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequest } from '@feathersjs/errors'
import bcrypt from 'bcryptjs'
import Libsql from 'libsql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CollectionName, collectionNames } from '../src/schema/index.js'
import { createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import { type AgorImportReport, type AgorProblem, importAgor } from '../src/store/agor-import.js'
import { agor, json, openFile, tempDb } from './cli-helpers.js'
import { type AgorFixtureOptions, type AgorFixtureSummary, makeAgorDatabase } from './fixtures/agor-db.js'
import { tempDbUrl, tempDir } from './helpers.js'
import { request } from './transport-helpers.js'

// ---------------------------------------------------------------------------------------------
// agor's file, read as it is
// ---------------------------------------------------------------------------------------------

type Row = Record<string, unknown>
type Doc = Record<string, unknown>

/** agor's eleven tables, in the order the summary lists them. */
const TABLES = [
  'users',
  'repos',
  'boards',
  'worktrees',
  'sessions',
  'tasks',
  'messages',
  'mcp_servers',
  'session_mcp_servers',
  'board_objects',
  'board_comments'
] as const
type Table = (typeof TABLES)[number]

/** A new agor database file in a temporary folder. */
function makeFixture(options: AgorFixtureOptions = {}): AgorFixtureSummary {
  return makeAgorDatabase(join(tempDir(), 'agor.db'), options)
}

/** A small file for the tests that corrupt it. */
const SMALL: AgorFixtureOptions = { sessions: 12, messagesPerSession: 4, seed: 5 }

/** Every row of agor's tables, read with the driver. */
function readAgor(path: string): Record<Table, Row[]> {
  const db = new Libsql(path, { readonly: true })
  try {
    const rows = {} as Record<Table, Row[]>
    for (const table of TABLES) rows[table] = db.prepare(`SELECT * FROM "${table}"`).all() as Row[]
    return rows
  } finally {
    db.close()
  }
}

/** Changes agor's file with plain SQL, as a damaged or hand-edited file would be (no foreign keys). */
function editAgor(path: string, edit: (db: Libsql.Database) => void): void {
  const db = new Libsql(path)
  try {
    db.exec('PRAGMA foreign_keys = OFF')
    edit(db)
  } finally {
    db.close()
  }
}

function one(db: Libsql.Database, sql: string, ...args: unknown[]): Row {
  const row = db.prepare(sql).get(...args) as Row | undefined
  if (!row) throw new Error(`no row for ${sql}`)
  return row
}

// ---------------------------------------------------------------------------------------------
// what each row should become
// ---------------------------------------------------------------------------------------------

const iso = (ms: unknown): string | null =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString()
const bool = (value: unknown): boolean | null =>
  value === null || value === undefined ? null : Number(value) === 1
const parse = (text: unknown): Doc => JSON.parse(String(text)) as Doc
const record = (value: unknown): Doc =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Doc) : {}

interface TableSpec {
  collection: CollectionName
  /** How a stored document and an agor row are matched: the id, or for links the pair. */
  key(item: Row | Doc): string
  expected(row: Row, data: Doc): Doc
  /** `data` keys whose values the document holds (as they are or under another name). */
  kept: readonly string[]
  /** `data` keys agor repeats from elsewhere (a session's task list, a board's legacy list). */
  derived?: readonly string[]
  /** `data` keys the import leaves out and says so. */
  leftOut?: readonly string[]
}

const byId = (field: string) => (item: Row | Doc) => String(item[field])
const pick = (data: Doc, keys: readonly string[]): Doc => Object.fromEntries(keys.map((k) => [k, data[k]]))
const times = (row: Row): Doc => ({
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at ?? row.created_at)
})

const SPECS: Record<Table, TableSpec> = {
  users: {
    collection: 'users',
    key: byId('user_id'),
    kept: ['avatar', 'preferences', 'default_agentic_config'],
    leftOut: ['api_keys', 'env_vars'],
    expected: (r, d) => ({
      user_id: r.user_id,
      ...times(r),
      email: r.email,
      name: r.name,
      emoji: r.emoji,
      role: r.role,
      onboarding_completed: bool(r.onboarding_completed),
      ...pick(d, ['avatar', 'preferences', 'default_agentic_config'])
    })
  },
  repos: {
    collection: 'repos',
    key: byId('repo_id'),
    kept: ['name', 'remote_url', 'local_path', 'default_branch', 'environment_config'],
    expected: (r, d) => ({
      repo_id: r.repo_id,
      ...times(r),
      slug: r.slug,
      ...pick(d, ['name', 'remote_url', 'local_path', 'default_branch', 'environment_config'])
    })
  },
  boards: {
    collection: 'boards',
    key: byId('board_id'),
    kept: ['description', 'color', 'icon', 'background_color', 'custom_context', 'objects'],
    // a list agor's first board was seeded with and nothing reads: reported, not kept
    leftOut: ['sessions'],
    expected: (r, d) => ({
      board_id: r.board_id,
      ...times(r),
      created_by: r.created_by,
      name: r.name,
      slug: r.slug,
      ...pick(d, ['description', 'color', 'icon', 'background_color', 'custom_context']),
      annotations: d.objects
    })
  },
  worktrees: {
    collection: 'worktrees',
    key: byId('worktree_id'),
    kept: [
      'path',
      'base_ref',
      'base_sha',
      'last_commit_sha',
      'tracking_branch',
      'new_branch',
      'issue_url',
      'pull_request_url',
      'notes',
      'environment_instance',
      'last_used',
      'custom_context',
      'schedule'
    ],
    expected: (r, d) => ({
      worktree_id: r.worktree_id,
      ...times(r),
      created_by: r.created_by,
      repo_id: r.repo_id,
      name: r.name,
      ref: r.ref,
      worktree_unique_id: r.worktree_unique_id,
      board_id: r.board_id,
      start_command: r.start_command,
      stop_command: r.stop_command,
      health_check_url: r.health_check_url,
      app_url: r.app_url,
      logs_command: r.logs_command,
      schedule_enabled: bool(r.schedule_enabled),
      schedule_cron: r.schedule_cron,
      schedule_last_triggered_at: iso(r.schedule_last_triggered_at),
      schedule_next_run_at: iso(r.schedule_next_run_at),
      needs_attention: bool(r.needs_attention),
      archived: bool(r.archived),
      archived_at: iso(r.archived_at),
      archived_by: r.archived_by,
      filesystem_status: r.filesystem_status,
      ...pick(d, SPECS.worktrees.kept)
    })
  },
  sessions: {
    collection: 'sessions',
    key: byId('session_id'),
    kept: [
      'sdk_session_id',
      'title',
      'description',
      'git_state',
      'message_count',
      'permission_config',
      'model_config',
      'current_context_usage',
      'context_window_limit',
      'last_context_update_at',
      'custom_context',
      'agentic_tool_version',
      'contextFiles',
      'genealogy'
    ],
    derived: ['tasks'],
    leftOut: ['mcp_token'],
    expected: (r, d) => {
      // the children and the links are the other sessions' columns and this one's: the points stay
      const {
        children: _c,
        parent_session_id: _p,
        forked_from_session_id: _f,
        ...points
      } = record(d.genealogy)
      return {
        session_id: r.session_id,
        ...times(r),
        created_by: r.created_by,
        status: r.status,
        agent: r.agentic_tool,
        board_id: r.board_id,
        parent_session_id: r.parent_session_id,
        forked_from_session_id: r.forked_from_session_id,
        worktree_id: r.worktree_id,
        scheduled_run_at: iso(r.scheduled_run_at),
        scheduled_from_worktree: bool(r.scheduled_from_worktree),
        ready_for_prompt: bool(r.ready_for_prompt),
        archived: bool(r.archived),
        archived_reason: r.archived_reason,
        ...pick(d, [
          'sdk_session_id',
          'title',
          'description',
          'git_state',
          'message_count',
          'permission_config',
          'model_config',
          'current_context_usage',
          'context_window_limit',
          'last_context_update_at',
          'custom_context'
        ]),
        agent_version: d.agentic_tool_version,
        context_files: d.contextFiles,
        genealogy: Object.keys(points).length > 0 ? points : undefined
      }
    }
  },
  tasks: {
    collection: 'tasks',
    key: byId('task_id'),
    kept: [
      'description',
      'full_prompt',
      'model',
      'tool_use_count',
      'duration_ms',
      'agent_session_id',
      'permission_request',
      'computed_context_window',
      'report',
      'message_range',
      'git_state'
    ],
    leftOut: ['raw_sdk_response'],
    expected: (r, d) => {
      const range = d.message_range === undefined ? undefined : record(d.message_range)
      const git = d.git_state === undefined ? undefined : record(d.git_state)
      // agor's tasks have no updated_at: the last thing that happened to the task
      const last = Math.max(
        ...[r.created_at, r.started_at, r.completed_at].filter((t) => t != null).map(Number)
      )
      return {
        task_id: r.task_id,
        created_at: iso(r.created_at),
        updated_at: iso(last),
        created_by: r.created_by,
        session_id: r.session_id,
        status: r.status,
        started_at: iso(r.started_at),
        completed_at: iso(r.completed_at),
        ...pick(d, [
          'description',
          'full_prompt',
          'model',
          'tool_use_count',
          'duration_ms',
          'agent_session_id',
          'permission_request'
        ]),
        context_window: d.computed_context_window,
        ...(typeof d.report === 'string' ? { report: d.report } : { report_file: d.report }),
        message_range: range && {
          start: range.start_index,
          end: range.end_index,
          start_timestamp: range.start_timestamp,
          end_timestamp: range.end_timestamp
        },
        git_state: git && {
          ref: git.ref_at_start,
          base_sha: git.sha_at_start,
          current_sha: git.sha_at_end,
          commit_message: git.commit_message
        }
      }
    }
  },
  messages: {
    collection: 'messages',
    key: byId('message_id'),
    kept: ['content', 'tool_uses', 'metadata'],
    expected: (r, d) => {
      const queued = r.status === 'queued'
      return {
        message_id: r.message_id,
        created_at: iso(r.created_at),
        updated_at: iso(r.created_at),
        session_id: r.session_id,
        task_id: r.task_id,
        type: r.type,
        role: r.role,
        // agor's queued messages all have the index -1: here they have none until sent
        index: queued ? null : r.index,
        status: queued ? 'queued' : 'sent',
        timestamp: iso(r.timestamp),
        content_preview: r.content_preview,
        parent_tool_use_id: r.parent_tool_use_id,
        queue_position: r.queue_position,
        ...pick(d, ['content', 'tool_uses', 'metadata'])
      }
    }
  },
  mcp_servers: {
    collection: 'mcp_servers',
    key: byId('mcp_server_id'),
    kept: [
      'display_name',
      'description',
      'import_path',
      'command',
      'args',
      'url',
      'env',
      'tools',
      'resources',
      'prompts'
    ],
    expected: (r, d) => ({
      mcp_server_id: r.mcp_server_id,
      ...times(r),
      name: r.name,
      transport: r.transport,
      scope: r.scope,
      enabled: bool(r.enabled),
      owner_user_id: r.owner_user_id,
      team_id: r.team_id,
      repo_id: r.repo_id,
      session_id: r.session_id,
      source: r.source,
      ...pick(d, SPECS.mcp_servers.kept)
    })
  },
  session_mcp_servers: {
    collection: 'session_mcp_servers',
    key: (item) => `${String(item.session_id)} → ${String(item.mcp_server_id)}`,
    kept: [],
    // link_id is made by the import: checked on its own
    expected: (r) => ({
      created_at: iso(r.added_at),
      updated_at: iso(r.added_at),
      session_id: r.session_id,
      mcp_server_id: r.mcp_server_id,
      enabled: bool(r.enabled)
    })
  },
  board_objects: {
    collection: 'board_objects',
    key: byId('object_id'),
    kept: ['position', 'zone_id'],
    expected: (r, d) => ({
      object_id: r.object_id,
      created_at: iso(r.created_at),
      updated_at: iso(r.created_at),
      board_id: r.board_id,
      worktree_id: r.worktree_id,
      ...pick(d, ['position', 'zone_id'])
    })
  },
  board_comments: {
    collection: 'board_comments',
    key: byId('comment_id'),
    kept: ['position', 'mentions'],
    expected: (r, d) => ({
      comment_id: r.comment_id,
      ...times(r),
      board_id: r.board_id,
      created_by: r.created_by,
      session_id: r.session_id,
      task_id: r.task_id,
      message_id: r.message_id,
      worktree_id: r.worktree_id,
      content: r.content,
      content_preview: r.content_preview,
      parent_comment_id: r.parent_comment_id,
      resolved: bool(r.resolved),
      edited: bool(r.edited),
      reactions: JSON.parse(String(r.reactions)) as unknown,
      ...pick(d, ['position', 'mentions'])
    })
  }
}

/** A document without its empty fields: a NULL column and a field left out are the same. */
function clean(doc: Doc): Doc {
  return Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== null && v !== undefined))
}

const V8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

async function allDocs(store: Store, name: CollectionName): Promise<Doc[]> {
  const docs: Doc[] = await store.collection(name).find({ query: { $limit: 100_000 } })
  return docs
}

async function sql(store: Store, text: string, args: (string | number)[] = []): Promise<Row[]> {
  const { rows } = await store.database.connection.execute({ sql: text, args })
  return rows.map((row) => ({ ...row }))
}

/**
 * Compares every row of the agor file at `path` with the document the import made of it, and the
 * report with what the rows held. Returns the stored documents per table.
 */
async function expectEveryRowImported(
  path: string,
  store: Store,
  report: AgorImportReport
): Promise<Record<Table, Doc[]>> {
  const agorRows = readAgor(path)
  const stored = {} as Record<Table, Doc[]>
  const unaccounted: string[] = []
  for (const table of TABLES) {
    const spec = SPECS[table]
    const rows = agorRows[table]
    const docs = await allDocs(store, spec.collection)
    stored[table] = docs
    expect(docs.length, `${table}: documents stored`).toBe(rows.length)
    const docOf = new Map(docs.map((doc) => [spec.key(doc), doc]))
    const leftOut: Record<string, number> = {}
    for (const row of rows) {
      const key = spec.key(row)
      const data = table === 'session_mcp_servers' ? {} : parse(row.data)
      for (const dataKey of Object.keys(data)) {
        if (spec.leftOut?.includes(dataKey))
          leftOut[`data.${dataKey}`] = (leftOut[`data.${dataKey}`] ?? 0) + 1
        else if (!spec.kept.includes(dataKey) && !spec.derived?.includes(dataKey))
          unaccounted.push(`${table} ${key}: data.${dataKey}`)
      }
      const doc = docOf.get(key)
      expect(doc, `${table} ${key} was imported`).toBeDefined()
      const { link_id, ...fields } = doc ?? {}
      if (table === 'session_mcp_servers') expect(link_id).toMatch(V8)
      else expect(link_id).toBeUndefined()
      expect(clean(fields), `${table} ${key}`).toEqual(clean(spec.expected(row, data)))
    }
    const line = report.tables.find((t) => t.table === table)
    expect(line, `${table} in the report`).toEqual({
      table,
      collection: spec.collection,
      rows: rows.length,
      imported: rows.length,
      skipped: 0,
      leftOut
    })
  }
  // a data key no field keeps, no derivation explains and the report does not name is lost silently
  expect(unaccounted).toEqual([])
  expect(report.tables.map((t) => t.table).sort()).toEqual([...TABLES].sort())
  // every password (a bcrypt hash) is kept apart from the documents, as agor had it
  const hashes = await sql(store, 'SELECT user_id, hash FROM agor_credentials ORDER BY user_id')
  expect(hashes).toEqual(
    agorRows.users
      .map((u) => ({ user_id: u.user_id, hash: u.password }))
      .sort((a, b) => String(a.user_id).localeCompare(String(b.user_id)))
  )
  expect(report.passwords).toBe(agorRows.users.length)
  for (const user of stored.users) expect(JSON.stringify(user)).not.toMatch(/\$2[aby]\$/)
  return stored
}

/** A digest of every table of the store's file (rows in any order, values as SQL quotes them), and its row count. */
async function checksums(store: Store): Promise<Record<string, string>> {
  const tables = await sql(store, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
  const sums: Record<string, string> = {}
  for (const { name } of tables) {
    const table = String(name).replaceAll('"', '""')
    const columns = await sql(store, `SELECT name FROM pragma_table_info('${table.replaceAll("'", "''")}')`)
    // quote(): every value as text, blobs and integers beyond JavaScript's included (the search index has both)
    const list = columns.map((c) => `quote("${String(c.name).replaceAll('"', '""')}")`).join(" || ',' || ")
    const rows = await sql(store, `SELECT ${list} AS line FROM "${table}"`)
    const lines = rows.map((row) => String(row.line)).sort()
    sums[String(name)] = `${rows.length} rows ${createHash('sha256').update(lines.join('\n')).digest('hex')}`
  }
  return sums
}

/** Documents of every collection, and credentials and feed entries: all zero after a refusal. */
async function storedCounts(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const name of [...collectionNames, 'agor_credentials', 'agor_changes'])
    counts[name] = Number((await sql(store, `SELECT count(*) AS n FROM "${name}"`))[0]?.n)
  return counts
}
const nothing = () =>
  Object.fromEntries([...collectionNames, 'agor_credentials', 'agor_changes'].map((n) => [n, 0]))

interface Refusal {
  code: number
  message: string
  data: { problems: AgorProblem[]; total: number }
}

/** The error an import was refused with (fails the test when it was not refused). */
async function refused(call: Promise<unknown>): Promise<Refusal> {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error
  )
  expect(outcome, 'the import was refused').toBeInstanceOf(BadRequest)
  return outcome as Refusal
}

/** The bytes of agor's file, digested: it is only read. */
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

/** The stderr line the CLI prints for a problem. */
const problemLine = (table: string, id: string, field: string) => `${table} ${id}: ${field}: `

// ---------------------------------------------------------------------------------------------
// one file, imported once, read by the tests that change nothing
// ---------------------------------------------------------------------------------------------

let fixture: AgorFixtureSummary
let store: Store
let report: AgorImportReport
beforeAll(async () => {
  fixture = makeFixture()
  store = await openStore({ url: tempDbUrl(), auth: false })
  report = await importAgor(store.database, fixture.path)
})
afterAll(() => store?.close())

describe('every row of agor’s file', () => {
  it('arrives with its values: ids, timestamps, authorship, columns and data keys, as agor had them', async () => {
    const stored = await expectEveryRowImported(fixture.path, store, report)
    // the file has what the comparison is about: both kinds of ids, anonymous authors, a queued message
    const sessionIds = stored.sessions.map((s) => String(s.session_id))
    expect(sessionIds).toContain(fixture.ids.v4Session)
    expect(sessionIds).toContain(fixture.ids.v7Session)
    expect(stored.sessions.some((s) => s.created_by === 'anonymous')).toBe(true)
    expect(stored.boards.find((b) => b.board_id === fixture.ids.defaultBoard)?.created_by).toBe('anonymous')
    const queued = stored.messages.find((m) => m.message_id === fixture.ids.queuedMessage)
    expect(queued).toMatchObject({ status: 'queued', index: null })
    expect(queued?.queue_position).toBeGreaterThanOrEqual(1)
    const reply = stored.board_comments.find((c) => c.comment_id === fixture.ids.replyComment)
    expect(stored.board_comments.map((c) => c.comment_id)).toContain(reply?.parent_comment_id)
    expect(stored.users.find((u) => u.user_id === fixture.ids.owner)?.role).toBe('owner')
  })

  it('is recorded in the change feed, one created event per document, by the import', async () => {
    const events = await sql(
      store,
      'SELECT collection, event, actor, count(*) AS n FROM agor_changes GROUP BY collection, event, actor'
    )
    const expected = TABLES.map((table) => ({
      collection: SPECS[table].collection,
      event: 'created',
      actor: 'import',
      n: fixture.counts[table]
    }))
    const byCollection = (a: Row, b: Row) => String(a.collection).localeCompare(String(b.collection))
    expect(events.sort(byCollection)).toEqual(expected.sort(byCollection))
  })

  it('leaves out only what agor repeats and the store derives: task lists, children, genealogy links', async () => {
    const rows = readAgor(fixture.path)
    const sessions = await allDocs(store, 'sessions')
    const tasks = await allDocs(store, 'tasks')
    for (const row of rows.sessions) {
      const id = String(row.session_id)
      const data = parse(row.data)
      const genealogy = record(data.genealogy)
      // the task list is the tasks' session_id
      const own = tasks.filter((t) => t.session_id === id).map((t) => String(t.task_id))
      expect([...((data.tasks as string[] | undefined) ?? [])].sort(), `tasks of ${id}`).toEqual(own.sort())
      // the children are the sessions that name this one as parent or fork origin
      const children = sessions
        .filter((s) => s.parent_session_id === id || s.forked_from_session_id === id)
        .map((s) => String(s.session_id))
      expect([...((genealogy.children as string[] | undefined) ?? [])].sort(), `children of ${id}`).toEqual(
        children.sort()
      )
      const doc = sessions.find((s) => s.session_id === id)
      if (genealogy.parent_session_id !== undefined)
        expect(doc?.parent_session_id).toBe(genealogy.parent_session_id)
      if (genealogy.forked_from_session_id !== undefined)
        expect(doc?.forked_from_session_id).toBe(genealogy.forked_from_session_id)
    }
    // forks, spawns and a fork of a fork came across with their links and points
    const byId = new Map(sessions.map((s) => [s.session_id, s]))
    const fork = byId.get(fixture.ids.forkedSession)
    expect(fork?.forked_from_session_id).toEqual(expect.any(String))
    expect(fork?.genealogy).toMatchObject({ fork_point_task_id: expect.any(String) })
    const forkOfFork = byId.get(fixture.ids.forkOfForkSession)
    expect(byId.get(forkOfFork?.forked_from_session_id)?.forked_from_session_id).toEqual(expect.any(String))
    const spawned = byId.get(fixture.ids.spawnedSession)
    expect(spawned?.parent_session_id).toEqual(expect.any(String))
    expect(spawned?.genealogy).toMatchObject({ spawn_point_task_id: expect.any(String) })
    // a board's legacy session list holds nothing that could be lost
    for (const row of rows.boards) {
      const legacy = parse(row.data).sessions
      if (legacy !== undefined) expect(legacy).toEqual([])
    }
  })

  it('loses nothing silently inside what it reshapes: a task’s commit message is kept or reported', async () => {
    const rows = readAgor(fixture.path)
    const tasks = new Map((await allDocs(store, 'tasks')).map((t) => [t.task_id, t]))
    const withMessage = rows.tasks.filter((t) => record(parse(t.data).git_state).commit_message !== undefined)
    expect(withMessage.length).toBeGreaterThan(0)
    const reported = Object.keys(report.tables.find((t) => t.table === 'tasks')?.leftOut ?? {})
    const lost = withMessage
      .filter((row) => {
        const message = String(record(parse(row.data).git_state).commit_message)
        const kept = JSON.stringify(tasks.get(row.task_id)).includes(JSON.stringify(message))
        return !kept && !reported.some((key) => key.includes('commit_message'))
      })
      .map((row) => `task ${String(row.task_id)}: data.git_state.commit_message`)
    expect(lost).toEqual([])
  })

  it('gives each session–server link the same version-8 UUID on every import', async () => {
    const links = await allDocs(store, 'session_mcp_servers')
    const ids = links.map((l) => String(l.link_id))
    expect(new Set(ids).size).toBe(ids.length)
    for (const id of ids) expect(id).toMatch(V8)
    // another store, the same file: the same ids for the same pairs
    const other = await openStore({ url: tempDbUrl(), auth: false })
    try {
      await importAgor(other.database, fixture.path)
      const again = await allDocs(other, 'session_mcp_servers')
      const pairs = (docs: Doc[]) =>
        Object.fromEntries(docs.map((l) => [`${l.session_id} ${l.mcp_server_id}`, l.link_id]))
      expect(pairs(again)).toEqual(pairs(links))
      // a link is found by its id, and by a short one
      const link = links[0]!
      expect((await store.service('session_mcp_servers').get(String(link.link_id))).session_id).toBe(
        link.session_id
      )
      const short = await store.shortId('session_mcp_servers', String(link.link_id))
      expect((await store.service('session_mcp_servers').get(short)).link_id).toBe(link.link_id)
    } finally {
      await other.close()
    }
  })
})

describe('short ids of imported documents', () => {
  it('find a UUIDv4 session by its first 8 hex digits', async () => {
    const v4 = fixture.ids.v4Session
    expect(v4[14]).toBe('4')
    const found = await store.service('sessions').get(v4.slice(0, 8))
    expect(found.session_id).toBe(v4)
    expect(await store.shortId('sessions', v4)).toBe(v4.slice(0, 8))
    const v7 = fixture.ids.v7Session
    expect((await store.service('sessions').get(v7.slice(0, 8))).session_id).toBe(v7)
  })

  it('are ambiguous (409, both candidates) for two sessions sharing 8 digits, and resolve with more', async () => {
    const [first, second] = fixture.ids.sharedPrefixSessions
    expect(first.slice(0, 8)).toBe(second.slice(0, 8))
    const error = await store
      .service('sessions')
      .get(first.slice(0, 8))
      .then(
        () => undefined,
        (e: unknown) => e as { code: number; data: { candidates: { id: string }[] } }
      )
    expect(error?.code).toBe(409)
    expect(error?.data.candidates.map((c) => c.id).sort()).toEqual([first, second].sort())
    // the digits where they differ settle it, with or without the dash
    expect((await store.service('sessions').get(first.slice(0, 13))).session_id).toBe(first)
    expect((await store.service('sessions').get(second.slice(0, 13))).session_id).toBe(second)
    expect((await store.service('sessions').get(second.replaceAll('-', '').slice(0, 12))).session_id).toBe(
      second
    )
    expect((await store.shortId('sessions', first)).length).toBeGreaterThan(8)
  })
})

describe('relations of imported documents', () => {
  it('removing an imported repo takes its worktrees, sessions, tasks and messages with it', async () => {
    const own = await openStore({ url: tempDbUrl(), auth: false })
    try {
      await importAgor(own.database, fixture.path)
      const rows = readAgor(fixture.path)
      // the repo with the most sessions
      const worktreesOf = (repo: unknown) => rows.worktrees.filter((w) => w.repo_id === repo)
      const sessionsOf = (repo: unknown) => {
        const trees = new Set(worktreesOf(repo).map((w) => w.worktree_id))
        return rows.sessions.filter((s) => trees.has(s.worktree_id))
      }
      const repo = [...rows.repos].sort(
        (a, b) => sessionsOf(b.repo_id).length - sessionsOf(a.repo_id).length
      )[0]!
      const worktrees = new Set(worktreesOf(repo.repo_id).map((w) => String(w.worktree_id)))
      const sessions = new Set(sessionsOf(repo.repo_id).map((s) => String(s.session_id)))
      const tasks = new Set(
        rows.tasks.filter((t) => sessions.has(String(t.session_id))).map((t) => t.task_id)
      )
      const messages = new Set(
        rows.messages.filter((m) => sessions.has(String(m.session_id))).map((m) => m.message_id)
      )
      const objects = new Set(
        rows.board_objects.filter((o) => worktrees.has(String(o.worktree_id))).map((o) => o.object_id)
      )
      expect(sessions.size).toBeGreaterThan(0)
      expect(messages.size).toBeGreaterThan(0)

      await own.service('repos').remove(String(repo.repo_id))

      const ids = async (name: CollectionName, field: string) =>
        new Set((await allDocs(own, name)).map((d) => d[field]))
      const left = {
        repos: await ids('repos', 'repo_id'),
        worktrees: await ids('worktrees', 'worktree_id'),
        sessions: await ids('sessions', 'session_id'),
        tasks: await ids('tasks', 'task_id'),
        messages: await ids('messages', 'message_id'),
        objects: await ids('board_objects', 'object_id')
      }
      const gone = (set: Set<unknown>, removed: Set<unknown>) => [...removed].filter((id) => set.has(id))
      expect(left.repos.has(repo.repo_id)).toBe(false)
      expect(gone(left.worktrees, worktrees)).toEqual([])
      expect(gone(left.sessions, sessions)).toEqual([])
      expect(gone(left.tasks, tasks)).toEqual([])
      expect(gone(left.messages, messages)).toEqual([])
      expect(gone(left.objects, objects)).toEqual([])
      // and nothing else
      expect(left.worktrees.size).toBe(rows.worktrees.length - worktrees.size)
      expect(left.sessions.size).toBe(rows.sessions.length - sessions.size)
      expect(left.tasks.size).toBe(rows.tasks.length - tasks.size)
      expect(left.messages.size).toBe(rows.messages.length - messages.size)
      expect(left.objects.size).toBe(rows.board_objects.length - objects.size)
      // comments about a removed session on another worktree's board stay, their link cleared
      for (const comment of await allDocs(own, 'board_comments')) {
        if (comment.session_id != null) expect(sessions.has(String(comment.session_id))).toBe(false)
        if (comment.worktree_id != null) expect(worktrees.has(String(comment.worktree_id))).toBe(false)
      }
    } finally {
      await own.close()
    }
  })
})

describe('users of agor', () => {
  const KEY = 'admin:agor-import-key-0123456789'
  const PASSWORD = 'pw-agor-import-Z8x7c6v5'

  /** Imports the file into a store with authentication, serves it, and runs `body` against its URL. */
  async function served(path: string, body: (url: string) => Promise<void>): Promise<void> {
    const own = await openStore({ url: tempDbUrl(), auth: { apiKeys: [KEY] } })
    const server = await createServer(own, { host: '127.0.0.1', port: 0 })
    try {
      await importAgor(own.database, path)
      await body(server.url)
    } finally {
      await server.close()
      await own.close()
    }
  }
  const login = (url: string, email: string, password: string) =>
    request(url, 'POST', '/authentication', { strategy: 'local', email, password })

  it('log in with the password they had in agor (its bcrypt hash, kept)', async () => {
    const file = makeFixture(SMALL)
    let email = ''
    editAgor(file.path, (db) => {
      db.prepare('UPDATE users SET password = ? WHERE user_id = ?').run(
        bcrypt.hashSync(PASSWORD, 10),
        file.ids.owner
      )
      email = String(one(db, 'SELECT email FROM users WHERE user_id = ?', file.ids.owner).email)
    })
    await served(file.path, async (url) => {
      const answer = await login(url, email, PASSWORD)
      expect(answer.status).toBe(201)
      expect(answer.body.user.user_id).toBe(file.ids.owner)
      expect(answer.body.user.role).toBe('owner')
      expect(answer.text).not.toMatch(/\$2[aby]\$/)
      // the token opens the store
      const me = await request(url, 'GET', `/users/${file.ids.owner}`, undefined, {
        authorization: `Bearer ${answer.body.accessToken}`
      })
      expect(me.status).toBe(200)
      expect(me.body.email).toBe(email)
      expect((await login(url, email, `${PASSWORD}-wrong`)).status).toBe(401)
    })
  })

  it('log in when agor kept their email with capitals', async () => {
    const file = makeFixture(SMALL)
    const email = 'Ada.Okafor@Example.com'
    editAgor(file.path, (db) => {
      db.prepare('UPDATE users SET password = ?, email = ? WHERE user_id = ?').run(
        bcrypt.hashSync(PASSWORD, 10),
        email,
        file.ids.owner
      )
    })
    await served(file.path, async (url) => {
      const answer = await login(url, email, PASSWORD)
      expect(answer.status).toBe(201)
      expect(answer.body.user.user_id).toBe(file.ids.owner)
    })
  })
})

describe('a second run', () => {
  it('changes nothing: every table and the change feed are as the first run left them', async () => {
    const own = await openStore({ url: tempDbUrl(), auth: false })
    try {
      const first = await importAgor(own.database, fixture.path)
      expect(first.tables.every((t) => t.skipped === 0 && t.imported === t.rows)).toBe(true)
      // a document changed here since stays as it is
      await own.service('sessions').patch(fixture.ids.v4Session, { title: 'renamed here' })
      // and is found by its new title: the search index takes it in (an import would do it too)
      const found = await own.service('sessions').find({ query: { $search: 'renamed here' } })
      expect(found.data.map((d) => d.session_id)).toEqual([fixture.ids.v4Session])
      const before = await checksums(own)
      expect(before.agor_changes).toMatch(/^\d+ rows/)

      const dry = await importAgor(own.database, fixture.path, { dryRun: true })
      const second = await importAgor(own.database, fixture.path)
      for (const run of [dry, second]) {
        expect(run.tables.map((t) => [t.table, t.imported, t.skipped])).toEqual(
          TABLES.map((table) => [table, 0, fixture.counts[table]])
        )
        expect(run.passwords).toBe(0)
      }
      expect(await checksums(own)).toEqual(before)
      expect((await own.service('sessions').get(fixture.ids.v4Session)).title).toBe('renamed here')
    } finally {
      await own.close()
    }
  })
})

describe('--dry-run', () => {
  it('checks everything and reports what it would import, and does not even create the target', async () => {
    const dir = tempDir()
    const target = join(dir, 'agor.db')
    const agorFile = digest(fixture.path)
    const result = await agor(['db', 'import-agor', fixture.path, '--dry-run', '--db', target])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(digest(fixture.path)).toBe(agorFile)
    expect(result.stdout).toMatch(
      /^users\s+5 rows: would import 5 users; left out: data\.api_keys \(2\), data\.env_vars \(2\)$/m
    )
    expect(result.stdout).toMatch(
      new RegExp(
        `^messages\\s+${fixture.counts.messages} rows: would import ${fixture.counts.messages} messages$`,
        'm'
      )
    )
    expect(result.stdout).toContain('Dry run: nothing was written')
    expect(readdirSync(dir)).toEqual([])
    // the library's dry report is the real one's, with nothing written
    const own = await openStore({ url: tempDbUrl(), auth: false })
    try {
      const dry = await importAgor(own.database, fixture.path, { dryRun: true })
      expect(dry.dryRun).toBe(true)
      expect(await storedCounts(own)).toEqual(nothing())
      expect({ ...dry, dryRun: false }).toEqual(report)
    } finally {
      await own.close()
    }
  })

  it('leaves a database that exists as it was, documents, credentials and feed', async () => {
    const { path, db } = tempDb()
    // another agor database first: its users and repos hold the same emails and slugs
    const other = makeFixture({ ...SMALL, seed: 11 })
    expect((await agor([...db, 'db', 'import-agor', other.path])).code).toBe(0)
    const before = await checksums(await openFile(path))
    const clash = await agor([...db, 'db', 'import-agor', fixture.path, '--dry-run'])
    expect(clash.code).toBe(1)
    expect(clash.stderr).toMatch(/^repos \S+: slug: repo \S+ of the store holds the same$/m)
    expect(await checksums(await openFile(path))).toEqual(before)
    // the same file again: every document is here already
    const dry = json<AgorImportReport>(
      await agor([...db, 'db', 'import-agor', other.path, '--dry-run', '--json'])
    )
    expect(dry.dryRun).toBe(true)
    expect(dry.tables.find((t) => t.table === 'sessions')).toMatchObject({
      rows: other.counts.sessions,
      imported: 0,
      skipped: other.counts.sessions
    })
    expect(await checksums(await openFile(path))).toEqual(before)
  })
})

describe('a file that does not fit', () => {
  interface Corruption {
    what: string
    /** Damages the file; returns the problems it must cause (ids: any one of them). */
    apply(db: Libsql.Database): { table: string; ids: string[]; field: string; mentions?: string }
  }

  const CORRUPTIONS: Corruption[] = [
    {
      what: 'a message with an unknown role',
      apply: (db) => {
        const id = String(one(db, 'SELECT message_id FROM messages WHERE status IS NULL LIMIT 1').message_id)
        db.prepare("UPDATE messages SET role = 'robot' WHERE message_id = ?").run(id)
        return { table: 'messages', ids: [id], field: 'role' }
      }
    },
    {
      what: 'two messages of a session at the same index',
      apply: (db) => {
        const session = one(
          db,
          'SELECT session_id FROM messages WHERE status IS NULL GROUP BY session_id HAVING count(*) >= 3 LIMIT 1'
        ).session_id
        const [a, b] = db
          .prepare(
            'SELECT message_id, "index" FROM messages WHERE session_id = ? AND status IS NULL ORDER BY "index" LIMIT 2'
          )
          .all(session) as Row[]
        db.prepare('UPDATE messages SET "index" = ? WHERE message_id = ?').run(a!.index, b!.message_id)
        return {
          table: 'messages',
          ids: [String(a!.message_id), String(b!.message_id)],
          field: 'session_id, index'
        }
      }
    },
    {
      what: 'a worktree placed on two boards',
      apply: (db) => {
        const placed = one(db, 'SELECT object_id, board_id, worktree_id FROM board_objects LIMIT 1')
        const board = one(
          db,
          'SELECT board_id FROM boards WHERE board_id <> ? LIMIT 1',
          placed.board_id
        ).board_id
        const id = randomUUID()
        db.prepare(
          'INSERT INTO board_objects (object_id, board_id, created_at, worktree_id, data) VALUES (?, ?, ?, ?, ?)'
        ).run(
          id,
          board,
          Date.UTC(2025, 11, 1),
          placed.worktree_id,
          JSON.stringify({ position: { x: 10, y: 20 } })
        )
        return { table: 'board_objects', ids: [String(placed.object_id), id], field: 'worktree_id' }
      }
    },
    {
      what: 'a task whose session exists nowhere',
      apply: (db) => {
        const id = String(one(db, 'SELECT task_id FROM tasks LIMIT 1').task_id)
        const ghost = randomUUID()
        db.prepare('UPDATE tasks SET session_id = ? WHERE task_id = ?').run(ghost, id)
        return { table: 'tasks', ids: [id], field: 'session_id', mentions: ghost }
      }
    },
    {
      what: 'a session whose data is not JSON',
      apply: (db) => {
        const id = String(
          one(db, 'SELECT session_id FROM sessions ORDER BY created_at DESC LIMIT 1').session_id
        )
        db.prepare('UPDATE sessions SET data = ? WHERE session_id = ?').run('{"title": "cut off', id)
        return { table: 'sessions', ids: [id], field: 'data' }
      }
    },
    {
      what: 'a repo whose data holds a __proto__ key deep down',
      apply: (db) => {
        const id = String(one(db, 'SELECT repo_id FROM repos LIMIT 1').repo_id)
        db.prepare(
          `UPDATE repos SET data = json_set(data, '$.environment_config', json('{"__proto__":{"p":1}}')) WHERE repo_id = ?`
        ).run(id)
        return { table: 'repos', ids: [id], field: '(row)', mentions: '__proto__' }
      }
    }
  ]

  const matching = (problems: AgorProblem[], expected: ReturnType<Corruption['apply']>) =>
    problems.filter(
      (p) =>
        p.table === expected.table &&
        expected.ids.includes(p.id) &&
        p.field === expected.field &&
        (expected.mentions === undefined || p.message.includes(expected.mentions))
    )

  it.each(CORRUPTIONS)(
    'is refused for $what, the row and field named, nothing written',
    async ({ apply }) => {
      const file = makeFixture(SMALL)
      let expected: ReturnType<Corruption['apply']> | undefined
      editAgor(file.path, (db) => {
        expected = apply(db)
      })
      const own = await openStore({ url: tempDbUrl(), auth: false })
      try {
        const error = await refused(importAgor(own.database, file.path))
        expect(error.code).toBe(400)
        expect(error.message).toContain('nothing was written')
        expect(error.data.total).toBe(error.data.problems.length)
        expect(matching(error.data.problems, expected!), JSON.stringify(error.data.problems)).toHaveLength(1)
        expect(await storedCounts(own)).toEqual(nothing())
        // nor with --dry-run: the same refusal
        const dry = await refused(importAgor(own.database, file.path, { dryRun: true }))
        expect(dry.data.problems).toEqual(error.data.problems)
      } finally {
        await own.close()
      }
    }
  )

  it('on the command line: exit 1, a line per problem on stderr, the target without a document', async () => {
    const file = makeFixture(SMALL)
    const expected: ReturnType<Corruption['apply']>[] = []
    editAgor(file.path, (db) => {
      for (const corruption of CORRUPTIONS) expected.push(corruption.apply(db))
    })
    const { path, db } = tempDb()
    const result = await agor([...db, 'db', 'import-agor', file.path])
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(
      /^error: The agor database does not fit: \d+ problems, nothing was written$/m
    )
    for (const problem of expected)
      expect
        .soft(
          problem.ids.some((id) => result.stderr.includes(problemLine(problem.table, id, problem.field))),
          `${problem.table} ${problem.ids.join(' or ')}: ${problem.field} on stderr:\n${result.stderr}`
        )
        .toBe(true)
    expect(await storedCounts(await openFile(path))).toEqual(nothing())
    // a target that did not exist is not left behind
    const dir = tempDir()
    const fresh = await agor(['db', 'import-agor', file.path, '--db', join(dir, 'agor.db')])
    expect(fresh.code).toBe(1)
    expect(readdirSync(dir)).toEqual([])
    // --json: the report of problems is the error's data
    const asJson = await agor([...db, 'db', 'import-agor', file.path, '--json'])
    expect(asJson.code).toBe(1)
    const wire = JSON.parse(asJson.stderr) as Refusal
    expect(wire.code).toBe(400)
    for (const problem of expected) expect.soft(matching(wire.data.problems, problem)).toHaveLength(1)
  })

  it('reports keys named like members of every object as left out, and keeps the rest', async () => {
    const file = makeFixture(SMALL)
    editAgor(file.path, (db) =>
      db.exec(
        `UPDATE sessions SET data = json_set(data, '$.constructor', 1, '$.toString', 'x', '$.git_state.dirty', json('true'))`
      )
    )
    const own = await openStore({ url: tempDbUrl(), auth: false })
    try {
      const report = await importAgor(own.database, file.path)
      const sessions = report.tables.find((t) => t.table === 'sessions')
      expect(sessions?.imported).toBe(file.counts.sessions)
      expect(sessions?.leftOut).toMatchObject({
        'data.constructor': file.counts.sessions,
        'data.toString': file.counts.sessions,
        'data.git_state.dirty': expect.any(Number)
      })
      const stored = await own.service('sessions').find({ query: { $limit: 1 } })
      expect(Object.hasOwn(stored.data[0]!, 'constructor')).toBe(false)
    } finally {
      await own.close()
    }
  })

  it('is refused as no agor database when tables are missing, naming them', async () => {
    const file = makeFixture(SMALL)
    editAgor(file.path, (db) => db.exec('DROP TABLE board_comments; DROP TABLE session_mcp_servers'))
    const own = await openStore({ url: tempDbUrl(), auth: false })
    try {
      const error = await refused(importAgor(own.database, file.path))
      expect(error.message).toMatch(/is not an agor database/)
      expect(error.message).toContain('session_mcp_servers')
      expect(error.message).toContain('board_comments')
      expect(await storedCounts(own)).toEqual(nothing())
    } finally {
      await own.close()
    }
    const dir = tempDir()
    const result = await agor(['db', 'import-agor', file.path, '--db', join(dir, 'agor.db')])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`error: ${file.path} is not an agor database`)
    expect(readdirSync(dir)).toEqual([])
  })

  it('is refused when it is this store’s own database, pointing at agor db export and import', async () => {
    const source = tempDb()
    const target = tempDb()
    const before = await checksums(await openFile(target.path))
    const result = await agor([...target.db, 'db', 'import-agor', source.path])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`${source.path} is not an agor database`)
    expect(result.stderr).toContain('agor db export and import')
    expect(await checksums(await openFile(target.path))).toEqual(before)
  })

  it('is refused with its path named when it is no SQLite file at all', async () => {
    const path = join(tempDir(), 'notes.db')
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(200))
    const dir = tempDir()
    const result = await agor(['db', 'import-agor', path, '--db', join(dir, 'agor.db')])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(path)
    expect(readdirSync(dir)).toEqual([])
  })

  it('that does not exist exits 3, and no target is created', async () => {
    const dir = tempDir()
    const missing = join(tempDir(), 'nowhere', 'agor.db')
    const result = await agor(['db', 'import-agor', missing, '--db', join(dir, 'agor.db')])
    expect(result.code).toBe(3)
    expect(result.stderr).toContain(`There is no agor database at ${missing}`)
    expect(existsSync(missing)).toBe(false)
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('on the command line', () => {
  it('--json reports rows, imported, skipped and left-out keys per table; a second run skips them all', async () => {
    const dir = tempDir()
    const target = join(dir, 'agor.db')
    const agorFile = digest(fixture.path)
    const first = json<AgorImportReport>(
      await agor(['db', 'import-agor', fixture.path, '--db', target, '--json'])
    )
    expect(first).toEqual(report)
    for (const table of TABLES)
      expect(first.tables.find((t) => t.table === table)).toMatchObject({
        rows: fixture.counts[table],
        imported: fixture.counts[table],
        skipped: 0
      })
    expect(first.tables.find((t) => t.table === 'users')?.leftOut).toEqual({
      'data.api_keys': 2,
      'data.env_vars': 2
    })
    expect(Object.keys(first.tables.find((t) => t.table === 'sessions')?.leftOut ?? {})).toEqual([
      'data.mcp_token'
    ])
    expect(Object.keys(first.tables.find((t) => t.table === 'tasks')?.leftOut ?? {})).toEqual([
      'data.raw_sdk_response'
    ])

    const second = json<AgorImportReport>(
      await agor(['db', 'import-agor', fixture.path, '--db', target, '--json'])
    )
    expect(second.tables.map((t) => [t.table, t.rows, t.imported, t.skipped])).toEqual(
      TABLES.map((table) => [table, fixture.counts[table], 0, fixture.counts[table]])
    )
    expect(second.passwords).toBe(0)
    expect(digest(fixture.path)).toBe(agorFile)

    // what the command wrote is what the library writes, row by row
    const written = await openFile(target)
    await expectEveryRowImported(fixture.path, written, first)
    // and a UUIDv4 session is shown by its 8 hex digits
    const v4 = fixture.ids.v4Session
    const show = await agor(['session', 'show', v4.slice(0, 8), '--db', target])
    expect(show.stderr).toBe('')
    expect(show.code).toBe(0)
    expect(show.stdout).toMatch(new RegExp(`^\\s+id\\s+${v4}$`, 'm'))
    const ambiguous = await agor([
      'session',
      'show',
      fixture.ids.sharedPrefixSessions[0].slice(0, 8),
      '--db',
      target
    ])
    expect(ambiguous.code).toBe(4)
  })
})

describe('a larger file', () => {
  it('of 200 sessions of about 30 messages arrives row by row', async () => {
    const big = makeFixture({ sessions: 200, messagesPerSession: 30, seed: 7 })
    expect(big.counts.messages).toBeGreaterThan(4_000)
    const own = await openStore({ url: tempDbUrl(), auth: false })
    try {
      const bigReport = await importAgor(own.database, big.path)
      await expectEveryRowImported(big.path, own, bigReport)
    } finally {
      await own.close()
    }
  })
})
