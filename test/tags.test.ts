import Libsql from 'libsql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/store/database.js'
import type { Document } from '../src/store/row.js'
import { TAGS_TABLE } from '../src/store/tag-index.js'
import { tempDbUrl } from './helpers.js'
import { type Served, serve } from './transport-helpers.js'

const WORDS = ['bug', 'ui', 'api', 'db', 'slow', 'Bug', 'ça-va', 'needs review', 'x', 'y']

/** A deterministic stream of numbers in [0, 1): the same documents on every run. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31
  }
}

function someTags(next: () => number): string[] | undefined {
  if (next() < 0.15) return undefined
  const tags = new Set<string>()
  const count = Math.floor(next() * 4)
  for (let i = 0; i < count; i++) tags.add(WORDS[Math.floor(next() * WORDS.length)]!)
  return [...tags]
}

const ids = (docs: readonly Document[]) => docs.map((d) => String(d.session_id)).sort()

describe('tags', () => {
  const url = tempDbUrl()
  let db: Awaited<ReturnType<typeof openDatabase>>
  const sessions = () => db.collection('sessions')
  /** What the store holds, read back whole: the brute force side of every comparison. */
  const everything = async () => sessions().find({ query: {} })

  beforeAll(async () => {
    db = await openDatabase({ url })
    const next = random(7)
    const docs = Array.from({ length: 400 }, (_, i) => {
      const tags = someTags(next)
      return { agent: i % 3 ? 'claude' : 'codex', ...(tags ? { tags } : {}) }
    })
    await sessions().create(docs)
  })
  afterAll(() => db.close())

  it('$contains and $containsAny match what brute force over the stored documents finds', async () => {
    const all = await everything()
    const next = random(11)
    for (let round = 0; round < 60; round++) {
      const wanted = [
        ...new Set(
          Array.from({ length: 1 + Math.floor(next() * 3) }, () => WORDS[Math.floor(next() * WORDS.length)]!)
        )
      ]
      const has = (d: Document) => (Array.isArray(d.tags) ? (d.tags as string[]) : [])
      const every = all.filter((d) => wanted.every((t) => has(d).includes(t)))
      const some = all.filter((d) => wanted.some((t) => has(d).includes(t)))
      expect(
        ids(await sessions().find({ query: { tags: { $contains: wanted } } })),
        `all of ${wanted}`
      ).toEqual(ids(every))
      expect(
        ids(await sessions().find({ query: { tags: { $containsAny: wanted } } })),
        `any of ${wanted}`
      ).toEqual(ids(some))
      // with another condition, a sort and a page with its total
      const page = await sessions().find({
        query: { tags: { $containsAny: wanted }, agent: 'codex', $sort: { created_at: -1 }, $limit: 7 },
        paginate: { default: 10, max: 50 }
      })
      const expected = some.filter((d) => d.agent === 'codex')
      expect(page.total).toBe(expected.length)
      expect(page.data.map((d) => d.session_id)).toEqual(
        expected
          .map((d) => d.session_id)
          .reverse()
          .slice(0, 7)
      )
    }
  })

  it('a single tag may be given as a string; tags match exactly, case and all', async () => {
    const all = await everything()
    const bug = all.filter((d) => (d.tags as string[] | undefined)?.includes('bug'))
    expect(ids(await sessions().find({ query: { tags: { $contains: 'bug' } } }))).toEqual(ids(bug))
    const both = await sessions().find({ query: { tags: { $contains: ['bug', 'Bug'] } } })
    for (const d of both) expect(d.tags).toEqual(expect.arrayContaining(['bug', 'Bug']))
  })

  it('the index follows every write: patch, update, multi patch, remove', async () => {
    const [a, b] = await sessions().create([
      { agent: 'w', tags: ['fresh'] },
      { agent: 'w', tags: ['fresh', 'old'] }
    ])
    const fresh = async () => ids(await sessions().find({ query: { tags: { $contains: 'fresh' } } }))
    expect(await fresh()).toEqual(ids([a!, b!]))
    await sessions().patch(a!.session_id, { tags: ['stale'] })
    expect(await fresh()).toEqual(ids([b!]))
    await sessions().update(b!.session_id, { agent: 'w' })
    expect(await fresh()).toEqual([])
    await sessions().patch(null, { tags: ['fresh'] }, { query: { agent: 'w' } })
    expect(await fresh()).toEqual(ids([a!, b!]))
    await sessions().patch(a!.session_id, { title: 'tags unchanged' })
    expect(await fresh()).toEqual(ids([a!, b!]))
    await sessions().remove(b!.session_id)
    expect(await fresh()).toEqual(ids([a!]))
    await sessions().patch(a!.session_id, { tags: null })
    expect(await fresh()).toEqual([])
    await sessions().remove(a!.session_id)
  })

  it('follows writes of another tool, OR REPLACE included, and is made again when a database opens with other triggers', async () => {
    const [doc] = await sessions().create([{ agent: 'raw', tags: ['raw'] }])
    const path = url.slice('file:'.length)
    const raw = new Libsql(path)
    raw
      .prepare(`UPDATE sessions SET data = json_set(data, '$.tags', json('["cooked"]')) WHERE session_id = ?`)
      .run(doc!.session_id)
    const found = async (tag: string) => ids(await sessions().find({ query: { tags: { $contains: tag } } }))
    expect(await found('raw')).toEqual([])
    expect(await found('cooked')).toEqual(ids([doc!]))
    const row = raw.prepare('SELECT * FROM sessions WHERE session_id = ?').get(doc!.session_id) as Record<
      string,
      unknown
    >
    const data = JSON.stringify({ ...JSON.parse(String(row.data)), tags: ['replaced'] })
    raw
      .prepare(
        'INSERT OR REPLACE INTO sessions (session_id, status, created_at, updated_at, parent_session_id, forked_from_session_id, data, workspace) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?)'
      )
      .run(doc!.session_id, row.status, row.created_at, Number(row.updated_at) + 1, data, row.workspace)
    expect(await found('cooked')).toEqual([])
    expect(await found('replaced')).toEqual(ids([doc!]))
    // an older version wrote without the triggers: the next open makes the index again
    raw.exec(`DROP TRIGGER agor_tags_sessions_update; UPDATE agor_feed SET triggers = 'older' WHERE id = 1`)
    raw
      .prepare(`UPDATE sessions SET data = json_set(data, '$.tags', json('["unseen"]')) WHERE session_id = ?`)
      .run(doc!.session_id)
    raw.close()
    db.close()
    db = await openDatabase({ url })
    expect(await found('unseen')).toEqual(ids([doc!]))
    expect(await found('replaced')).toEqual([])
    await sessions().remove(doc!.session_id)
  })

  it('is served by the tag index, not by reading documents', async () => {
    const raw = new Libsql(url.slice('file:'.length))
    const sql = `EXPLAIN QUERY PLAN SELECT session_id FROM sessions WHERE workspace = 'default' AND session_id IN (SELECT doc_id FROM ${TAGS_TABLE} WHERE collection = 'sessions' AND workspace = 'default' AND tag = 'bug')`
    const plan = (raw.prepare(sql).all() as { detail: string }[]).map((r) => r.detail).join('\n')
    raw.close()
    expect(plan).toMatch(new RegExp(`SEARCH ${TAGS_TABLE} USING PRIMARY KEY`))
  })

  it('refuses bad tags and bad conditions with a 400, writing nothing', async () => {
    const before = (await everything()).length
    for (const tags of [
      ['a', 'a'],
      [''],
      ['  '],
      ['x'.repeat(65)],
      ['tab\there'],
      'bug',
      [1],
      Array.from({ length: 65 }, (_, i) => `t${i}`)
    ]) {
      await expect(sessions().create({ agent: 'bad', tags } as never)).rejects.toMatchObject({ code: 400 })
    }
    // a name made of characters that print as nothing is as blank as one of spaces
    await expect(sessions().create({ agent: '\u3164\ufe0f' })).rejects.toMatchObject({ code: 400 })
    expect((await everything()).length).toBe(before)
    for (const condition of [
      { $contains: [] },
      { $containsAny: [] },
      { $contains: [1] },
      { $contains: { a: 1 } },
      { $contains: null }
    ]) {
      await expect(sessions().find({ query: { tags: condition } })).rejects.toMatchObject({ code: 400 })
    }
    await expect(sessions().find({ query: { agent: { $contains: 'x' } } })).rejects.toMatchObject({
      code: 400
    })
    // a multi patch whose tag condition is refused changes nothing
    await expect(
      sessions().patch(null, { title: 'widened' }, { query: { tags: { $contains: [] } } })
    ).rejects.toMatchObject({ code: 400 })
    expect(await sessions().find({ query: { title: 'widened' } })).toEqual([])
  })

  it('refuses tags that print as nothing and other operators on a list; ignores tags that are no list', async () => {
    for (const tags of [
      ['\u200b'],
      ['\u2060\u00ad'],
      ['\u3164'],
      ['\u115f\ufe0f\u034f'],
      ['a\u0085b'],
      ['x\u009b31m']
    ]) {
      await expect(
        sessions().create({ agent: 'bad', tags } as never),
        JSON.stringify(tags)
      ).rejects.toMatchObject({ code: 400 })
    }
    for (const condition of [
      'bug',
      { $in: ['bug'] },
      { $like: '%bug%' },
      { $ne: 'bug' },
      { $gt: 'a' },
      { $contains: [''] }
    ]) {
      await expect(
        sessions().find({ query: { tags: condition } }),
        JSON.stringify(condition)
      ).rejects.toMatchObject({ code: 400 })
    }
    const none = await sessions().find({ query: { tags: null } })
    expect(none.every((d) => d.tags == null)).toBe(true)
    const some = await sessions().find({ query: { tags: { $ne: null } } })
    expect(none.length + some.length).toBe((await everything()).length)
    // another tool writes tags that are not a list: nothing of them is a tag
    const [doc] = await sessions().create([{ agent: 'odd' }])
    await db.connection.execute({
      sql: `UPDATE sessions SET data = json_set(data, '$.tags', json('{"k":"objtag"}')) WHERE session_id = ?`,
      args: [doc!.session_id]
    })
    expect(await sessions().find({ query: { tags: { $contains: 'objtag' } } })).toEqual([])
    await db.connection.execute({ sql: 'DELETE FROM sessions WHERE session_id = ?', args: [doc!.session_id] })
  })

  it('lists in free-form fields match through their JSON', async () => {
    const [doc] = await sessions().create([{ agent: 'free', custom_context: { labels: ['p1', 2, true] } }])
    await sessions().create([{ agent: 'free', custom_context: { labels: 'p1' } }])
    const find = async (condition: unknown) =>
      ids(await sessions().find({ query: { 'custom_context.labels': condition } }))
    expect(await find({ $contains: ['p1', 2] })).toEqual(ids([doc!]))
    expect(await find({ $containsAny: [true, 'nope'] })).toEqual(ids([doc!]))
    expect(await find({ $contains: ['2'] })).toEqual([])
  })

  it('keeps workspaces apart', async () => {
    const other = db.workspace('tags-other').collection('sessions')
    await db.workspaces.create('tags-other')
    const [mine] = await other.create([{ agent: 'o', tags: ['only-here'] }])
    expect(await sessions().find({ query: { tags: { $contains: 'only-here' } } })).toEqual([])
    expect(ids(await other.find({ query: { tags: { $containsAny: ['only-here', 'bug'] } } }))).toEqual(
      ids([mine!])
    )
  })
})

