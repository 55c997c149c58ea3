import type { InStatement } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DocumentNotFoundError } from '../src/errors.js'
import { ANCESTOR_LOOP } from '../src/store/ancestor-loops.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { Feed } from '../src/store/feed.js'
import { syncStoreTriggers } from '../src/store/feed-triggers.js'
import { tempDbUrl } from './helpers.js'

let store: Database
beforeAll(async () => {
  store = await openDatabase({ url: tempDbUrl() })
})
afterAll(() => store.close())

/** Runs `work` and returns the statements it sent to the database. */
async function statementsOf(work: () => Promise<unknown>): Promise<InStatement[]> {
  const seen: InStatement[] = []
  const execute = store.connection.execute.bind(store.connection)
  const batch = store.connection.batch.bind(store.connection)
  store.connection.execute = (s) => {
    seen.push(s)
    return execute(s)
  }
  store.connection.batch = (s, mode) => {
    seen.push(...s)
    return batch(s, mode)
  }
  try {
    await work()
  } finally {
    store.connection.execute = execute
    store.connection.batch = batch
  }
  return seen
}

describe('session genealogy', () => {
  it('spawn makes an idle child on the parent’s agent and repo, linked in one insert', async () => {
    const parent = await store.collection('sessions').create({
      agent: 'claude-code',
      title: 'parent',
      status: 'running',
      repo: { cwd: '/work' },
      git_state: { ref: 'main' }
    })
    let child: Awaited<ReturnType<Database['genealogy']['spawn']>> | undefined
    const statements = await statementsOf(async () => {
      child = await store.genealogy.spawn(parent.session_id.slice(0, 16), { title: 'child' })
    })
    expect(child).toMatchObject({
      status: 'idle',
      agent: 'claude-code',
      title: 'child',
      repo: { cwd: '/work' },
      git_state: { ref: 'main' },
      parent_session_id: parent.session_id,
      forked_from_session_id: null
    })
    // one statement writes: the INSERT of the document (and its change) through the write view
    const writes = statements.filter((s) => !/^\s*(SELECT|WITH)\b/i.test(typeof s === 'string' ? s : s.sql))
    expect(writes.map((s) => (typeof s === 'string' ? s : s.sql).slice(0, 34))).toEqual([
      'INSERT INTO "agor_create_sessions"'
    ])
    const stored = await store.collection('sessions').get(child!.session_id)
    expect(stored.parent_session_id).toBe(parent.session_id)
  })

  it('fork copies the origin and points at it', async () => {
    const origin = await store.collection('sessions').create({
      agent: 'codex',
      title: 'origin',
      description: 'd',
      custom_context: { a: 1 }
    })
    const fork = await store.genealogy.fork(origin.session_id, { title: 'fork' })
    expect(fork).toMatchObject({
      status: 'idle',
      agent: 'codex',
      title: 'fork',
      description: 'd',
      custom_context: { a: 1 },
      forked_from_session_id: origin.session_id,
      parent_session_id: null
    })
    expect(fork.session_id).not.toBe(origin.session_id)
  })

  it('ancestors are nearest first, from one recursive query however deep', async () => {
    const sessions = store.collection('sessions')
    const root = await sessions.create({ agent: 'x', title: 'level 0' })
    let current = root
    const chain = [root]
    for (let level = 1; level <= 30; level++) {
      current =
        level % 2 === 0
          ? await store.genealogy.spawn(current.session_id, { title: `level ${level}` })
          : await store.genealogy.fork(current.session_id, { title: `level ${level}` })
      chain.push(current)
    }
    let ancestors: { title?: string | null }[] = []
    const statements = await statementsOf(async () => {
      ancestors = await store.genealogy.ancestors(current.session_id)
    })
    expect(ancestors.map((a) => a.title)).toEqual(
      chain
        .slice(0, -1)
        .reverse()
        .map((s) => s.title)
    )
    // one statement resolves the id, one reads the whole chain
    expect(statements).toHaveLength(2)
    expect(JSON.stringify(statements[1])).toMatch(/WITH RECURSIVE/)

    const descendants = await store.genealogy.descendants(root.session_id)
    expect(descendants.map((d) => d.title)).toEqual(chain.slice(1).map((s) => s.title))
  })

  it('children and the tree of a session, by short id', async () => {
    const sessions = store.collection('sessions')
    const parent = await sessions.create({ agent: 'x', title: 'p' })
    const a = await store.genealogy.spawn(parent.session_id, { title: 'a' })
    const b = await store.genealogy.fork(parent.session_id, { title: 'b' })
    await store.genealogy.spawn(a.session_id, { title: 'grandchild' })
    const short = await store.shortId('sessions', parent.session_id)
    expect((await store.genealogy.children(short)).map((c) => c.title)).toEqual(['a', 'b'])
    const tree = await store.genealogy.tree(a.session_id)
    expect(tree.session.session_id).toBe(a.session_id)
    expect(tree.ancestors.map((s) => s.title)).toEqual(['p'])
    expect(tree.children.map((s) => s.title)).toEqual(['grandchild'])
    expect(b.forked_from_session_id).toBe(parent.session_id)
  })

  it('a write that would make a session its own ancestor is a 400 and changes nothing', async () => {
    const sessions = store.collection('sessions')
    const root = await sessions.create({ agent: 'x', title: 'loop root' })
    const child = await store.genealogy.spawn(root.session_id, { title: 'loop child' })
    const grandchild = await store.genealogy.spawn(child.session_id, { title: 'loop grandchild' })
    const refused = [
      () => sessions.patch(root.session_id, { parent_session_id: root.session_id }),
      () => sessions.patch(root.session_id, { parent_session_id: grandchild.session_id.slice(0, 23) }),
      () => sessions.update(child.session_id, { agent: 'x', parent_session_id: grandchild.session_id }),
      () => sessions.patch(root.session_id, { forked_from_session_id: root.session_id }),
      () =>
        sessions.patch(
          null,
          { parent_session_id: child.session_id },
          { query: { title: { $like: 'loop%' } } }
        )
    ]
    for (const write of refused) {
      await expect(write()).rejects.toMatchObject({
        code: 400,
        message: expect.stringMatching(/own ancestor/)
      })
    }
    expect((await sessions.get(root.session_id)).parent_session_id ?? null).toBeNull()
    expect((await sessions.get(child.session_id)).parent_session_id).toBe(root.session_id)
    expect((await sessions.get(root.session_id)).forked_from_session_id ?? null).toBeNull()
    // moving a session under another branch is fine
    const other = await sessions.create({ agent: 'x', title: 'other root' })
    await sessions.patch(child.session_id, { parent_session_id: other.session_id })
    expect((await store.genealogy.ancestors(grandchild.session_id)).map((s) => s.title)).toEqual([
      'loop child',
      'other root'
    ])
  })

  it('a cycle written by hand is refused; one from before the check does not hang the recursive queries', async () => {
    const sessions = store.collection('sessions')
    const a = await sessions.create({ agent: 'x', title: 'cycle a' })
    const b = await store.genealogy.spawn(a.session_id, { title: 'cycle b' })
    const closeLoop = {
      sql: 'UPDATE sessions SET parent_session_id = ? WHERE session_id = ?',
      args: [b.session_id, a.session_id]
    }
    await expect(store.connection.execute(closeLoop)).rejects.toThrow(ANCESTOR_LOOP)
    // as a database written before the trigger holds it
    await store.connection.batch(
      ['DROP TRIGGER agor_no_loop_sessions_parent_session_id_update', closeLoop],
      'write'
    )
    await syncStoreTriggers(store.connection)
    expect((await store.genealogy.ancestors(a.session_id)).map((s) => s.title).sort()).toEqual([
      'cycle a',
      'cycle b'
    ])
    expect((await store.genealogy.descendants(a.session_id)).length).toBe(2)
  })

  it('a missing session is a 404', async () => {
    await expect(store.genealogy.spawn('ffffffff')).rejects.toThrow(DocumentNotFoundError)
    await expect(store.genealogy.ancestors('ffffffff')).rejects.toThrow(DocumentNotFoundError)
  })

  it("removing a session clears its children's links as a write of theirs: updated_at moves on, the feed says updated", async () => {
    const sessions = store.collections.sessions
    const parent = await sessions.create({ agent: 'parent' })
    const spawned = await store.genealogy.spawn(parent.session_id)
    const forked = await store.genealogy.fork(parent.session_id)
    const feed = new Feed(store.connection)
    const head = await feed.head()
    await sessions.remove(parent.session_id)

    for (const child of [spawned, forked]) {
      const after = await sessions.get(child.session_id)
      expect(after.parent_session_id ?? null).toBeNull()
      expect(after.forked_from_session_id ?? null).toBeNull()
      expect(Date.parse(after.updated_at)).toBeGreaterThan(Date.parse(child.updated_at))
    }
    const changes = await feed.read({ after: head, limit: 10, order: 'asc' })
    expect(changes.map((c) => c.event)).toEqual(['updated', 'updated', 'removed'])
    expect(
      changes
        .map((c) => c.id)
        .slice(0, 2)
        .toSorted()
    ).toEqual([spawned.session_id, forked.session_id].toSorted())
    expect(changes[2]!.id).toBe(parent.session_id)
    // each change carries the document as it was written: the link gone, the later timestamp
    for (const change of changes.slice(0, 2)) {
      expect(change.doc.parent_session_id ?? null).toBeNull()
      expect(change.doc.forked_from_session_id ?? null).toBeNull()
      expect(change.doc.updated_at).toBe((await sessions.get(change.id)).updated_at)
    }
  })
})
