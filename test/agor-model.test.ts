// agor's data model as collections of the registry: worktrees, messages, MCP servers and their
// session links, board objects and board comments, and agor's fields on sessions, tasks, boards and
// repos. In the spirit of agor's own repository tests (packages/core/src/db/repositories/*.test.ts),
// ported to the store's API: every test reads back what was stored, on a real database file.
import Libsql from 'libsql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CollectionName } from '../src/schema/index.js'
import { openStore, type Store } from '../src/service/store.js'
import { agor, json, listedIds, openFile, tempDb } from './cli-helpers.js'
import { legacyDatabase, tempDbUrl } from './helpers.js'
import { serve, waitFor } from './transport-helpers.js'

let store: Store
beforeAll(async () => {
  store = await openStore({ url: tempDbUrl(), auth: false })
})
afterAll(() => store.close())

// ---------------------------------------------------------------------------------------------
// fixtures and read-back helpers
// ---------------------------------------------------------------------------------------------

let counter = 0
const unique = (prefix: string) => `${prefix}-${++counter}`

const repo = (extra: { name?: string } = {}) =>
  store.service('repos').create({ slug: unique('org/repo'), ...extra })
const board = () => store.service('boards').create({ name: unique('board') })
const session = (extra: { title?: string; worktree_id?: string; board_id?: string } = {}) =>
  store.service('sessions').create({ agent: 'claude-code', ...extra })
const task = (session_id: string, extra: { description?: string } = {}) =>
  store.service('tasks').create({ session_id, ...extra })
const worktree = (repo_id: string, extra: { name?: string; board_id?: string; archived?: boolean } = {}) =>
  store.service('worktrees').create({ repo_id, name: unique('feature'), ref: 'main', ...extra })

/** The data of a plain user message at `index` (undefined: a queued message has none yet). */
function userMessage(session_id: string, index: number | undefined, content = `message ${index}`) {
  return { session_id, index, type: 'user' as const, role: 'user' as const, content }
}

/** Rows of a table as stored, counted with plain SQL (a condition on its columns, optional). */
async function rowCount(table: CollectionName, where = '1', args: (string | number)[] = []): Promise<number> {
  const { rows } = await store.database.connection.execute({
    sql: `SELECT count(*) AS n FROM "${table}" WHERE ${where}`,
    args
  })
  return Number(rows[0]?.n)
}

/** The error a call failed with (fails the test when it did not fail). */
async function failure(call: Promise<unknown>): Promise<{ code: number; message: string; data: unknown }> {
  try {
    await call
  } catch (error) {
    return error as { code: number; message: string; data: unknown }
  }
  throw new Error('The call was expected to fail')
}

/** True when the document is no longer there (a get is a 404). */
async function isGone(name: CollectionName, id: string): Promise<boolean> {
  const error = await failure(store.collection(name).get(id)).catch(() => undefined)
  if (error === undefined) return false
  if (error.code !== 404) throw new Error(`get ${name} ${id}: ${error.message}`)
  return true
}

// ---------------------------------------------------------------------------------------------
// worktrees
// ---------------------------------------------------------------------------------------------

