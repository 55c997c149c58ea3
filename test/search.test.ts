// Full-text search ($search): the store's answers against brute force over the same documents,
// through the library, REST and socket.io; combined with other conditions, pages and totals; the
// index kept in step with every write; workspaces; hostile text; the index made at open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collections } from '../src/schema/index.js'
import { openStore } from '../src/service/store.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { searchIndex } from '../src/store/search-index.js'
import { tempDbUrl } from './helpers.js'
import { matches, words } from './search-model.js'
import { type Served, serve } from './transport-helpers.js'

type Doc = Record<string, unknown>

/** Words with accents and cases, and words that share a beginning. */
const VOCABULARY = [
  'login',
  'Login',
  'LOGIN',
  'logins',
  'logout',
  'bug',
  'bugs',
  'Café',
  'cafe',
  'CAFÉ',
  'naïve',
  'naive',
  'résumé',
  'resume',
  'Über',
  'uber',
  'crash',
  'deploy',
  'deployment',
  'parser',
  'token',
  'near',
  'NEAR',
  'and',
  'OR',
  'not',
  'x86',
  '2025'
]
const SEPARATORS = [' ', ' ', ' ', ', ', '-', '. ', ' / ', ' (', ') ']
const AGENTS = ['claude', 'codex', 'gemini']
const STATUSES = ['idle', 'running', 'completed', 'failed'] as const

