import { BadRequest } from '@feathersjs/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { changeQuery } from '../src/service/changes.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { MAX_PATTERN } from '../src/store/operators.js'
import { tempDbUrl } from './helpers.js'

let store: Database
const sessions = () => store.collection('sessions')
const tasks = () => store.collection('tasks')
const idsOf = (docs: { session_id: string }[]) => docs.map((d) => d.session_id).sort()

beforeAll(async () => {
  store = await openDatabase({ url: tempDbUrl() })
})
afterAll(() => store.close())

describe('condition values', () => {
  it('a lone surrogate is a 400, never a match of U+FFFD text, and a multi remove removes nothing', async () => {
    const cut = await sessions().create({ agent: 'surrogates', title: 'draft \ud83d', tags: ['t\ud800'] })
    const replaced = await sessions().create({
      agent: 'surrogates',
      title: 'draft \ufffd',
      tags: ['t\ufffd']
    })
    const refused = [
      { title: 'draft \ud83d' },
      { title: { $in: ['x', 'draft \ud83d'] } },
      { title: { $ne: '\udc00' } },
      { title: { $like: 'draft \ud83d%' } },
      { tags: { $contains: ['t\ud800'] } },
      { 'custom_context.k': 'v\udc00' }
    ]
    for (const condition of refused) {
      const query = { agent: 'surrogates', ...condition }
      await expect(sessions().find({ query })).rejects.toThrow(/must not hold a lone surrogate/)
      await expect(sessions().remove(null, { query })).rejects.toBeInstanceOf(BadRequest)
    }
    await expect(sessions().find({ query: { $search: 'draft \ud83d' } })).rejects.toThrow(/lone surrogate/)
    const left = await sessions().find({ query: { agent: 'surrogates' } })
    expect(idsOf(left)).toEqual(idsOf([cut, replaced]))
    // documents keep both, as written
    expect((await sessions().get(cut.session_id)).title).toBe('draft \ud83d')
    // a whole surrogate pair is text like any other
    const emoji = await sessions().create({ agent: 'surrogates', title: 'done \ud83d\ude00' })
    expect(idsOf(await sessions().find({ query: { title: 'done \ud83d\ude00' } }))).toEqual([
      emoji.session_id
    ])
  })

  it('an integer past 2^53 matches the document it was written in, by every comparison', async () => {
    const big = 2 ** 60
    const [doc, other] = await sessions().create([
      { agent: 'big', custom_context: { n: big } },
      { agent: 'big', custom_context: { n: big + 2 ** 10 } }
    ])
    const found = async (condition: unknown) =>
      idsOf(await sessions().find({ query: { agent: 'big', 'custom_context.n': condition } }))
    expect(await found(big)).toEqual([doc!.session_id])
    expect(await found({ $in: [big, 1] })).toEqual([doc!.session_id])
    expect(await found({ $lte: big })).toEqual([doc!.session_id])
    expect(await found({ $gte: big })).toEqual(idsOf([doc!, other!]))
    expect(await found({ $lt: big })).toEqual([])
    expect(await found({ $gt: big })).toEqual([other!.session_id])
    expect(await found({ $ne: big })).toEqual([other!.session_id])
    expect(await found({ $nin: [big] })).toEqual([other!.session_id])
    expect(await found(-big)).toEqual([])
    // a multi patch by that value reaches the document, and only it
    const patched = await sessions().patch(null, { title: 'found' }, { query: { 'custom_context.n': big } })
    expect(patched.map((d) => d.session_id)).toEqual([doc!.session_id])
    expect((await sessions().get(doc!.session_id)).title).toBe('found')
    // past 2^63 SQLite reads a double, as the condition binds it
    const huge = await sessions().create({ agent: 'big', custom_context: { n: 1e20 } })
    expect(await found(1e20)).toEqual([huge.session_id])
    // in a declared number field too
    const session = await sessions().create({ agent: 'big' })
    const task = await tasks().create({ session_id: session.session_id, duration_ms: big })
    const byDuration = await tasks().find({ query: { duration_ms: big } })
    expect(byDuration.map((t) => t.task_id)).toEqual([task.task_id])
    // a page with its total too (the total is kept by the condition's values), twice
    for (let round = 0; round < 2; round++) {
      const page = await sessions().find({
        query: { agent: 'big', 'custom_context.n': { $gte: big } },
        paginate: { default: 10, max: 50 }
      })
      expect([page.total, idsOf(page.data)]).toEqual([3, idsOf([doc!, other!, huge])])
    }
    const text = await sessions().find({
      query: { agent: 'big', 'custom_context.n': '1152921504606847000' },
      paginate: { default: 10, max: 50 }
    })
    expect(text.total).toBe(0)
  })

  it('a timestamp field of a document takes an ISO timestamp with its offset, and nothing else', async () => {
    const session = await sessions().create({ agent: 'instants' })
    const task = await tasks().create({ session_id: session.session_id, started_at: '2025-12-31T23:30:00Z' })
    const query = (started_at: unknown) => ({ session_id: session.session_id, started_at })
    for (const text of [
      'tomorrow',
      // a query string's unencoded `+` arrives as a space
      '2026-01-01T00:00:00 01:00',
      '2026-02-30T00:00:00Z',
      '2026-03-01T24:00:00Z',
      '2026-01-01T00:00:00',
      '0000-01-01T00:30:00+01:00'
    ]) {
      await expect(tasks().find({ query: query({ $lt: text }) })).rejects.toThrow(
        /'started_at' needs an ISO timestamp with its offset/
      )
      await expect(tasks().find({ query: query({ $in: [text] }) })).rejects.toBeInstanceOf(BadRequest)
    }
    await expect(
      tasks().find({ query: { 'message_range.start_timestamp': { $gt: 'soon' } } })
    ).rejects.toThrow(BadRequest)
    expect((await tasks().find({ query: query({ $lt: '2026-01-01T00:00:00+01:00' }) })).length).toBe(0)
    expect(
      (await tasks().find({ query: query({ $lt: '2026-01-01T00:00:00Z' }) })).map((t) => t.task_id)
    ).toEqual([task.task_id])
    // nor a number or a boolean, which would be compared with the text
    for (const value of [Date.now(), true, 0]) {
      await expect(tasks().find({ query: query({ $gt: value }) })).rejects.toThrow(/needs an ISO timestamp/)
      await expect(tasks().find({ query: query({ $in: [value] }) })).rejects.toBeInstanceOf(BadRequest)
    }
    // a pattern is no timestamp: it matches the stored text
    expect((await tasks().find({ query: query({ $like: '2025-12-31T23:%' }) })).length).toBe(1)
    // a key's expires_at, a column of its own
    await store.collection('kv').update('instants:a', { value: 1, expires_at: '2099-01-01T00:00:00Z' })
    await expect(
      store.collection('kv').find({ query: { expires_at: { $lt: '2099-02-30T00:00:00Z' } } })
    ).rejects.toThrow(/'expires_at' needs an ISO timestamp/)
  })

  it('created_at takes an ISO date or time the calendar has, or milliseconds', async () => {
    const doc = await sessions().create({ agent: 'calendar' })
    const found = async (condition: unknown) =>
      idsOf(await sessions().find({ query: { agent: 'calendar', created_at: condition } }))
    for (const text of [
      '2026-11-31T23:59:59Z',
      '2026-02-29',
      '2026-01-01T24:00:00Z',
      'Dec 1 2026',
      'yesterday'
    ]) {
      await expect(found({ $lt: text })).rejects.toThrow(
        /'created_at' needs an ISO timestamp or milliseconds/
      )
    }
    const at = Date.parse(doc.created_at)
    expect(await found({ $gte: new Date(at).toISOString().slice(0, 10) })).toEqual([doc.session_id])
    expect(await found({ $lte: at })).toEqual([doc.session_id])
    expect(await found({ $lt: '2024-02-29T12:00:00+01:00' })).toEqual([])
    // and so does the change feed's `at`
    expect(changeQuery({ at: { $gte: '2026-11-30T23:00:00+01:00' } }).since).toBe(
      Date.parse('2026-11-30T22:00:00Z')
    )
    for (const text of ['2026-11-31T00:00:00Z', 'Dec 1 2026'])
      expect(() => changeQuery({ at: { $gte: text } })).toThrow(/'at' needs an ISO time or milliseconds/)
  })

  it(`a $like pattern is at most ${MAX_PATTERN.toLocaleString('en')} characters, never a 500`, async () => {
    const doc = await sessions().create({ agent: 'patterns', title: 'x' })
    const longest = `${'%'.repeat(MAX_PATTERN - 1)}x`
    for (const op of ['$like', '$ilike', '$notlike'] as const) {
      const query = { agent: 'patterns', title: { [op]: longest } }
      expect(idsOf(await sessions().find({ query }))).toEqual(op === '$notlike' ? [] : [doc.session_id])
      const tooLong = { agent: 'patterns', title: { [op]: `${longest}*` } }
      await expect(sessions().find({ query: tooLong })).rejects.toThrow(/at most 10000 characters/)
    }
    // characters, not UTF-16 units: an emoji counts once, and four bytes still fit
    const emoji = { agent: 'patterns', title: { $like: '\u{1F600}'.repeat(MAX_PATTERN) } }
    expect(await sessions().find({ query: emoji })).toEqual([])
    // escapes triple a character's bytes: the longest pattern of them still runs
    const escaped = { agent: 'patterns', title: { $like: '*?['.repeat(MAX_PATTERN / 3) } }
    expect(await sessions().find({ query: escaped })).toEqual([])
  })
})