describe('worktrees', () => {
  it('are created with their fields, and got, patched and removed by short id', async () => {
    const r = await repo()
    const repoShort = await store.shortId('repos', r.repo_id)
    const created = await store.service('worktrees').create({
      repo_id: repoShort,
      name: 'feature-login',
      ref: 'feature/login',
      path: '/work/agor/feature-login',
      base_ref: 'main',
      new_branch: true,
      worktree_unique_id: 7,
      issue_url: 'https://github.com/org/repo/issues/1',
      environment_instance: { status: 'running', ports: [3000] },
      custom_context: { ticket: 42 },
      tags: ['ui']
    })
    expect(created.repo_id).toBe(r.repo_id)
    const short = await store.shortId('worktrees', created.worktree_id)
    const got = await store.service('worktrees').get(short)
    expect(got).toEqual(created)
    expect(got).toMatchObject({
      repo_id: r.repo_id,
      name: 'feature-login',
      ref: 'feature/login',
      new_branch: true,
      worktree_unique_id: 7,
      environment_instance: { status: 'running', ports: [3000] },
      board_id: null
    })
    // the short id, dashes out and upper case, names it as well
    expect((await store.service('worktrees').get(short.replaceAll('-', '').toUpperCase())).worktree_id).toBe(
      created.worktree_id
    )

    await store.service('worktrees').patch(short, { notes: 'ready for review', archived: false })
    expect(await store.service('worktrees').get(created.worktree_id)).toMatchObject({
      notes: 'ready for review',
      archived: false,
      name: 'feature-login'
    })

    await store.service('worktrees').remove(short)
    expect(await isGone('worktrees', created.worktree_id)).toBe(true)
    expect(await rowCount('repos', 'repo_id = ?', [r.repo_id])).toBe(1)
  })

  it('refuse a blank name, a missing ref and a repo that does not exist, writing nothing', async () => {
    const r = await repo()
    await expect(
      store.service('worktrees').create({ repo_id: r.repo_id, name: ' \u200b', ref: 'main' })
    ).rejects.toMatchObject({ code: 400 })
    await expect(
      store.service('worktrees').create({ repo_id: r.repo_id, name: 'x' } as never)
    ).rejects.toMatchObject({ code: 400 })
    await expect(
      store
        .service('worktrees')
        .create({ repo_id: 'ffffffff-ffff-7fff-bfff-ffffffffffff', name: 'x', ref: 'main' })
    ).rejects.toMatchObject({ code: 400, message: expect.stringContaining('does not name an existing repo') })
    expect(await rowCount('worktrees', 'repo_id = ?', [r.repo_id])).toBe(0)
  })

  it('keep a name unique within its repo: a second one is a 409 naming both fields, and nothing is written', async () => {
    const one = await repo()
    const other = await repo()
    const first = await worktree(one.repo_id, { name: 'feat' })

    const error = await failure(worktree(one.repo_id, { name: 'feat' }))
    expect(error.code).toBe(409)
    expect(error.message).toContain('repo_id')
    expect(error.message).toContain('name')
    expect(error.data).toEqual({ fields: ['repo_id', 'name'], values: [one.repo_id, 'feat'] })
    expect(await rowCount('worktrees', 'repo_id = ?', [one.repo_id])).toBe(1)

    // an array with one duplicate writes none of its items
    await expect(
      store.service('worktrees').create([
        { repo_id: one.repo_id, name: 'fresh', ref: 'main' },
        { repo_id: one.repo_id, name: 'feat', ref: 'main' }
      ])
    ).rejects.toMatchObject({ code: 409 })
    expect(await rowCount('worktrees', 'repo_id = ?', [one.repo_id])).toBe(1)

    // a rename onto a taken name is refused too, and leaves the document as it was
    const second = await worktree(one.repo_id, { name: 'feat-2' })
    await expect(
      store.service('worktrees').patch(second.worktree_id, { name: 'feat' })
    ).rejects.toMatchObject({
      code: 409,
      data: { fields: ['repo_id', 'name'] }
    })
    expect((await store.service('worktrees').get(second.worktree_id)).name).toBe('feat-2')

    // names compare exactly: another case is another name
    await worktree(one.repo_id, { name: 'Feat' })
    // the same name in another repo is fine
    const elsewhere = await worktree(other.repo_id, { name: 'feat' })
    expect(elsewhere.name).toBe('feat')
    const byName = await store
      .service('worktrees')
      .find({ query: { name: 'feat', $sort: { created_at: 1 } } })
    expect(byName.data.map((w) => [w.worktree_id, w.repo_id])).toEqual([
      [first.worktree_id, one.repo_id],
      [elsewhere.worktree_id, other.repo_id]
    ])
  })

  it('go with their repo, and take their sessions and those sessions’ tasks and messages with them', async () => {
    const doomed = await repo()
    const kept = await repo()
    const wt = await worktree(doomed.repo_id)
    const keptWt = await worktree(kept.repo_id)
    const s = await session({ worktree_id: wt.worktree_id })
    const keptSession = await session({ worktree_id: keptWt.worktree_id })
    const t = await task(s.session_id)
    const keptTask = await task(keptSession.session_id)
    await store.service('messages').create([userMessage(s.session_id, 0), userMessage(s.session_id, 1)])
    await store.service('messages').create(userMessage(keptSession.session_id, 0))
    const repoServer = await store
      .service('mcp_servers')
      .create({ name: 'repo-tools', transport: 'stdio', scope: 'repo', repo_id: doomed.repo_id })

    await store.service('repos').remove(doomed.repo_id)

    expect(await isGone('worktrees', wt.worktree_id)).toBe(true)
    expect(await isGone('sessions', s.session_id)).toBe(true)
    expect(await isGone('tasks', t.task_id)).toBe(true)
    expect(await isGone('mcp_servers', repoServer.mcp_server_id)).toBe(true)
    expect(await rowCount('messages', 'session_id = ?', [s.session_id])).toBe(0)
    // the other repo's tree is untouched
    expect((await store.service('worktrees').get(keptWt.worktree_id)).repo_id).toBe(kept.repo_id)
    expect((await store.service('sessions').get(keptSession.session_id)).worktree_id).toBe(keptWt.worktree_id)
    expect((await store.service('tasks').get(keptTask.task_id)).session_id).toBe(keptSession.session_id)
    expect(await rowCount('messages', 'session_id = ?', [keptSession.session_id])).toBe(1)
  })

  it('stay when their board goes: board_id is cleared, on their sessions too', async () => {
    const r = await repo()
    const b = await board()
    const boardShort = await store.shortId('boards', b.board_id)
    const wt = await worktree(r.repo_id, { board_id: boardShort })
    expect(wt.board_id).toBe(b.board_id)
    const s = await session({ worktree_id: wt.worktree_id, board_id: b.board_id })

    await store.service('boards').remove(b.board_id)

    const after = await store.service('worktrees').get(wt.worktree_id)
    expect(after.board_id).toBeNull()
    expect(after.name).toBe(wt.name)
    // clearing the link is a write of the worktree: its updated_at moves on
    expect(after.updated_at > wt.updated_at).toBe(true)
    const sessionAfter = await store.service('sessions').get(s.session_id)
    expect(sessionAfter.board_id).toBeNull()
    expect(sessionAfter.worktree_id).toBe(wt.worktree_id)
    // the column too, not just the document
    expect(await rowCount('worktrees', 'worktree_id = ? AND board_id IS NULL', [wt.worktree_id])).toBe(1)
  })

  it('are found by name (a column of its own), by pattern, and by $search in name and notes', async () => {
    const r = await repo()
    const [login, logout, docs] = await store.service('worktrees').create([
      { repo_id: r.repo_id, name: 'feature-login', ref: 'main', notes: 'OAuth callback handling' },
      { repo_id: r.repo_id, name: 'feature-logout', ref: 'main' },
      { repo_id: r.repo_id, name: 'docs', ref: 'main', notes: 'README rewrite' }
    ])
    const names = async (query: Record<string, unknown>) =>
      (await store.service('worktrees').find({ query: { repo_id: r.repo_id, ...query } })).data.map(
        (w) => w.name
      )
    expect(await names({ name: { $like: 'feature-%' }, $sort: { name: -1 } })).toEqual([
      'feature-logout',
      'feature-login'
    ])
    expect(await names({ name: { $in: ['docs', 'nothing'] } })).toEqual(['docs'])
    expect(await names({ $search: 'oauth' })).toEqual([login!.name])
    expect(await names({ $search: 'readme' })).toEqual([docs!.name])
    expect(await names({ $search: 'feature*', $sort: { name: 1 } })).toEqual([login!.name, logout!.name])
    // renamed: the column and the search index follow
    await store.service('worktrees').patch(docs!.worktree_id, { name: 'handbook' })
    expect(await names({ name: 'handbook' })).toEqual(['handbook'])
    expect(await names({ name: 'docs' })).toEqual([])
    expect(await names({ $search: 'handbook' })).toEqual(['handbook'])
    expect(await rowCount('worktrees', 'worktree_id = ? AND name = ?', [docs!.worktree_id, 'handbook'])).toBe(
      1
    )
  })

  it('are found by archived: false and archived: true', async () => {
    const r = await repo()
    const active = await worktree(r.repo_id, { archived: false })
    const archived = await worktree(r.repo_id, { archived: true })
    const never = await worktree(r.repo_id)
    await store
      .service('worktrees')
      .patch(archived.worktree_id, { archived_at: new Date().toISOString(), archived_by: 'me' })

    const ids = async (query: Record<string, unknown>) =>
      (
        await store
          .service('worktrees')
          .find({ query: { repo_id: r.repo_id, $sort: { created_at: 1 }, ...query } })
      ).data.map((w) => w.worktree_id)
    expect(await ids({ archived: true })).toEqual([archived.worktree_id])
    // a worktree created without saying is not archived, as in agor
    expect((await store.service('worktrees').get(never.worktree_id)).archived).toBe(false)
    expect(await ids({ archived: false })).toEqual([active.worktree_id, never.worktree_id])
    expect(await ids({ archived: { $ne: true } })).toEqual([active.worktree_id, never.worktree_id])

    // archiving one moves it from one list to the other
    await store.service('worktrees').patch(active.worktree_id, { archived: true })
    expect(await ids({ archived: true })).toEqual([active.worktree_id, archived.worktree_id])
    expect(await ids({ archived: false })).toEqual([never.worktree_id])
  })
})

// ---------------------------------------------------------------------------------------------
// messages
// ---------------------------------------------------------------------------------------------

