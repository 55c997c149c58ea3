// The change feed: every committed write of a document is one change, in the same transaction, with
// its document as written and who wrote it; a rolled-back write is none. Read through /changes.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { Feed } from '../src/store/feed.js'
import { importDatabase } from '../src/store/transfer.js'
import { openTempStore, tempDir } from './helpers.js'

const store = await openTempStore()
const feed = new Feed(store.database.connection)
const sessions = store.service('sessions')
const tasks = store.service('tasks')
let from = 0

afterAll(() => store.close())
beforeEach(async () => {
  from = await feed.head()
})

/** The changes since the test began, in seq order. */
async function since() {
  return feed.read({ after: from, limit: 1000, order: 'asc' })
}

const brief = (c: { collection: string; id: string; event: string }) => `${c.collection} ${c.event} ${c.id}`

describe('the change feed', () => {
  it('records every kind of write once per document, in seq order, with the document as written', async () => {
    const one = await sessions.create({ agent: 'a', title: 'one' })
    const [two, three] = await sessions.create([{ agent: 'b' }, { agent: 'c' }])
    const replaced = await sessions.update(one.session_id, { agent: 'a2' })
    const patched = await sessions.patch(two!.session_id, { title: 'patched', git_state: { ref: 'main' } })
    const many = await sessions.patch(null, { description: 'all' }, { query: { agent: { $in: ['b', 'c'] } } })
    const task = await tasks.create({ session_id: three!.session_id, description: 't' })
    const child = await sessions.spawn({ id: three!.session_id, title: 'child' })
    const fork = await sessions.fork({ id: one.session_id })
    const removed = await sessions.remove(three!.session_id)
    const changes = await since()
    const before = [
      `sessions created ${one.session_id}`,
      `sessions created ${two!.session_id}`,
      `sessions created ${three!.session_id}`,
      `sessions updated ${one.session_id}`,
      `sessions patched ${two!.session_id}`,
      ...many.map((s) => `sessions patched ${s.session_id}`),
      `tasks created ${task.task_id}`,
      `sessions created ${child.session_id}`,
      `sessions created ${fork.session_id}`
    ]
    expect(changes.slice(0, before.length).map(brief)).toEqual(before)
    // the removal in one statement: the session, its task (cascade) and its child's link (set null)
    expect(changes.slice(before.length).map(brief).toSorted()).toEqual(
      [
        `sessions removed ${three!.session_id}`,
        `tasks removed ${task.task_id}`,
        `sessions updated ${child.session_id}`
      ].toSorted()
    )
    const seqs = changes.map((c) => c.seq)
    expect(seqs).toEqual(seqs.toSorted((a, b) => a - b))
    expect(new Set(seqs).size).toBe(seqs.length)
    // documents as written (whatever was written after), and as they were for removals
    expect(changes[0]!.doc).toEqual(one)
    expect(changes[1]!.doc).toEqual(two)
    expect(changes[3]!.doc).toEqual(replaced)
    expect(changes.at(-1)!.doc).toMatchObject({ session_id: expect.any(String) })
    expect(changes[4]!.doc).toEqual(patched)
    expect(changes[4]!.patch).toEqual({ title: 'patched', git_state: { ref: 'main' } })
    expect(changes.find((c) => c.event === 'removed' && c.collection === 'sessions')!.doc).toEqual(removed)
    expect(changes.find((c) => c.collection === 'tasks' && c.event === 'removed')!.doc).toMatchObject({
      task_id: task.task_id,
      description: 't'
    })
    expect(changes.every((c) => c.actor === 'library' && c.transport === 'library')).toBe(true)
  })

  it('records nothing of a write that rolls back', async () => {
    const taken = await sessions.create({ agent: 'x' })
    from = await feed.head()
    await expect(
      sessions.create([{ agent: 'y' }, { agent: 'z', session_id: taken.session_id }])
    ).rejects.toMatchObject({
      code: 409
    })
    await expect(sessions.patch(taken.session_id, { agent: '' })).rejects.toMatchObject({ code: 400 })
    expect(await since()).toEqual([])
  })

  it('records an import, as the import', async () => {
    const dir = join(tempDir(), 'dump')
    mkdirSync(dir)
    const doc = {
      board_id: '0199b73d-0000-7000-8000-0000000000aa',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      name: 'imported'
    }
    writeFileSync(join(dir, 'boards.jsonl'), `${JSON.stringify(doc)}\n`)
    await importDatabase({ url: `file:${store.config.path}` }, dir)
    const changes = await since()
    expect(changes).toHaveLength(1)
    expect(changes[0]).toMatchObject({
      collection: 'boards',
      event: 'created',
      actor: 'import',
      transport: 'import',
      doc
    })
  })

  it('is read through /changes: by seq, collection, id prefix and actor, newest first, one by seq', async () => {
    const made = await sessions.create([{ agent: 'q1' }, { agent: 'q2' }])
    await store.service('boards').create({ name: 'b' })
    const changes = store.service('changes')
    const all = await changes.find({ query: { seq: { $gt: from } } })
    expect(all.map((c) => c.collection)).toEqual(['sessions', 'sessions', 'boards'])
    expect(all[0]).not.toHaveProperty('origin')
    const boards = await changes.find({ query: { seq: { $gt: from }, collection: 'boards' } })
    expect(boards).toHaveLength(1)
    const prefix = made[1]!.session_id.slice(0, 23)
    expect((await changes.find({ query: { id: prefix, seq: { $gt: from } } })).map((c) => c.id)).toEqual([
      made[1]!.session_id
    ])
    const newest = await changes.find({ query: { $sort: { seq: -1 }, $limit: 2 } })
    expect(newest.map((c) => c.seq)).toEqual([all[2]!.seq, all[1]!.seq])
    expect(await changes.get(all[1]!.seq)).toEqual(all[1])
    expect((await changes.find({ query: { actor: 'library', seq: { $gt: from } } })).length).toBe(3)
    await expect(changes.find({ query: { nope: 1 } })).rejects.toMatchObject({ code: 400 })
    // a collection by its singular too; one that is none, or an order that is none, is a mistake
    const board = await changes.find({ query: { seq: { $gt: from }, collection: 'board' } })
    expect(board).toEqual(boards)
    for (const query of [{ collection: 'nope' }, { collection: 'session s' }]) {
      await expect(changes.find({ query })).rejects.toMatchObject({
        code: 400,
        message: expect.stringContaining('Unknown collection')
      })
    }
    expect((await changes.find({ query: { $sort: { seq: '-1' }, $limit: 1 } }))[0]!.seq).toBe(all[2]!.seq)
    for (const seq of [-2, 0, 'desc', 'abc', 2, [-1], ['1'], { $gt: 1 }]) {
      await expect(changes.find({ query: { $sort: { seq } } })).rejects.toMatchObject({ code: 400 })
    }
  })

  it('prunes by retention, and a cursor from before the pruned changes is a 410', async () => {
    await sessions.create([{ agent: 'p1' }, { agent: 'p2' }, { agent: 'p3' }])
    const head = await feed.head()
    expect(await feed.prune({ keep: 1 })).toBeGreaterThan(0)
    await expect(store.service('changes').find({ query: { seq: { $gt: head - 2 } } })).rejects.toMatchObject({
      code: 410
    })
    const kept = await store.service('changes').find({ query: { seq: { $gt: head - 1 } } })
    expect(kept.map((c) => c.seq)).toEqual([head])
  })
})