describe('tags over REST and socket.io', () => {
  let served: Served
  beforeAll(async () => {
    served = await serve()
    await served.store
      .service('sessions')
      .create([{ agent: 'a', tags: ['bug', 'ui'] }, { agent: 'b', tags: ['bug'] }, { agent: 'c' }])
  })
  afterAll(() => served.close())

  it('takes $contains and $containsAny in a query string', async () => {
    const all = await served.http('GET', '/sessions?tags[$contains]=bug&tags[$contains]=ui')
    expect(all.body.data.map((d: Document) => d.agent)).toEqual(['a'])
    const one = await served.http('GET', '/sessions?tags[$contains]=bug&$sort[agent]=1')
    expect(one.body.data.map((d: Document) => d.agent)).toEqual(['a', 'b'])
    const any = await served.http('GET', '/sessions?tags[$containsAny][]=ui&tags[$containsAny][]=zz')
    expect(any.body.data.map((d: Document) => d.agent)).toEqual(['a'])
    // a tag that reads as null, or as a number, is the tag
    await served.store.service('sessions').create({ agent: 'n', tags: ['null', '5'] })
    const named = await served.http('GET', '/sessions?tags[$contains]=null&tags[$contains]=5')
    expect(named.body.data.map((d: Document) => d.agent)).toEqual(['n'])
    await served.store.service('sessions').create({ agent: 'f', custom_context: { labels: [1, 'x'] } })
    const loose = await served.http('GET', '/sessions?custom_context.labels[$contains]=1')
    expect(loose.body.data.map((d: Document) => d.agent)).toEqual(['f'])
    const bad = await served.http('GET', '/sessions?title[$contains]=x')
    expect(bad.status).toBe(400)
    expect(bad.text).not.toMatch(/SELECT|json_each/)
  })

  it('connect() refuses a query value that is undefined before sending it, over both transports', async () => {
    for (const transport of ['rest', 'socketio'] as const) {
      const sessions = (await served.client(transport)).app.service('sessions')
      const calls = [
        () => sessions.patch(null, { title: 'widened' }, { query: { agent: 'a', $search: undefined } }),
        () => sessions.remove(null, { query: { agent: 'b', session_id: undefined } }),
        () => sessions.find({ query: { tags: { $contains: [undefined] } } })
      ]
      for (const call of calls) await expect(call(), transport).rejects.toMatchObject({ code: 400 })
    }
    const all = await served.store.service('sessions').find({ paginate: false })
    expect(all.filter((d) => d.title === 'widened')).toEqual([])
    expect(all.some((d) => d.agent === 'b')).toBe(true)
  })

  it('connect() refuses a lone surrogate in a query before sending it: REST would carry another character', async () => {
    const rat = await served.store.service('sessions').create({ agent: 'half', title: 'draft \u{1F400}' })
    const half = await served.store.service('sessions').create({ agent: 'half', title: 'draft \ud83d' })
    for (const transport of ['rest', 'socketio'] as const) {
      const sessions = (await served.client(transport)).app.service('sessions')
      const calls = [
        () => sessions.find({ query: { agent: 'half', title: 'draft \ud83d' } }),
        () => sessions.remove(null, { query: { agent: 'half', title: { $ne: 'draft \ud83d' } } }),
        () => sessions.remove(null, { query: { agent: 'half', $search: 'draft \ud83d' } })
      ]
      for (const call of calls)
        await expect(call(), transport).rejects.toMatchObject({ code: 400, message: /lone surrogate/ })
    }
    const left = await served.store.service('sessions').find({ query: { agent: 'half' }, paginate: false })
    expect(ids(left)).toEqual(ids([rat, half]))
  })

  it('takes them from a socket.io client', async () => {
    const client = await served.client('socketio')
    const found = await client.app
      .service('sessions')
      .find({ query: { tags: { $containsAny: ['ui'] }, $limit: 5 } })
    expect(found.data.map((d) => d.agent)).toEqual(['a'])
  })
})