describe('messages', () => {
  it('are listed by session in index order, page by page, whatever order they were written in', async () => {
    const s = await session()
    const other = await session()
    // written out of order; 10 and 11 sort after 9 as numbers, not as text
    const order = [3, 11, 0, 7, 1, 10, 5, 2, 9, 4, 8, 6]
    await store.service('messages').create(order.slice(0, 6).map((i) => userMessage(s.session_id, i)))
    for (const i of order.slice(6)) await store.service('messages').create(userMessage(s.session_id, i))
    await store.service('messages').create(userMessage(other.session_id, 0))

    const short = await store.shortId('sessions', s.session_id)
    const page = (skip: number) =>
      store
        .service('messages')
        .find({ query: { session_id: short, $sort: { index: 1 }, $limit: 5, $skip: skip } })
    const pages = await Promise.all([page(0), page(5), page(10)])
    expect(pages.map((p) => p.total)).toEqual([12, 12, 12])
    expect(pages.map((p) => p.data.map((m) => m.index))).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
      [10, 11]
    ])
    expect(pages.flatMap((p) => p.data.map((m) => m.content))).toEqual(
      Array.from({ length: 12 }, (_, i) => `message ${i}`)
    )
    expect(
      pages.every((p) => p.data.every((m) => m.session_id === s.session_id && m.status === 'sent'))
    ).toBe(true)

    // newest first, and a range of indexes
    const last = await store
      .service('messages')
      .find({ query: { session_id: s.session_id, $sort: { index: -1 }, $limit: 3 } })
    expect(last.data.map((m) => m.index)).toEqual([11, 10, 9])
    const range = await store.service('messages').find({
      query: { session_id: s.session_id, index: { $gte: 2, $lte: 5 }, $sort: { index: 1 } }
    })
    expect(range.data.map((m) => m.index)).toEqual([2, 3, 4, 5])
    // the column is an INTEGER column holding numbers
    const { rows } = await store.database.connection.execute({
      sql: 'SELECT typeof("index") AS t, count(*) AS n FROM messages WHERE session_id = ? GROUP BY 1',
      args: [s.session_id]
    })
    expect(rows.map((r) => [r.t, r.n])).toEqual([['integer', 12]])
  })

  it('keep an index unique within a session: a second one is a 409 and nothing is written; another session may use it', async () => {
    const s = await session()
    const other = await session()
    const first = await store.service('messages').create(userMessage(s.session_id, 3, 'the first'))

    const error = await failure(store.service('messages').create(userMessage(s.session_id, 3, 'the second')))
    expect(error.code).toBe(409)
    expect(error.message).toContain('session_id')
    expect(error.message).toContain('index')
    expect(error.data).toEqual({ fields: ['session_id', 'index'], values: [s.session_id, 3] })
    expect(await rowCount('messages', 'session_id = ?', [s.session_id])).toBe(1)
    expect((await store.service('messages').get(first.message_id)).content).toBe('the first')

    // within one array: none of it is written
    await expect(
      store
        .service('messages')
        .create([userMessage(s.session_id, 4), userMessage(s.session_id, 5), userMessage(s.session_id, 4)])
    ).rejects.toMatchObject({ code: 409 })
    expect(await rowCount('messages', 'session_id = ?', [s.session_id])).toBe(1)

    // moving a message onto a taken index is refused as well
    const fourth = await store.service('messages').create(userMessage(s.session_id, 4))
    await expect(store.service('messages').patch(fourth.message_id, { index: 3 })).rejects.toMatchObject({
      code: 409
    })
    expect((await store.service('messages').get(fourth.message_id)).index).toBe(4)

    const elsewhere = await store.service('messages').create(userMessage(other.session_id, 3))
    expect(elsewhere.index).toBe(3)
    expect(await rowCount('messages', '"index" = 3')).toBeGreaterThanOrEqual(2)
  })

  it('queue without an index, listed by queue position, and take their index when sent', async () => {
    const s = await session()
    await store.service('messages').create(userMessage(s.session_id, 0, 'hello'))
    // several queued messages of one session have no index: they do not collide
    const queued = await store.service('messages').create([
      { ...userMessage(s.session_id, undefined, 'third'), status: 'queued', queue_position: 3 },
      { ...userMessage(s.session_id, undefined, 'first'), status: 'queued', queue_position: 1 },
      { ...userMessage(s.session_id, undefined, 'second'), status: 'queued', queue_position: 2 }
    ])
    expect(queued.map((m) => m.index ?? null)).toEqual([null, null, null])

    const queue = async () =>
      (
        await store
          .service('messages')
          .find({ query: { session_id: s.session_id, status: 'queued', $sort: { queue_position: 1 } } })
      ).data.map((m) => m.content)
    expect(await queue()).toEqual(['first', 'second', 'third'])

    // the first one is sent: it takes the next index and leaves the queue
    const next = queued[1]!
    await store.service('messages').patch(next.message_id, { status: 'sent', index: 1, queue_position: null })
    expect(await queue()).toEqual(['second', 'third'])
    expect(await store.service('messages').get(next.message_id)).toMatchObject({
      status: 'sent',
      index: 1,
      queue_position: null,
      content: 'first'
    })
    const sent = await store
      .service('messages')
      .find({ query: { session_id: s.session_id, status: 'sent', $sort: { index: 1 } } })
    expect(sent.data.map((m) => m.content)).toEqual(['hello', 'first'])

    // a queue position is a positive whole number
    await expect(
      store
        .service('messages')
        .create({ ...userMessage(s.session_id, undefined), status: 'queued', queue_position: 0 })
    ).rejects.toMatchObject({ code: 400 })
    await expect(
      store
        .service('messages')
        .create({ ...userMessage(s.session_id, undefined), status: 'waiting' } as never)
    ).rejects.toMatchObject({ code: 400 })
    expect(await rowCount('messages', 'session_id = ?', [s.session_id])).toBe(4)
  })

  it('outlive their task (task_id is cleared) and go with their session', async () => {
    const s = await session()
    const t = await task(s.session_id)
    const taskShort = await store.shortId('tasks', t.task_id)
    const [inTask, alone] = await store
      .service('messages')
      .create([{ ...userMessage(s.session_id, 0), task_id: taskShort }, userMessage(s.session_id, 1)])
    expect(inTask!.task_id).toBe(t.task_id)
    expect(
      (await store.service('messages').find({ query: { task_id: taskShort } })).data.map((m) => m.message_id)
    ).toEqual([inTask!.message_id])

    await store.service('tasks').remove(t.task_id)
    const after = await store.service('messages').get(inTask!.message_id)
    expect(after.task_id).toBeNull()
    expect(after.updated_at > inTask!.updated_at).toBe(true)
    expect(after.content).toBe('message 0')
    expect(await rowCount('messages', 'message_id = ? AND task_id IS NULL', [inTask!.message_id])).toBe(1)

    await store.service('sessions').remove(s.session_id)
    expect(await isGone('messages', inTask!.message_id)).toBe(true)
    expect(await isGone('messages', alone!.message_id)).toBe(true)
    expect(await rowCount('messages', 'session_id = ?', [s.session_id])).toBe(0)
  })

  it('keep content as given: text, a list of blocks, a permission request', async () => {
    const s = await session()
    const blocks = [
      { type: 'thinking', thinking: 'let me look' },
      { type: 'text', text: 'Here is the fix' },
      { type: 'tool_use', id: 'toolu_1', name: 'Edit', input: { file: 'a.ts', lines: [1, 2] } }
    ]
    const request = { tool: 'Bash', command: 'rm -rf build', options: ['allow', 'deny'], nested: { a: null } }
    const text = 'Test "quotes", \'apostrophes\', \n newlines 世界 🌍'
    const [asText, asBlocks, asObject] = await store.service('messages').create([
      userMessage(s.session_id, 0, text),
      {
        session_id: s.session_id,
        index: 1,
        type: 'assistant',
        role: 'assistant',
        content: blocks,
        tool_uses: [{ id: 'toolu_1', name: 'Edit' }],
        metadata: { model: 'claude-sonnet', tokens: { input: 1000, output: 500 } }
      },
      {
        session_id: s.session_id,
        index: 2,
        type: 'permission_request',
        role: 'system',
        content: request
      }
    ])
    const read = async (id: string) => store.service('messages').get(id)
    expect((await read(asText!.message_id)).content).toBe(text)
    expect(await read(asBlocks!.message_id)).toMatchObject({
      content: blocks,
      tool_uses: [{ id: 'toolu_1', name: 'Edit' }],
      metadata: { model: 'claude-sonnet', tokens: { input: 1000, output: 500 } }
    })
    expect((await read(asObject!.message_id)).content).toEqual(request)

    // content of another kind is refused
    await expect(
      store.service('messages').create({ ...userMessage(s.session_id, 3), content: 42 } as never)
    ).rejects.toMatchObject({ code: 400 })
    await expect(
      store.service('messages').create({ ...userMessage(s.session_id, 3), role: 'robot' } as never)
    ).rejects.toMatchObject({ code: 400 })
    expect(await rowCount('messages', 'session_id = ?', [s.session_id])).toBe(3)
  })

  it('keep content_preview from their content: the first 200 characters, in step when the content changes', async () => {
    const s = await session()
    const long = `${'a'.repeat(150)} ${'b'.repeat(150)}`
    const [plain, blocks, short] = await store.service('messages').create([
      userMessage(s.session_id, 0, long),
      {
        ...userMessage(s.session_id, 1),
        content: [
          { type: 'image', source: 'x' },
          { type: 'text', text: 'from the first text block' }
        ]
      },
      userMessage(s.session_id, 2, 'short')
    ])
    expect((await store.service('messages').get(plain!.message_id)).content_preview).toBe(long.slice(0, 200))
    expect((await store.service('messages').get(blocks!.message_id)).content_preview).toBe(
      'from the first text block'
    )
    expect((await store.service('messages').get(short!.message_id)).content_preview).toBe('short')

    // the content changes: the preview follows
    await store.service('messages').patch(short!.message_id, { content: 'edited' })
    expect(await store.service('messages').get(short!.message_id)).toMatchObject({
      content: 'edited',
      content_preview: 'edited'
    })
    // a write that gives a preview keeps it, as agor does (its previews of tool results are not
    // the text's)
    await store
      .service('messages')
      .patch(short!.message_id, { content: 'again', content_preview: 'my preview' })
    expect((await store.service('messages').get(short!.message_id)).content_preview).toBe('my preview')
    // a patch of another field leaves it
    await store.service('messages').patch(short!.message_id, { metadata: { seen: true } })
    expect((await store.service('messages').get(short!.message_id)).content_preview).toBe('my preview')
    // an update without a preview derives it again
    const {
      message_id,
      created_at: _c,
      updated_at: _u,
      ...rest
    } = await store.service('messages').get(plain!.message_id)
    await store
      .service('messages')
      .update(message_id, { ...rest, content: 'replaced', content_preview: null })
    expect((await store.service('messages').get(message_id)).content_preview).toBe('replaced')

    // the cut never splits a character made of two UTF-16 units
    const emoji = await store
      .service('messages')
      .create(userMessage(s.session_id, 3, `${'x'.repeat(199)}😀 and more`))
    const preview = (await store.service('messages').get(emoji.message_id)).content_preview!
    expect(preview).toBe('x'.repeat(199))
    expect(preview).not.toMatch(/[\uD800-\uDBFF]$/)
  })

  it('are found over REST with a query string typed by its fields: index[$gte]=2', async () => {
    const served = await serve()
    try {
      const s = await served.store.service('sessions').create({ agent: 'claude-code' })
      const other = await served.store.service('sessions').create({ agent: 'claude-code' })
      await served.store
        .service('messages')
        .create(
          [10, 0, 2, 1, 3].map((i) => userMessage(s.session_id, i)).concat(userMessage(other.session_id, 5))
        )
      const short = await served.store.shortId('sessions', s.session_id)

      const found = await served.http('GET', `/messages?session_id=${short}&index[$gte]=2&$sort[index]=1`)
      expect(found.status).toBe(200)
      expect(found.body.total).toBe(3)
      expect(found.body.data.map((m: { index: number }) => m.index)).toEqual([2, 3, 10])
      expect(found.body.data.every((m: { session_id: string }) => m.session_id === s.session_id)).toBe(true)

      const exact = await served.http('GET', `/messages?session_id=${s.session_id}&index=10`)
      expect(exact.body.data.map((m: { content: string }) => m.content)).toEqual(['message 10'])
      const notANumber = await served.http('GET', `/messages?session_id=${s.session_id}&index=ten`)
      expect(notANumber.status).toBe(400)

      // a duplicate over REST is a 409 with the fields named
      const duplicate = await served.http('POST', '/messages', userMessage(s.session_id, 2))
      expect(duplicate.status).toBe(409)
      expect(duplicate.body.data).toEqual({ fields: ['session_id', 'index'], values: [s.session_id, 2] })
      const all = await served.store
        .service('messages')
        .find({ query: { session_id: s.session_id, $limit: 0 } })
      expect(all.total).toBe(5)
    } finally {
      await served.close()
    }
  })
})

