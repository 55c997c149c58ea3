// Queries typed as text (REST query strings, the CLI's --where) on free-form JSON fields, and the
// order of documents that share their sort key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agor, json } from './cli-helpers.js'
import { type Served, serve } from './transport-helpers.js'

let served: Served
const ids: Record<string, string> = {}

const CONTEXTS: Record<string, unknown> = {
  number: { ticket: 42, flag: true, size: 7 },
  text: { ticket: '42', flag: 'true', size: '7' },
  other: { ticket: 43, flag: false, size: 100 },
  nothing: { ticket: null },
  nullText: { ticket: 'null' },
  missing: {}
}

beforeAll(async () => {
  served = await serve()
  for (const [name, custom_context] of Object.entries(CONTEXTS)) {
    const s = await served.store
      .service('sessions')
      .create({ agent: 'a', title: name, custom_context } as never)
    ids[s.session_id] = name
  }
})

afterAll(() => served.close())

async function titlesOf(path: string): Promise<string[]> {
  const res = await served.http('GET', path)
  expect(res.status, `${path}: ${res.text}`).toBe(200)
  return res.body.data.map((s: { title: string }) => s.title).sort()
}

describe('query-string values on free-form JSON fields', () => {
  it('match the JSON value they read as, and the same text stored as a string', async () => {
    const cases: [string, string[]][] = [
      ['custom_context.ticket=42', ['number', 'text']],
      ['custom_context.ticket[$ne]=42', ['missing', 'nothing', 'nullText', 'other']],
      ['custom_context.ticket[$in][]=42&custom_context.ticket[$in][]=43', ['number', 'other', 'text']],
      [
        'custom_context.ticket[$nin][]=42&custom_context.ticket[$nin][]=43',
        ['missing', 'nothing', 'nullText']
      ],
      // stored text compares as text: '7' > '10'
      ['custom_context.size[$gt]=10', ['other', 'text']],
      ['custom_context.size[$gt]=8', ['other']],
      ['custom_context.size[$lte]=7', ['number', 'text']],
      ['custom_context.size[$gte]=10', ['other', 'text']],
      ['custom_context.flag=true', ['number', 'text']],
      ['custom_context.flag=false', ['other']],
      ['custom_context.ticket=null', ['missing', 'nothing', 'nullText']],
      ['custom_context.ticket[$like]=4%', ['text']],
      ['custom_context.ticket=forty-two', []]
    ]
    for (const [query, expected] of cases) {
      expect(await titlesOf(`/sessions?${query}`), query).toEqual(expected)
    }
  })

  it('stay typed over socket.io, where values are JSON', async () => {
    const client = await served.client('socketio')
    const page = await client.app.service('sessions').find({ query: { 'custom_context.ticket': 42 } })
    expect(page.data.map((s) => s.title)).toEqual(['number'])
    const text = await client.app.service('sessions').find({ query: { 'custom_context.ticket': '42' } })
    expect(text.data.map((s) => s.title)).toEqual(['text'])
  })

  it('match the same way from the CLI, directly and through a daemon', async () => {
    const path = served.store.config.path!
    for (const args of [
      ['--db', path, '--no-daemon'],
      ['--url', served.server.url]
    ]) {
      const page = json<{ data: { title: string }[] }>(
        await agor([...args, 'session', 'list', '--where', 'custom_context.ticket=42', '--json'])
      )
      expect(page.data.map((s) => s.title).sort(), args.join(' ')).toEqual(['number', 'text'])
    }
  })
})

describe('documents that share their sort key', () => {
  it('come newest first when the sort is newest first, and oldest first otherwise', async () => {
    const burst = await served.store
      .service('boards')
      .create(Array.from({ length: 300 }, (_, i) => ({ name: `b${i}` })))
    expect(new Set(burst.map((b) => b.created_at)).size).toBeLessThan(300)
    const byAge = (a: (typeof burst)[0], b: (typeof burst)[0]) =>
      a.created_at.localeCompare(b.created_at) || a.board_id.localeCompare(b.board_id)
    const oldestFirst = burst.toSorted(byAge).map((b) => b.board_id)

    const newest = await served.http('GET', '/boards?$sort[created_at]=-1&$limit=500')
    expect(newest.body.data.map((b: { board_id: string }) => b.board_id)).toEqual(oldestFirst.toReversed())
    const oldest = await served.http('GET', '/boards?$sort[created_at]=1&$limit=500')
    expect(oldest.body.data.map((b: { board_id: string }) => b.board_id)).toEqual(oldestFirst)

    const listed = json<{ data: { board_id: string }[] }>(
      await agor([
        '--db',
        served.store.config.path!,
        '--no-daemon',
        'board',
        'list',
        '--limit',
        '5',
        '--json'
      ])
    )
    expect(listed.data.map((b) => b.board_id)).toEqual(oldestFirst.toReversed().slice(0, 5))
  })
})