/** A seeded random number in [0, 1): the same documents on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}
const random = seeded(18)
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!

function text(most: number): string {
  const n = 1 + Math.floor(random() * most)
  let out = pick(VOCABULARY)
  for (let k = 1; k < n; k++) out += pick(SEPARATORS) + pick(VOCABULARY)
  return out
}

function sessionFields(i: number) {
  const doc: { agent: string; status: (typeof STATUSES)[number]; title: string; description?: string } = {
    agent: pick(AGENTS),
    status: pick(STATUSES),
    title: text(6)
  }
  if (i % 4 !== 0) doc.description = text(12)
  return doc
}

const SEARCHES = [
  'login',
  'LOGIN bug',
  'cafe',
  'Café crash',
  'naive',
  'NAÏVE résumé',
  'über',
  'log*',
  'dep* bug',
  'Caf*',
  '"login bug"',
  '"cafe crash" deploy',
  '"login bu"*',
  'near',
  'NEAR login',
  'and OR not',
  'x86',
  '2025 token',
  'login-bug',
  'bug, crash.',
  'nothing-here',
  'zzz',
  '"deployment parser token"'
]

let db: Database
let all: Doc[]
const sessions = (workspace = 'default') => db.workspace(workspace).collection('sessions')
const FIELDS = collections.sessions.search
const ids = (docs: readonly Doc[]) => docs.map((d) => String(d.session_id))
const sorted = (list: string[]) => [...list].sort()
const bruteIds = (search: string, where: (d: Doc) => boolean = () => true) =>
  sorted(ids(all.filter((d) => where(d) && matches(d, FIELDS, search))))

beforeAll(async () => {
  db = await openDatabase({ url: tempDbUrl() })
  await sessions().create(Array.from({ length: 150 }, (_, i) => sessionFields(i)))
  await sessions().create(Array.from({ length: 150 }, (_, i) => sessionFields(150 + i)))
  all = (await sessions().find({ query: {} })) as Doc[]
  // another workspace with the same kind of documents, which no search here may find
  await sessions('other').create(Array.from({ length: 60 }, (_, i) => sessionFields(i)))
})
afterAll(() => db.close())

describe('$search', () => {
  it('finds exactly what brute force finds, for words, accents, cases, phrases and prefixes', async () => {
    expect(all).toHaveLength(300)
    let found = 0
    for (const search of SEARCHES) {
      const docs = (await sessions().find({ query: { $search: search } })) as Doc[]
      expect(sorted(ids(docs)), search).toEqual(bruteIds(search))
      found += docs.length
    }
    expect(found).toBeGreaterThan(300)
  })

  it('combines with every other condition', async () => {
    const cases: [Doc, (d: Doc) => boolean][] = [
      [{ agent: 'codex' }, (d) => d.agent === 'codex'],
      [{ status: { $in: ['idle', 'failed'] } }, (d) => d.status === 'idle' || d.status === 'failed'],
      [
        { $or: [{ agent: 'claude' }, { status: 'running' }] },
        (d) => d.agent === 'claude' || d.status === 'running'
      ],
      [{ description: null }, (d) => d.description === undefined || d.description === null],
      [{ title: { $like: '%bug%' } }, (d) => String(d.title).includes('bug')],
      [{ $not: { agent: 'gemini' } }, (d) => d.agent !== 'gemini']
    ]
    for (const search of ['login', 'cafe bug', 'dep*']) {
      for (const [conditions, where] of cases) {
        const docs = (await sessions().find({ query: { ...conditions, $search: search } })) as Doc[]
        expect(sorted(ids(docs)), `${search} ${JSON.stringify(conditions)}`).toEqual(bruteIds(search, where))
      }
    }
  })

  it('orders by relevance without $sort, by $sort when given', async () => {
    const [best] = await sessions().create([
      { agent: 'claude', title: 'quokka quokka quokka' },
      { agent: 'claude', title: 'quokka', description: 'a long description about many other things here' }
    ])
    const ranked = (await sessions().find({ query: { $search: 'quokka' } })) as Doc[]
    expect(ranked[0]!.session_id).toBe(best!.session_id)
    const newest = (await sessions().find({
      query: { $search: 'quokka', $sort: { created_at: -1 } }
    })) as Doc[]
    expect(ids(newest)).toEqual(ids(ranked).reverse())
    const search = 'login bug'
    const byTitle = (await sessions().find({ query: { $search: search, $sort: { title: 1 } } })) as Doc[]
    const expected = all
      .filter((d) => matches(d, FIELDS, search))
      .sort((a, b) =>
        String(a.title) < String(b.title)
          ? -1
          : String(a.title) > String(b.title)
            ? 1
            : String(a.session_id).localeCompare(String(b.session_id))
      )
    expect(ids(byTitle)).toEqual(ids(expected))
    await sessions().remove(null, { query: { $search: 'quokka' } })
  })

  it('pages through every match once, with the total of the matches', async () => {
    for (const search of ['login', 'cafe', 'naive OR']) {
      const expected = bruteIds(search)
      const seen: string[] = []
      for (let skip = 0; skip < expected.length + 7; skip += 7) {
        const page = await sessions().find({
          query: { $search: search, $limit: 7, $skip: skip },
          paginate: { default: 10, max: 50 }
        })
        expect(page.total, search).toBe(expected.length)
        seen.push(...ids(page.data as Doc[]))
      }
      expect(sorted(seen), search).toEqual(expected)
      // the total of another search is its own (the kept totals are by query)
      const other = await sessions().find({ query: { $search: 'zzz' }, paginate: { default: 10, max: 50 } })
      expect(other.total).toBe(0)
    }
    const filtered = await sessions().find({
      query: { $search: 'login', agent: 'codex', $limit: 0 },
      paginate: { default: 10, max: 50 }
    })
    expect(filtered.total).toBe(bruteIds('login', (d) => d.agent === 'codex').length)
  })

  it('selects fields and gets one document only if it matches', async () => {
    const [doc] = (await sessions().find({ query: { $search: 'login', $select: ['title'] } })) as Doc[]
    expect(Object.keys(doc!).sort()).toEqual(['session_id', 'title'])
    const matching = bruteIds('cafe')[0]!
    expect((await sessions().get(matching, { query: { $search: 'cafe' } })).session_id).toBe(matching)
    const other = all.find((d) => !matches(d, FIELDS, 'cafe'))!
    await expect(sessions().get(other.session_id, { query: { $search: 'cafe' } })).rejects.toMatchObject({
      code: 404
    })
  })
})

describe('the search index', () => {
  it('follows creates, patches, updates and removals', async () => {
    const s = sessions()
    const doc = await s.create({ agent: 'claude', title: 'wombat burrow', description: 'digging' })
    const find = async (search: string) => ids((await s.find({ query: { $search: search } })) as Doc[])
    expect(await find('wombat')).toEqual([doc.session_id])
    await s.patch(doc.session_id, { title: 'platypus pond' })
    expect(await find('wombat')).toEqual([])
    expect(await find('platypus digging')).toEqual([doc.session_id])
    // a write that changes no searched field leaves the index as it is
    await s.patch(doc.session_id, { status: 'running', git_state: { ref: 'main' } })
    expect(await find('platypus')).toEqual([doc.session_id])
    await s.update(doc.session_id, { agent: 'claude', title: 'echidna' })
    expect(await find('digging')).toEqual([])
    expect(await find('echidna')).toEqual([doc.session_id])
    await s.patch(doc.session_id, { title: null })
    expect(await find('echidna')).toEqual([])
    await s.patch(doc.session_id, { description: 'kangaroo' })
    const patched = await s.patch(null, { title: 'koala' }, { query: { $search: 'kangaroo' } })
    expect(ids(patched)).toEqual([doc.session_id])
    expect(await find('koala kangaroo')).toEqual([doc.session_id])
    await s.remove(doc.session_id)
    expect(await find('koala')).toEqual([])
    const many = await s.create([
      { agent: 'a', title: 'dingo one' },
      { agent: 'a', title: 'dingo two' },
      { agent: 'b', title: 'dingo three' }
    ])
    const removed = await s.remove(null, { query: { $search: 'dingo', agent: 'a' } })
    expect(sorted(ids(removed))).toEqual(sorted(ids(many.slice(0, 2))))
    expect(await find('dingo')).toEqual([many[2]!.session_id])
    await s.remove(many[2]!.session_id)
    expect(await find('dingo')).toEqual([])
    // every row of the index is a document's, once a search has caught it up
    const index = searchIndex(collections.sessions)!
    const { rows } = await db.connection.execute(
      `SELECT count(*) AS n FROM ${index.rows} AS r LEFT JOIN sessions AS s ON s.session_id = r.doc_id WHERE s.session_id IS NULL`
    )
    expect(Number(rows[0]!.n)).toBe(0)
  })

  it('follows a removal by cascade and writes of other tools', async () => {
    const session = await sessions().create({ agent: 'a', title: 'cascade parent' })
    const tasks = db.workspace('default').collection('tasks')
    await tasks.create({ session_id: session.session_id, description: 'marmot task', full_prompt: 'do it' })
    expect(await tasks.find({ query: { $search: 'marmot' } })).toHaveLength(1)
    await sessions().remove(session.session_id)
    expect(await tasks.find({ query: { $search: 'marmot' } })).toHaveLength(0)
    const other = await sessions().create({ agent: 'a', title: 'hand written' })
    await db.connection.execute({
      sql: `UPDATE sessions SET data = json_set(data, '$.title', 'otter by hand') WHERE session_id = ?`,
      args: [other.session_id]
    })
    expect(ids((await sessions().find({ query: { $search: 'otter' } })) as Doc[])).toEqual([other.session_id])
    await sessions().remove(other.session_id)
  })

  it('keeps workspaces apart', async () => {
    const otherDocs = (await sessions('other').find({ query: {} })) as Doc[]
    for (const search of ['login', 'cafe', 'log*']) {
      const mine = ids((await sessions().find({ query: { $search: search } })) as Doc[])
      const theirs = ids((await sessions('other').find({ query: { $search: search } })) as Doc[])
      expect(sorted(mine)).toEqual(bruteIds(search))
      expect(sorted(theirs)).toEqual(sorted(ids(otherDocs.filter((d) => matches(d, FIELDS, search)))))
      expect(mine.filter((id) => theirs.includes(id))).toEqual([])
    }
    const lone = await sessions('third').create({ agent: 'a', title: 'narwhal' })
    expect(await sessions().find({ query: { $search: 'narwhal' } })).toEqual([])
    expect(ids((await sessions('third').find({ query: { $search: 'narwhal' } })) as Doc[])).toEqual([
      lone.session_id
    ])
  })

  it('searches the declared fields of every collection, columns included', async () => {
    const ws = db.workspace('kinds')
    const repo = await ws.collection('repos').create({ slug: 'agor-store', name: 'Document store' })
    const board = await ws.collection('boards').create({ name: 'Sprint board', description: 'ibis' })
    const session = await ws.collection('sessions').create({ agent: 'a', title: 'x' })
    const task = await ws
      .collection('tasks')
      .create({ session_id: session.session_id, report: 'heron report', full_prompt: 'egret' })
    expect((await ws.collection('repos').find({ query: { $search: 'agor store' } })) as Doc[]).toMatchObject([
      { repo_id: repo.repo_id }
    ])
    expect((await ws.collection('repos').find({ query: { $search: 'document' } })) as Doc[]).toHaveLength(1)
    expect(
      (await ws.collection('boards').find({ query: { $search: 'sprint ibis' } })) as Doc[]
    ).toMatchObject([{ board_id: board.board_id }])
    expect((await ws.collection('tasks').find({ query: { $search: 'heron egret' } })) as Doc[]).toMatchObject(
      [{ task_id: task.task_id }]
    )
    // a field that is not searched is not found
    expect(await ws.collection('repos').find({ query: { $search: 'main' } })).toEqual([])
    // a searched field in a column of its own (the unique slug) follows its writes too
    await ws.collection('repos').patch(repo.repo_id, { slug: 'flamingo-store' })
    expect(await ws.collection('repos').find({ query: { $search: 'agor' } })).toEqual([])
    expect(await ws.collection('repos').find({ query: { $search: 'flamingo' } })).toMatchObject([
      { repo_id: repo.repo_id }
    ])
  })
})

describe('hostile search text', () => {
  const refused = [
    '',
    '   ',
    '*',
    '-',
    '"',
    '""',
    '" "',
    '(',
    ')',
    '()',
    '-*',
    '^',
    ':',
    '+',
    '"*"',
    'x'.repeat(1001)
  ]
  const literal = [
    'login AND',
    'NEAR(login bug)',
    'login OR bug',
    'NOT bug',
    'title:login',
    '^login',
    '+login',
    '-login',
    'login"',
    '"login',
    '(login) (bug',
    'login*bug',
    'lo"gin',
    '{title}: login',
    "login'; DROP TABLE sessions; --",
    'login\u0000bug',
    `${'login '.repeat(150)}`
  ]

  it('is refused with a 400 that says no SQL when it has no word to look for', async () => {
    for (const search of [...refused, 5, null, ['login'], { $gt: 'a' }]) {
      const error = await sessions()
        .find({ query: { $search: search } })
        .then(
          () => undefined,
          (e: unknown) => e as { code?: number; message?: string }
        )
      expect(error?.code, JSON.stringify(search)).toBe(400)
      expect(error?.message).not.toMatch(/select|fts|match|sqlite|syntax/i)
    }
  })

  it('refuses a $search given as undefined, in code too: a multi write never widens to all', async () => {
    const store = await openStore({ url: tempDbUrl(), auth: false })
    try {
      const service = store.service('sessions')
      await service.create([
        { agent: 'u', title: 'alpha' },
        { agent: 'u', title: 'beta' }
      ])
      const calls = [
        () => service.remove(null, { query: { $search: undefined } }),
        () => service.patch(null, { title: 'widened' }, { query: { $search: undefined } }),
        () => service.find({ query: { $search: undefined } }),
        () => store.database.collection('sessions').remove(null, { query: { $search: undefined } })
      ]
      for (const call of calls) await expect(call()).rejects.toMatchObject({ code: 400 })
      const left = await service.find({ query: { $sort: { title: 1 } }, paginate: false })
      expect(left.map((d) => d.title)).toEqual(['alpha', 'beta'])
    } finally {
      await store.close()
    }
  })

  it('is taken as words to look for, not as FTS5 syntax', async () => {
    for (const search of literal) {
      const docs = (await sessions().find({ query: { $search: search } })) as Doc[]
      expect(sorted(ids(docs)), search).toEqual(bruteIds(search))
    }
    expect(words('lo"gin')).toEqual(['lo', 'gin'])
  })
})

describe('over the transports', () => {
  let served: Served
  let docs: Doc[]
  beforeAll(async () => {
    served = await serve()
    const service = served.store.service('sessions')
    await service.create(Array.from({ length: 120 }, (_, i) => sessionFields(i)) as never)
    docs = (await service.find({ query: {}, paginate: false })) as Doc[]
  })
  afterAll(() => served.close())
  const brute = (search: string) => sorted(ids(docs.filter((d) => matches(d, FIELDS, search))))

  it('REST: ?$search= finds what brute force finds, with the total', async () => {
    for (const search of ['login bug', 'café', '"login bug"', 'dep*', 'near OR']) {
      const res = await served.http('GET', `/sessions?$search=${encodeURIComponent(search)}&$limit=500`)
      expect(res.status, res.text).toBe(200)
      expect(sorted(ids(res.body.data)), search).toEqual(brute(search))
      expect(res.body.total).toBe(brute(search).length)
    }
    const combined = await served.http('GET', '/sessions?$search=login&agent=codex&$sort[created_at]=-1')
    expect(sorted(ids(combined.body.data))).toEqual(
      sorted(ids(docs.filter((d) => d.agent === 'codex' && matches(d, FIELDS, 'login'))))
    )
  })

  it('REST: hostile text is a 400 without SQL, and the server keeps serving', async () => {
    for (const search of ['', '*', '(', '"', '-', 'x'.repeat(1001)]) {
      const res = await served.http('GET', `/sessions?$search=${encodeURIComponent(search)}`)
      expect(res.status, search).toBe(400)
      expect(res.body.name).toBe('BadRequest')
      expect(res.text).not.toMatch(/select|fts5|sqlite|syntax/i)
    }
    const nested = await served.http('GET', '/sessions?$search[$gt]=a')
    expect(nested.status).toBe(400)
    const inOr = await served.http('GET', '/sessions?$or[0][$search]=login')
    expect(inOr.status).toBe(400)
    // a multi remove by search needs nothing more: the search is its condition
    const made = await served.http('POST', '/sessions', { agent: 'a', title: 'lemur' })
    const removed = await served.http('DELETE', '/sessions?$search=lemur')
    expect(removed.status, removed.text).toBe(200)
    expect(ids(removed.body)).toEqual([made.body.session_id])
    expect((await served.http('GET', '/sessions?$limit=1')).status).toBe(200)
  })

  it('socket.io: find with $search, and a refusal as a BadRequest', async () => {
    const client = await served.client('socketio')
    const service = client.app.service('sessions')
    for (const search of ['login bug', 'NAÏVE', '"cafe crash"', 'log*']) {
      const page = (await service.find({ query: { $search: search, $limit: 500 } })) as { data: Doc[] }
      expect(sorted(ids(page.data)), search).toEqual(brute(search))
    }
    await expect(service.find({ query: { $search: '(' } })).rejects.toMatchObject({ code: 400 })
    const rest = await served.client('rest')
    const page = (await rest.app.service('sessions').find({ query: { $search: 'login' } })) as {
      total: number
    }
    expect(page.total).toBe(brute('login').length)
  })
})