// ---------------------------------------------------------------------------------------------
// MCP servers and their session links
// ---------------------------------------------------------------------------------------------

describe('mcp_servers', () => {
  it('store a server with its config, and refuse values outside their enums with a 400', async () => {
    const created = await store.service('mcp_servers').create({
      name: 'filesystem',
      display_name: 'Filesystem',
      transport: 'stdio',
      scope: 'global',
      source: 'user',
      enabled: true,
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
      env: { API_KEY: 'secret', DEBUG: 'true' },
      tools: [{ name: 'read_file', input_schema: { type: 'object' } }],
      resources: [],
      prompts: []
    })
    const short = await store.shortId('mcp_servers', created.mcp_server_id)
    expect(await store.service('mcp_servers').get(short)).toEqual(created)
    expect(created).toMatchObject({
      args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
      env: { API_KEY: 'secret', DEBUG: 'true' },
      tools: [{ name: 'read_file', input_schema: { type: 'object' } }],
      resources: []
    })

    const before = await rowCount('mcp_servers')
    for (const bad of [
      { transport: 'pigeon' },
      { scope: 'planet' },
      { source: 'somewhere' },
      { env: { PORT: 3000 } },
      { name: '' }
    ]) {
      const error = await failure(
        store
          .service('mcp_servers')
          .create({ name: 'x', transport: 'http', scope: 'global', ...bad } as never)
      )
      expect(error.code, JSON.stringify(bad)).toBe(400)
      expect(error.message, JSON.stringify(bad)).toContain(Object.keys(bad)[0]!)
    }
    expect(await rowCount('mcp_servers')).toBe(before)
    await expect(
      store.service('mcp_servers').patch(short, { transport: 'carrier' } as never)
    ).rejects.toMatchObject({
      code: 400
    })
    expect((await store.service('mcp_servers').get(short)).transport).toBe('stdio')
  })

  it('of a session or a repo go with it; global ones stay', async () => {
    const r = await repo()
    const s = await session()
    const [global, ofRepo, ofSession] = await store.service('mcp_servers').create([
      { name: unique('global'), transport: 'http', url: 'https://mcp.example', scope: 'global' },
      {
        name: unique('repo'),
        transport: 'stdio',
        scope: 'repo',
        repo_id: await store.shortId('repos', r.repo_id)
      },
      { name: unique('session'), transport: 'sse', scope: 'session', session_id: s.session_id }
    ])
    expect(ofRepo!.repo_id).toBe(r.repo_id)
    const byScope = await store
      .service('mcp_servers')
      .find({ query: { scope: 'session', session_id: s.session_id } })
    expect(byScope.data.map((m) => m.mcp_server_id)).toEqual([ofSession!.mcp_server_id])

    await store.service('sessions').remove(s.session_id)
    expect(await isGone('mcp_servers', ofSession!.mcp_server_id)).toBe(true)
    expect(await isGone('mcp_servers', ofRepo!.mcp_server_id)).toBe(false)

    await store.service('repos').remove(r.repo_id)
    expect(await isGone('mcp_servers', ofRepo!.mcp_server_id)).toBe(true)
    expect((await store.service('mcp_servers').get(global!.mcp_server_id)).scope).toBe('global')
  })

  it('are found by $search in name, display name and description', async () => {
    const [github, linear] = await store.service('mcp_servers').create([
      {
        name: 'github-tools',
        display_name: 'GitHub',
        description: 'Pull requests and issues',
        transport: 'http',
        scope: 'global'
      },
      {
        name: 'linear',
        description: 'Tickets, cycles and roadmaps',
        transport: 'http',
        scope: 'team',
        team_id: 't1'
      }
    ])
    const search = async (text: string) =>
      (await store.service('mcp_servers').find({ query: { $search: text } })).data.map((m) => m.mcp_server_id)
    expect(await search('roadmaps')).toEqual([linear!.mcp_server_id])
    expect(await search('pull requests')).toEqual([github!.mcp_server_id])
    expect(await search('github')).toEqual([github!.mcp_server_id])
    expect(await search('ticket*')).toEqual([linear!.mcp_server_id])
    expect(await search('kubernetes')).toEqual([])
    // a search combines with other conditions
    const teamOnly = await store.service('mcp_servers').find({ query: { $search: 'github', scope: 'team' } })
    expect(teamOnly.total).toBe(0)
  })
})

describe('session_mcp_servers', () => {
  it('link a session to a server once: a second link of the pair is a 409, and nothing is written', async () => {
    const s = await session()
    const other = await session()
    const server = await store
      .service('mcp_servers')
      .create({ name: unique('link'), transport: 'stdio', scope: 'global' })
    const link = await store.service('session_mcp_servers').create({
      session_id: await store.shortId('sessions', s.session_id),
      mcp_server_id: await store.shortId('mcp_servers', server.mcp_server_id),
      enabled: true
    })
    expect(link).toMatchObject({
      session_id: s.session_id,
      mcp_server_id: server.mcp_server_id,
      enabled: true
    })

    const error = await failure(
      store
        .service('session_mcp_servers')
        .create({ session_id: s.session_id, mcp_server_id: server.mcp_server_id })
    )
    expect(error.code).toBe(409)
    expect(error.data).toEqual({
      fields: ['session_id', 'mcp_server_id'],
      values: [s.session_id, server.mcp_server_id]
    })
    expect(await rowCount('session_mcp_servers', 'session_id = ?', [s.session_id])).toBe(1)

    // the same server for another session is another pair
    await store
      .service('session_mcp_servers')
      .create({ session_id: other.session_id, mcp_server_id: server.mcp_server_id, enabled: true })
    // toggled off and on, the link stays one
    await store.service('session_mcp_servers').patch(link.link_id, { enabled: false })
    const enabled = await store
      .service('session_mcp_servers')
      .find({ query: { mcp_server_id: server.mcp_server_id, enabled: true } })
    expect(enabled.data.map((l) => l.session_id)).toEqual([other.session_id])
    expect((await store.service('session_mcp_servers').get(link.link_id)).enabled).toBe(false)
  })

  it('go with their session and with their server', async () => {
    const a = await session()
    const b = await session()
    const [one, two] = await store.service('mcp_servers').create([
      { name: unique('one'), transport: 'stdio', scope: 'global' },
      { name: unique('two'), transport: 'stdio', scope: 'global' }
    ])
    await store.service('session_mcp_servers').create([
      { session_id: a.session_id, mcp_server_id: one!.mcp_server_id },
      { session_id: a.session_id, mcp_server_id: two!.mcp_server_id },
      { session_id: b.session_id, mcp_server_id: one!.mcp_server_id },
      { session_id: b.session_id, mcp_server_id: two!.mcp_server_id }
    ])
    const pairs = async () =>
      (
        await store.service('session_mcp_servers').find({
          paginate: false,
          query: { session_id: { $in: [a.session_id, b.session_id] } }
        })
      )
        .map(
          (l) =>
            `${l.session_id === a.session_id ? 'a' : 'b'}-${l.mcp_server_id === one!.mcp_server_id ? 1 : 2}`
        )
        .sort()
    expect(await pairs()).toEqual(['a-1', 'a-2', 'b-1', 'b-2'])

    await store.service('mcp_servers').remove(one!.mcp_server_id)
    expect(await pairs()).toEqual(['a-2', 'b-2'])
    await store.service('sessions').remove(a.session_id)
    expect(await pairs()).toEqual(['b-2'])
    expect(await isGone('mcp_servers', two!.mcp_server_id)).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// boards: objects and comments
// ---------------------------------------------------------------------------------------------

describe('board_objects', () => {
  it('need a position of two numbers; negative and fractional coordinates are kept', async () => {
    const b = await board()
    const wt = await worktree((await repo()).repo_id)
    const placed = await store.service('board_objects').create({
      board_id: await store.shortId('boards', b.board_id),
      worktree_id: await store.shortId('worktrees', wt.worktree_id),
      position: { x: -150.5, y: 0 },
      zone_id: 'zone-ready'
    })
    expect(await store.service('board_objects').get(placed.object_id)).toMatchObject({
      board_id: b.board_id,
      worktree_id: wt.worktree_id,
      position: { x: -150.5, y: 0 },
      zone_id: 'zone-ready'
    })

    for (const position of [undefined, null, { x: 1 }, { x: '1', y: 2 }, { x: 1, y: 2, z: 3 }, [1, 2]]) {
      await expect(
        store
          .service('board_objects')
          .create({ board_id: b.board_id, worktree_id: wt.worktree_id, position } as never),
        JSON.stringify(position)
      ).rejects.toMatchObject({ code: 400, message: expect.stringContaining('position') })
    }
    expect(await rowCount('board_objects', 'board_id = ?', [b.board_id])).toBe(1)

    // moved: the position is replaced whole (x and y), the zone stays
    await store.service('board_objects').patch(placed.object_id, { position: { x: 10, y: 20 } })
    expect(await store.service('board_objects').get(placed.object_id)).toMatchObject({
      position: { x: 10, y: 20 },
      zone_id: 'zone-ready'
    })
    // a patch merges into the stored position (as into every nested object); the result is validated
    await store.service('board_objects').patch(placed.object_id, { position: { x: 5 } } as never)
    expect((await store.service('board_objects').get(placed.object_id)).position).toEqual({ x: 5, y: 20 })
    for (const position of [{ x: 'left' }, { z: 1 }, null]) {
      await expect(
        store.service('board_objects').patch(placed.object_id, { position } as never),
        JSON.stringify(position)
      ).rejects.toMatchObject({ code: 400 })
    }
    expect((await store.service('board_objects').get(placed.object_id)).position).toEqual({ x: 5, y: 20 })
    await store.service('board_objects').patch(placed.object_id, { zone_id: null })
    expect((await store.service('board_objects').get(placed.object_id)).zone_id).toBeNull()
  })

  it('go with their board and with their worktree', async () => {
    const r = await repo()
    const [b1, b2] = [await board(), await board()]
    const [w1, w2, w3] = [await worktree(r.repo_id), await worktree(r.repo_id), await worktree(r.repo_id)]
    const [onB1W1, onB1W2, onB2W2] = await store.service('board_objects').create([
      { board_id: b1.board_id, worktree_id: w1.worktree_id, position: { x: 0, y: 0 } },
      { board_id: b1.board_id, worktree_id: w2.worktree_id, position: { x: 100, y: 0 } },
      { board_id: b2.board_id, worktree_id: w3.worktree_id, position: { x: 0, y: 100 } }
    ])
    // a worktree sits on one board, once
    await expect(
      store
        .service('board_objects')
        .create({ board_id: b2.board_id, worktree_id: w1.worktree_id, position: { x: 1, y: 1 } })
    ).rejects.toMatchObject({ code: 409, data: { field: 'worktree_id' } })

    await store.service('worktrees').remove(w1.worktree_id)
    expect(await isGone('board_objects', onB1W1!.object_id)).toBe(true)
    expect(await isGone('board_objects', onB1W2!.object_id)).toBe(false)

    await store.service('boards').remove(b1.board_id)
    expect(await isGone('board_objects', onB1W2!.object_id)).toBe(true)
    expect((await store.service('board_objects').get(onB2W2!.object_id)).board_id).toBe(b2.board_id)
    expect(await rowCount('board_objects', 'board_id = ?', [b1.board_id])).toBe(0)
  })
})

describe('board_comments', () => {
  it('keep a thread: removing its root removes the replies', async () => {
    const b = await board()
    const root = await store.service('board_comments').create({
      board_id: b.board_id,
      content: 'Should we ship this?',
      created_by: 'alice',
      position: { absolute: { x: 100, y: 200 } }
    })
    const rootShort = await store.shortId('board_comments', root.comment_id)
    const replies = await store.service('board_comments').create([
      { board_id: b.board_id, content: 'Yes', parent_comment_id: rootShort, created_by: 'bob' },
      { board_id: b.board_id, content: 'Not yet', parent_comment_id: root.comment_id, created_by: 'carol' }
    ])
    const other = await store.service('board_comments').create({ board_id: b.board_id, content: 'unrelated' })
    const thread = await store
      .service('board_comments')
      .find({ query: { parent_comment_id: root.comment_id, $sort: { created_at: 1 } } })
    expect(thread.data.map((c) => [c.content, c.created_by])).toEqual([
      ['Yes', 'bob'],
      ['Not yet', 'carol']
    ])
    // (the replies may share that prefix now: a short id is unique when it is made)
    const rootShortNow = await store.shortId('board_comments', root.comment_id)
    expect((await store.service('board_comments').get(rootShortNow)).position).toEqual({
      absolute: { x: 100, y: 200 }
    })

    await store.service('board_comments').remove(rootShortNow)
    for (const reply of replies) expect(await isGone('board_comments', reply.comment_id)).toBe(true)
    expect((await store.service('board_comments').get(other.comment_id)).content).toBe('unrelated')
    expect(await rowCount('board_comments', 'parent_comment_id = ?', [root.comment_id])).toBe(0)
  })

  it('outlive the session, task or message they are about (the link is cleared), not their worktree', async () => {
    const b = await board()
    const wt = await worktree((await repo()).repo_id)
    const s = await session()
    const t = await task(s.session_id)
    const m = await store.service('messages').create({ ...userMessage(s.session_id, 0), task_id: t.task_id })
    const comment = (content: string, links: Record<string, string>) =>
      store.service('board_comments').create({ board_id: b.board_id, content, ...links })
    const onMessage = await comment('on the message', { message_id: m.message_id })
    const onTask = await comment('on the task', { task_id: t.task_id })
    const onAll = await comment('on all three', {
      session_id: s.session_id,
      task_id: t.task_id,
      message_id: m.message_id
    })
    const onWorktree = await comment('on the worktree', { worktree_id: wt.worktree_id })

    await store.service('messages').remove(m.message_id)
    expect(await store.service('board_comments').get(onMessage.comment_id)).toMatchObject({
      content: 'on the message',
      message_id: null
    })
    expect((await store.service('board_comments').get(onAll.comment_id)).task_id).toBe(t.task_id)

    await store.service('tasks').remove(t.task_id)
    expect(await store.service('board_comments').get(onTask.comment_id)).toMatchObject({
      content: 'on the task',
      task_id: null
    })

    await store.service('sessions').remove(s.session_id)
    expect(await store.service('board_comments').get(onAll.comment_id)).toMatchObject({
      content: 'on all three',
      session_id: null,
      task_id: null,
      message_id: null,
      board_id: b.board_id
    })
    expect(
      await rowCount('board_comments', 'comment_id = ? AND session_id IS NULL AND task_id IS NULL', [
        onAll.comment_id
      ])
    ).toBe(1)

    await store.service('worktrees').remove(wt.worktree_id)
    expect(await isGone('board_comments', onWorktree.comment_id)).toBe(true)
    // the board takes the rest with it
    await store.service('boards').remove(b.board_id)
    expect(await rowCount('board_comments', 'board_id = ?', [b.board_id])).toBe(0)
  })

  it('take reactions of a user and an emoji, and refuse others', async () => {
    const b = await board()
    const c = await store.service('board_comments').create({
      board_id: b.board_id,
      content: 'nice',
      reactions: [
        { user_id: 'alice', emoji: '👍' },
        { user_id: 'bob', emoji: '🎉' }
      ],
      mentions: ['carol']
    })
    expect((await store.service('board_comments').get(c.comment_id)).reactions).toEqual([
      { user_id: 'alice', emoji: '👍' },
      { user_id: 'bob', emoji: '🎉' }
    ])
    for (const reactions of [
      [{ user_id: 'alice' }],
      [{ user_id: 'alice', emoji: '' }],
      [{ user_id: 'alice', emoji: '  ' }],
      [{ user_id: 'alice', emoji: 'x'.repeat(65) }],
      [{ user_id: 'alice', emoji: '👍', count: 2 }],
      [{ user_id: 7, emoji: '👍' }],
      ['👍']
    ]) {
      await expect(
        store.service('board_comments').patch(c.comment_id, { reactions } as never),
        JSON.stringify(reactions)
      ).rejects.toMatchObject({ code: 400, message: expect.stringContaining('reactions') })
    }
    expect((await store.service('board_comments').get(c.comment_id)).reactions).toHaveLength(2)
    // a patch replaces the list
    await store
      .service('board_comments')
      .patch(c.comment_id, { reactions: [{ user_id: 'bob', emoji: '🎉' }] })
    expect((await store.service('board_comments').get(c.comment_id)).reactions).toEqual([
      { user_id: 'bob', emoji: '🎉' }
    ])
  })

  it('keep a preview of their content, in step with it, and are found by $search on it', async () => {
    const b = await board()
    const long = `${'word '.repeat(50)}end`
    const [first, second] = await store.service('board_comments').create([
      { board_id: b.board_id, content: 'The login button overlaps the footer on mobile' },
      { board_id: b.board_id, content: long }
    ])
    expect((await store.service('board_comments').get(first!.comment_id)).content_preview).toBe(
      'The login button overlaps the footer on mobile'
    )
    // agor's rule for comments: the first 200 characters, and `...` when there is more
    expect((await store.service('board_comments').get(second!.comment_id)).content_preview).toBe(
      `${long.slice(0, 200)}...`
    )

    const search = async (text: string) =>
      (
        await store.service('board_comments').find({ query: { $search: text, board_id: b.board_id } })
      ).data.map((c) => c.comment_id)
    expect(await search('login footer')).toEqual([first!.comment_id])
    expect(await search('overlap*')).toEqual([first!.comment_id])
    expect(await search('header')).toEqual([])

    await store
      .service('board_comments')
      .patch(first!.comment_id, { content: 'Fixed the header', edited: true })
    expect(await store.service('board_comments').get(first!.comment_id)).toMatchObject({
      content: 'Fixed the header',
      content_preview: 'Fixed the header',
      edited: true
    })
    expect(await search('header')).toEqual([first!.comment_id])
    expect(await search('login')).toEqual([])
    // content is required (agor keeps comments without text: a reaction, a pin)
    const blank = await store.service('board_comments').patch(first!.comment_id, { content: '' })
    expect((await store.service('board_comments').get(blank.comment_id)).content_preview).toBe('')
    await expect(
      store.service('board_comments').create({ board_id: b.board_id } as never)
    ).rejects.toMatchObject({
      code: 400
    })
  })
})

// ---------------------------------------------------------------------------------------------
// agor's fields on sessions, tasks, boards and repos
// ---------------------------------------------------------------------------------------------

describe('agor’s fields on sessions, tasks, boards and repos', () => {
  it('sessions keep their worktree, board, archive state, configs and genealogy points', async () => {
    const r = await repo()
    const wt = await worktree(r.repo_id)
    const b = await board()
    const created = await store.service('sessions').create({
      agent: 'claude-code',
      status: 'awaiting_permission',
      worktree_id: await store.shortId('worktrees', wt.worktree_id),
      board_id: await store.shortId('boards', b.board_id),
      created_by: 'alice',
      agent_version: '1.0.3',
      sdk_session_id: 'sdk-123',
      model_config: { model: 'claude-sonnet', thinking: { budget: 1024 } },
      permission_config: { mode: 'acceptEdits', allowed_tools: ['Read'] },
      genealogy: { fork_point_task_id: 'task-1', fork_point_message_index: 12 },
      context_files: ['CLAUDE.md', 'docs/design.md'],
      message_count: 3,
      ready_for_prompt: true,
      scheduled_run_at: '2026-12-24T08:00:00.000Z',
      archived: true,
      archived_reason: 'manual'
    })
    const read = await store.service('sessions').get(created.session_id)
    expect(read).toEqual(created)
    expect(read).toMatchObject({
      status: 'awaiting_permission',
      worktree_id: wt.worktree_id,
      board_id: b.board_id,
      model_config: { model: 'claude-sonnet', thinking: { budget: 1024 } },
      genealogy: { fork_point_task_id: 'task-1', fork_point_message_index: 12 },
      context_files: ['CLAUDE.md', 'docs/design.md'],
      archived: true,
      archived_reason: 'manual'
    })
    expect(
      await rowCount('sessions', 'session_id = ? AND worktree_id = ? AND board_id = ?', [
        created.session_id,
        wt.worktree_id,
        b.board_id
      ])
    ).toBe(1)

    // by worktree, and by the archive flag
    const ofWorktree = await store
      .service('sessions')
      .find({ query: { worktree_id: wt.worktree_id, archived: true } })
    expect(ofWorktree.data.map((s) => s.session_id)).toEqual([created.session_id])

    for (const bad of [
      { archived_reason: 'bored' },
      { message_count: -1 },
      { scheduled_run_at: 'tomorrow' },
      { status: 'stopped' },
      { worktree_id: 'ffffffff-ffff-7fff-bfff-ffffffffffff' }
    ]) {
      await expect(
        store.service('sessions').patch(created.session_id, bad as never),
        JSON.stringify(bad)
      ).rejects.toMatchObject({ code: 400 })
    }
    expect(await store.service('sessions').get(created.session_id)).toEqual(read)
  })

  it('tasks keep started_at and agor’s statuses; stopped, like completed and failed, sets completed_at', async () => {
    const s = await session()
    const startedAt = '2026-11-30T10:00:00.000Z'
    const t = await store.service('tasks').create({
      session_id: s.session_id,
      status: 'running',
      started_at: startedAt,
      agent_session_id: 'agent-1',
      context_window: 200000,
      permission_request: { tool: 'Bash', input: { command: 'ls' } }
    })
    expect(t.completed_at ?? null).toBeNull()
    expect(await store.service('tasks').get(t.task_id)).toMatchObject({
      status: 'running',
      started_at: startedAt,
      agent_session_id: 'agent-1',
      context_window: 200000,
      permission_request: { tool: 'Bash', input: { command: 'ls' } }
    })

    for (const status of ['awaiting_permission', 'stopping'] as const) {
      await store.service('tasks').patch(t.task_id, { status })
      const read = await store.service('tasks').get(t.task_id)
      expect(read.status).toBe(status)
      expect(read.completed_at ?? null, status).toBeNull()
    }

    const stopped = await store.service('tasks').patch(t.task_id, { status: 'stopped' })
    const read = await store.service('tasks').get(t.task_id)
    expect(read.status).toBe('stopped')
    expect(read.completed_at).toBe(stopped.updated_at)
    expect(read.started_at).toBe(startedAt)

    // kept while it stays finished, cleared when it runs again
    await store.service('tasks').patch(t.task_id, { report: 'stopped by the user' })
    expect((await store.service('tasks').get(t.task_id)).completed_at).toBe(stopped.updated_at)
    await store.service('tasks').patch(t.task_id, { status: 'running' })
    expect((await store.service('tasks').get(t.task_id)).completed_at ?? null).toBeNull()

    // a task created stopped is finished from the start
    const already = await store.service('tasks').create({ session_id: s.session_id, status: 'stopped' })
    expect((await store.service('tasks').get(already.task_id)).completed_at).toBe(already.created_at)

    await expect(
      store.service('tasks').patch(t.task_id, { status: 'paused' } as never)
    ).rejects.toMatchObject({
      code: 400
    })
    await expect(store.service('tasks').patch(t.task_id, { started_at: 'noon' })).rejects.toMatchObject({
      code: 400
    })
  })

  it('a board slug is unique (a 409 naming the slug), several boards may have none; a repo keeps its environment config', async () => {
    const first = await store.service('boards').create({ name: 'Release', slug: 'release' })
    const error = await failure(store.service('boards').create({ name: 'Another', slug: 'release' }))
    expect(error).toMatchObject({ code: 409, data: { field: 'slug', value: 'release' } })
    expect(await rowCount('boards', 'slug = ?', ['release'])).toBe(1)
    const [a, b] = await store.service('boards').create([{ name: 'no slug a' }, { name: 'no slug b' }])
    expect([a!.slug ?? null, b!.slug ?? null]).toEqual([null, null])
    expect(
      (await store.service('boards').find({ query: { slug: 'release' } })).data.map((x) => x.board_id)
    ).toEqual([first.board_id])

    const environment_config = {
      up_command: 'docker compose up -d',
      down_command: 'docker compose down',
      health_check: { type: 'http', url_template: 'http://localhost:{{port}}/health' },
      template_vars: ['port']
    }
    const r = await store.service('repos').create({ slug: unique('org/env'), environment_config })
    expect((await store.service('repos').get(r.repo_id)).environment_config).toEqual(environment_config)
    await store.service('repos').patch(r.repo_id, { environment_config: { up_command: 'make up' } })
    expect((await store.service('repos').get(r.repo_id)).environment_config).toEqual({
      ...environment_config,
      up_command: 'make up'
    })
  })
})

// ---------------------------------------------------------------------------------------------
// what clients of a daemon hear of a cascade
// ---------------------------------------------------------------------------------------------

describe('a cascade, served', () => {
  it('is an event per document it removed or changed, so that live boards stay in step', async () => {
    const served = await serve()
    try {
      const { store: s } = served
      const client = await served.client('socketio')
      const heard: { name: string; event: string; data: Record<string, unknown> }[] = []
      const names = ['worktrees', 'sessions', 'tasks', 'messages', 'board_objects', 'board_comments'] as const
      for (const name of names) {
        for (const event of ['removed', 'updated', 'patched'])
          client.app
            .service(name)
            .on(event, (data: Record<string, unknown>) => heard.push({ name, event, data }))
      }
      const r = await s.service('repos').create({ slug: 'org/served' })
      const b = await s.service('boards').create({ name: 'served' })
      const wt = await s.service('worktrees').create({ repo_id: r.repo_id, name: 'w', ref: 'main' })
      const other = await s.service('sessions').create({ agent: 'claude-code' })
      const sess = await s.service('sessions').create({ agent: 'claude-code', worktree_id: wt.worktree_id })
      const t = await s.service('tasks').create({ session_id: sess.session_id })
      const m = await s.service('messages').create({ ...userMessage(sess.session_id, 0), task_id: t.task_id })
      const placed = await s
        .service('board_objects')
        .create({ board_id: b.board_id, worktree_id: wt.worktree_id, position: { x: 0, y: 0 } })
      const onWorktree = await s
        .service('board_comments')
        .create({ board_id: b.board_id, content: 'on the worktree', worktree_id: wt.worktree_id })
      const onMessage = await s.service('board_comments').create({
        board_id: b.board_id,
        content: 'on the message',
        message_id: m.message_id,
        session_id: other.session_id
      })

      await s.service('repos').remove(r.repo_id)

      const removed = (name: string, id: string) =>
        heard.some((h) => h.name === name && h.event === 'removed' && Object.values(h.data).includes(id))
      const expected: [string, string][] = [
        ['worktrees', wt.worktree_id],
        ['sessions', sess.session_id],
        ['tasks', t.task_id],
        ['messages', m.message_id],
        ['board_objects', placed.object_id],
        ['board_comments', onWorktree.comment_id]
      ]
      const cleared = () =>
        heard.find(
          (h) =>
            h.name === 'board_comments' &&
            h.event !== 'removed' &&
            h.data.comment_id === onMessage.comment_id &&
            h.data.message_id === null
        )
      await waitFor(
        () => expected.every(([name, id]) => removed(name, id)) && cleared() !== undefined,
        `the cascade's events (heard: ${JSON.stringify(heard.map((h) => `${h.name} ${h.event}`))})`
      )
      // the comment kept its session link: only the removed message's is cleared
      expect(cleared()!.data).toMatchObject({ content: 'on the message', session_id: other.session_id })
      expect(await s.service('board_comments').get(onMessage.comment_id)).toMatchObject({
        message_id: null,
        session_id: other.session_id
      })
      // the session that was not in the repo heard nothing
      expect(heard.filter((h) => h.data.session_id === other.session_id && h.name === 'sessions')).toEqual([])
    } finally {
      await served.close()
    }
  })
})

// ---------------------------------------------------------------------------------------------
// a database of the version before these tables
// ---------------------------------------------------------------------------------------------

describe('a database from before agor’s model', () => {
  it('opens with its sessions and tasks, its store views and triggers made again', async () => {
    const S1 = '0199b73d-0000-7000-8000-00000000d001'
    const S2 = '0199b73d-0000-7000-8000-00000000d002'
    const T1 = '0199b73d-0000-7000-8000-00000000d003'
    const path = legacyDatabase((db) => {
      db.exec(`INSERT INTO sessions (session_id, status, created_at, updated_at, data) VALUES
        ('${S1}', 'running', 1000, 1000, '{"agent":"claude-code","title":"old one"}'),
        ('${S2}', 'idle', 2000, 2000, '{"agent":"codex","title":"old two"}')`)
      db.exec(`UPDATE sessions SET parent_session_id = '${S1}' WHERE session_id = '${S2}'`)
      db.exec(`INSERT INTO tasks (task_id, status, created_at, updated_at, session_id, data) VALUES
        ('${T1}', 'completed', 1500, 1500, '${S1}', '{"description":"old task","completed_at":"1970-01-01T00:00:01.500Z"}')`)
      // what the store of the time kept: a view and a trigger of its own on sessions
      db.exec('CREATE VIEW agor_old_sessions_view AS SELECT session_id, data FROM sessions')
      db.exec(
        'CREATE TRIGGER agor_old_sessions_trigger AFTER UPDATE ON sessions BEGIN SELECT json_valid(NEW.data); END'
      )
    })
    const upgraded = await openStore({ url: `file:${path}`, auth: false })
    try {
      const sessions = await upgraded
        .service('sessions')
        .find({ paginate: false, query: { $sort: { created_at: 1 } } })
      expect(sessions.map((s) => [s.session_id, s.status, s.title, s.parent_session_id])).toEqual([
        [S1, 'running', 'old one', null],
        [S2, 'idle', 'old two', S1]
      ])
      expect(sessions.map((s) => [s.worktree_id ?? null, s.board_id ?? null])).toEqual([
        [null, null],
        [null, null]
      ])
      expect(await upgraded.service('tasks').get(T1)).toMatchObject({
        session_id: S1,
        status: 'completed',
        description: 'old task'
      })
      const { rows } = await upgraded.database.connection.execute(
        "SELECT name FROM sqlite_master WHERE name IN ('agor_old_sessions_view', 'agor_old_sessions_trigger')"
      )
      expect(rows).toEqual([])

      // the new collections work on it, with the old sessions
      const r = await upgraded.service('repos').create({ slug: 'org/legacy' })
      const wt = await upgraded.service('worktrees').create({ repo_id: r.repo_id, name: 'main', ref: 'main' })
      await upgraded.service('sessions').patch(S1, { worktree_id: wt.worktree_id, archived: false })
      await upgraded.service('messages').create(userMessage(S1, 0, 'hello again'))
      expect((await upgraded.service('sessions').get(S1)).worktree_id).toBe(wt.worktree_id)
      expect((await upgraded.service('messages').find({ query: { session_id: S1 } })).data[0]?.content).toBe(
        'hello again'
      )
      await upgraded.service('tasks').patch(T1, { status: 'stopped' })
      expect((await upgraded.service('tasks').get(T1)).status).toBe('stopped')
    } finally {
      await upgraded.close()
    }
    // and opens again as it is
    const again = await openStore({ url: `file:${path}`, auth: false })
    try {
      expect((await again.service('sessions').find({ query: { $limit: 0 } })).total).toBe(2)
    } finally {
      await again.close()
    }
    const db = new Libsql(path)
    try {
      const integrity = db.prepare('PRAGMA foreign_key_check').all()
      expect(integrity).toEqual([])
    } finally {
      db.close()
    }
  })
})

// ---------------------------------------------------------------------------------------------
// the command line
// ---------------------------------------------------------------------------------------------

describe('agor’s model on the command line', () => {
  it('agor worktree list shows worktrees by short id, with their repo, and filters by --repo', async () => {
    const { path, db } = tempDb()
    const file = await openFile(path)
    const [one, two] = await file.service('repos').create([{ slug: 'org/one' }, { slug: 'org/two' }])
    const wt = await file.service('worktrees').create({ repo_id: one!.repo_id, name: 'feat', ref: 'main' })
    await file.service('worktrees').create({ repo_id: two!.repo_id, name: 'other', ref: 'dev' })
    const short = await file.shortId('worktrees', wt.worktree_id)
    const repoShort = await file.shortId('repos', one!.repo_id)

    const all = await agor([...db, 'worktree', 'list'])
    expect(all.code).toBe(0)
    expect(all.stderr).toBe('')
    expect(all.stdout).toContain('feat (main)')
    expect(all.stdout).toContain('other (dev)')
    expect(all.stdout).toContain('Showing 1-2 of 2 worktrees')

    const filtered = await agor([...db, 'worktree', 'list', '--repo', repoShort])
    expect(filtered.code).toBe(0)
    expect(listedIds(filtered.stdout)).toEqual([short])
    expect(filtered.stdout).toContain('Showing 1-1 of 1 worktree\n')

    const shown = await agor([...db, 'worktree', 'show', short, '--json'])
    expect(json(shown)).toEqual(await file.service('worktrees').get(wt.worktree_id))
  })

  it('agor message list --session <short id> --sort index --json prints the page in index order', async () => {
    const { path, db } = tempDb()
    const file = await openFile(path)
    const s = await file.service('sessions').create({ agent: 'claude-code' })
    const other = await file.service('sessions').create({ agent: 'claude-code' })
    await file.service('messages').create([2, 10, 0, 1].map((i) => userMessage(s.session_id, i)))
    await file.service('messages').create(userMessage(other.session_id, 0))
    const short = await file.shortId('sessions', s.session_id)

    const result = await agor([...db, 'message', 'list', '--session', short, '--sort', 'index', '--json'])
    const page = json<{
      total: number
      limit: number
      skip: number
      data: { index: number; session_id: string }[]
    }>(result)
    expect(page).toMatchObject({ total: 4, limit: 50, skip: 0 })
    expect(page.data.map((m) => m.index)).toEqual([0, 1, 2, 10])
    expect(page.data.every((m) => m.session_id === s.session_id)).toBe(true)
    const descending = json<{ data: { index: number }[] }>(
      await agor([...db, 'message', 'list', '--session', short, '--sort', '-index', '--json'])
    )
    expect(descending.data.map((m) => m.index)).toEqual([10, 2, 1, 0])
    // --where compares the index as a number (text would put "10" before "2")
    const from2 = json<{ data: { index: number }[] }>(
      await agor([
        ...db,
        'message',
        'list',
        '--session',
        short,
        '--where',
        'index>=2',
        '--sort',
        'index',
        '--json'
      ])
    )
    expect(from2.data.map((m) => m.index)).toEqual([2, 10])
  })

  it('agor board-comment create --board <id> --data stores the comment with its preview', async () => {
    const { path, db } = tempDb()
    const file = await openFile(path)
    const b = await file.service('boards').create({ name: 'Release' })
    const boardShort = await file.shortId('boards', b.board_id)

    const result = await agor([
      ...db,
      'board-comment',
      'create',
      '--board',
      boardShort,
      '--data',
      '{"content":"hi"}'
    ])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    const comments = await file.service('board_comments').find({ paginate: false })
    expect(comments).toHaveLength(1)
    expect(comments[0]).toMatchObject({ board_id: b.board_id, content: 'hi', content_preview: 'hi' })
    const short = await file.shortId('board_comments', comments[0]!.comment_id)
    expect(result.stdout).toBe(`Created board-comment ${short} (${comments[0]!.comment_id}): hi\n`)
  })

  it('refuses a value outside an enum: exit 2 for a flag’s choices, exit 1 (validation) in --data; nothing written', async () => {
    const { path, db } = tempDb()
    const file = await openFile(path)
    const s = await file.service('sessions').create({ agent: 'claude-code' })
    const short = await file.shortId('sessions', s.session_id)
    const data = '{"type":"user","role":"user","content":"x"}'

    const flag = await agor([
      ...db,
      'message',
      'create',
      '--session',
      short,
      '--status',
      'sleeping',
      '--data',
      data
    ])
    expect(flag.code).toBe(2)
    expect(flag.stdout).toBe('')
    expect(flag.stderr).toContain('sleeping')
    expect(flag.stderr).toContain('Usage: agor message create')

    const inData = await agor([
      ...db,
      'message',
      'create',
      '--session',
      short,
      '--data',
      '{"type":"robot","role":"user","content":"x"}'
    ])
    expect(inData.code).toBe(1)
    expect(inData.stdout).toBe('')
    expect(inData.stderr).toMatch(/^error: Invalid message: type: /)

    const server = await agor([
      ...db,
      'mcp-server',
      'create',
      '--data',
      '{"name":"x","transport":"pigeon","scope":"global"}',
      '--json'
    ])
    expect(server.code).toBe(1)
    expect(JSON.parse(server.stderr)).toMatchObject({ code: 400, name: 'BadRequest' })

    expect(await file.service('messages').find({ paginate: false })).toEqual([])
    expect(await file.service('mcp_servers').find({ paginate: false })).toEqual([])
  })
})

describe('what the store keeps in step on messages and comments', () => {
  it('ties a message’s index to its status: queued without one, sent with one', async () => {
    const s = await session()
    const queuedWithIndex = await failure(
      store
        .service('messages')
        .create({ ...userMessage(s.session_id, 0), status: 'queued', queue_position: 1 })
    )
    expect(queuedWithIndex).toMatchObject({
      code: 400,
      message: expect.stringMatching(/queued message has no index/)
    })
    const sentWithout = await failure(store.service('messages').create(userMessage(s.session_id, undefined)))
    expect(sentWithout).toMatchObject({
      code: 400,
      message: expect.stringMatching(/sent message needs its index/)
    })
    expect(await rowCount('messages', 'session_id = ?', [s.session_id])).toBe(0)
    // sent once it has its place
    const queued = await store
      .service('messages')
      .create({ ...userMessage(s.session_id, undefined), status: 'queued', queue_position: 1 })
    await expect(
      store.service('messages').patch(queued.message_id, { status: 'sent' })
    ).rejects.toMatchObject({
      code: 400
    })
    const sent = await store.service('messages').patch(queued.message_id, { status: 'sent', index: 0 })
    expect((await store.service('messages').get(sent.message_id)).index).toBe(0)
  })

  it('marks a comment edited when its content changes, as agor does', async () => {
    const b = await board()
    const comment = await store.service('board_comments').create({ board_id: b.board_id, content: 'first' })
    expect((await store.service('board_comments').get(comment.comment_id)).edited).toBe(false)
    await store.service('board_comments').patch(comment.comment_id, { resolved: true })
    expect((await store.service('board_comments').get(comment.comment_id)).edited).toBe(false)
    // a change of the content sets it, whatever the write says
    await store.service('board_comments').patch(comment.comment_id, { content: 'second', edited: false })
    expect(await store.service('board_comments').get(comment.comment_id)).toMatchObject({
      edited: true,
      content_preview: 'second'
    })
  })
})
