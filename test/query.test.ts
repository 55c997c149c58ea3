import { BadRequest } from '@feathersjs/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '../src/store/database.js'
import { likeToGlob } from '../src/store/operators.js'
import { tempDbUrl } from './helpers.js'

type Doc = Record<string, unknown> & { task_id: string }
let store: Database
let sessionId: string
let all: Doc[]

const tasks = () => store.collection('tasks')
const ids = (docs: { task_id: string }[]) => docs.map((d) => d.task_id).sort()
const where = (predicate: (d: Doc) => boolean) => ids(all.filter(predicate))
const get = (d: Doc, path: string) =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], d)

beforeAll(async () => {
  store = await openDatabase({ url: tempDbUrl() })
  const session = await store.collection('sessions').create({ agent: 'claude-code' })
  sessionId = session.session_id
  const statuses = ['created', 'running', 'completed', 'failed'] as const
  const refs = ['main', 'dev', 'feature/x', 'Main', null]
  const created = await tasks().create(
    Array.from({ length: 40 }, (_, i) => ({
      session_id: sessionId,
      status: statuses[i % 4],
      description: i % 7 === 0 ? undefined : `Task %${i} ${i % 3 === 0 ? 'Deploy' : 'deploy'}_it`,
      model: i % 5 === 0 ? null : `model-${i % 3}`,
      tool_use_count: i,
      message_range: { start: i * 10, end: i * 10 + 5 },
      git_state: refs[i % 5] === null ? undefined : { ref: refs[i % 5] as string }
    }))
  )
  all = created as Doc[]
})
afterAll(() => store.close())

describe('comparison operators', () => {
  it('equality on a column and on a nested JSON field', async () => {
    expect(ids(await tasks().find({ query: { status: 'running' } }))).toEqual(
      where((d) => d.status === 'running')
    )
    expect(ids(await tasks().find({ query: { 'git_state.ref': 'main' } }))).toEqual(
      where((d) => get(d, 'git_state.ref') === 'main')
    )
    expect(ids(await tasks().find({ query: { 'message_range.start': 70 } }))).toEqual(
      where((d) => get(d, 'message_range.start') === 70)
    )
  })

  it('null means IS NULL, for missing and null values alike', async () => {
    expect(ids(await tasks().find({ query: { model: null } }))).toEqual(where((d) => d.model == null))
    expect(ids(await tasks().find({ query: { 'git_state.ref': null } }))).toEqual(
      where((d) => get(d, 'git_state.ref') == null)
    )
    expect(ids(await tasks().find({ query: { model: { $ne: null } } }))).toEqual(
      where((d) => d.model != null)
    )
  })

  it('$ne keeps documents that lack the field', async () => {
    expect(ids(await tasks().find({ query: { 'git_state.ref': { $ne: 'main' } } }))).toEqual(
      where((d) => get(d, 'git_state.ref') !== 'main')
    )
    expect(ids(await tasks().find({ query: { status: { $ne: 'failed' } } }))).toEqual(
      where((d) => d.status !== 'failed')
    )
  })

  it('$in and $nin, with null among the values', async () => {
    const refs = ['main', 'dev']
    expect(ids(await tasks().find({ query: { 'git_state.ref': { $in: refs } } }))).toEqual(
      where((d) => refs.includes(get(d, 'git_state.ref') as string))
    )
    expect(ids(await tasks().find({ query: { 'git_state.ref': { $in: ['main', null] } } }))).toEqual(
      where((d) => get(d, 'git_state.ref') === 'main' || get(d, 'git_state.ref') == null)
    )
    expect(ids(await tasks().find({ query: { 'git_state.ref': { $nin: refs } } }))).toEqual(
      where((d) => !refs.includes(get(d, 'git_state.ref') as string))
    )
    expect(ids(await tasks().find({ query: { 'git_state.ref': { $nin: ['main', null] } } }))).toEqual(
      where((d) => get(d, 'git_state.ref') != null && get(d, 'git_state.ref') !== 'main')
    )
    expect(ids(await tasks().find({ query: { status: { $in: ['running', 'failed'] } } }))).toEqual(
      where((d) => d.status === 'running' || d.status === 'failed')
    )
    expect(await tasks().find({ query: { status: { $in: [] } } })).toEqual([])
    expect(await tasks().find({ query: { status: { $nin: [] } } })).toHaveLength(40)
  })

  it('$lt, $lte, $gt, $gte on numbers in JSON and on timestamp columns', async () => {
    const n = (q: object) => tasks().find({ query: { tool_use_count: q } })
    expect(ids(await n({ $lt: 10 }))).toEqual(where((d) => (d.tool_use_count as number) < 10))
    expect(ids(await n({ $lte: 10 }))).toEqual(where((d) => (d.tool_use_count as number) <= 10))
    expect(ids(await n({ $gt: 30 }))).toEqual(where((d) => (d.tool_use_count as number) > 30))
    expect(ids(await n({ $gte: 30, $lt: 35 }))).toEqual(
      where((d) => (d.tool_use_count as number) >= 30 && (d.tool_use_count as number) < 35)
    )
    const later = await tasks().create({ session_id: sessionId, description: 'later' })
    const before = await tasks().find({ query: { created_at: { $lt: later.created_at } } })
    expect(before).toHaveLength(40)
    expect(ids(await tasks().find({ query: { created_at: { $gte: later.created_at } } }))).toContain(
      later.task_id
    )
    expect(
      ids(await tasks().find({ query: { created_at: { $gte: Date.parse(later.created_at) } } }))
    ).toContain(later.task_id)
    await tasks().remove(later.task_id)
  })

  it('$like is case-sensitive with % and _, $ilike is not, $notlike keeps missing values', async () => {
    const like = await tasks().find({ query: { description: { $like: '%Deploy%' } } })
    expect(ids(like)).toEqual(where((d) => String(d.description ?? '').includes('Deploy')))
    expect(ids(await tasks().find({ query: { description: { $ilike: '%deploy%' } } }))).toEqual(
      where((d) => /deploy/i.test(String(d.description ?? '')))
    )
    expect(ids(await tasks().find({ query: { description: { $notlike: '%Deploy%' } } }))).toEqual(
      where((d) => !String(d.description ?? '').includes('Deploy'))
    )
    expect(ids(await tasks().find({ query: { description: { $like: 'Task %1_ %' } } }))).toEqual(
      where((d) => /^Task %1\d /.test(String(d.description ?? '')))
    )
    // an escaped % matches itself only
    expect(ids(await tasks().find({ query: { description: { $like: 'Task \\%3 %' } } }))).toEqual(
      where((d) => String(d.description ?? '').startsWith('Task %3 '))
    )
    expect(likeToGlob('a*b?[c]%_\\%')).toBe('a[*]b[?][[]c]*?%')
  })

  it('patterns on timestamps match the ISO text that documents show', async () => {
    const [first] = all
    const created = String(first!.created_at)
    const like = (pattern: string, op = '$like') => tasks().find({ query: { created_at: { [op]: pattern } } })
    expect(ids(await like(created))).toEqual(where((d) => d.created_at === created))
    expect(ids(await like(`${created.slice(0, 4)}-%`))).toEqual(ids(all))
    expect(ids(await like(`${created.slice(0, 10).toLowerCase()}t%z`, '$ilike'))).toEqual(
      where((d) => String(d.created_at).startsWith(created.slice(0, 10)))
    )
    expect(await like(`${created.slice(0, 4)}-%`, '$notlike')).toEqual([])
    expect(await like(`${String(Date.parse(created)).slice(0, 4)}%`)).toEqual([])
  })

  it('on free-form JSON, a value matches stored values of its own JSON type only', async () => {
    const sessions = store.collection('sessions')
    const values = [1, 2, 10, true, false, '1', '10', 'b', { a: 1 }, [1], null]
    const made = await sessions.create([
      ...values.map((prio) => ({ agent: 'typed', custom_context: { prio } })),
      { agent: 'typed' }
    ])
    const prioOf = (d: Record<string, unknown>) => (d.custom_context as { prio?: unknown } | undefined)?.prio
    const find = async (prio: unknown) =>
      (
        (await sessions.find({ query: { agent: 'typed', 'custom_context.prio': prio } })) as Record<
          string,
          unknown
        >[]
      )
        .map(prioOf)
        .map((v) => JSON.stringify(v))
        .sort()
    const expected = (predicate: (v: unknown) => boolean) =>
      made
        .map(prioOf)
        .filter(predicate)
        .map((v) => JSON.stringify(v))
        .sort()
    const num = (v: unknown): v is number => typeof v === 'number'
    const str = (v: unknown): v is string => typeof v === 'string'
    expect(await find(1)).toEqual(expected((v) => v === 1))
    expect(await find(true)).toEqual(expected((v) => v === true))
    expect(await find('1')).toEqual(expected((v) => v === '1'))
    expect(await find({ $ne: 1 })).toEqual(expected((v) => v !== 1))
    expect(await find({ $in: [1, 'b', false] })).toEqual(expected((v) => v === 1 || v === 'b' || v === false))
    expect(await find({ $nin: [1, '1'] })).toEqual(expected((v) => v !== 1 && v !== '1'))
    expect(await find({ $gt: 1 })).toEqual(expected((v) => num(v) && v > 1))
    expect(await find({ $lt: 'a' })).toEqual(expected((v) => str(v) && v < 'a'))
    expect(await find({ $between: [1, 5] })).toEqual(expected((v) => num(v) && v >= 1 && v <= 5))
    expect(await find({ $like: '1%' })).toEqual(expected((v) => str(v) && v.startsWith('1')))
    expect(await find({ $like: '[%' })).toEqual([])
    expect(await find({ $notlike: '1%' })).toEqual(expected((v) => !(str(v) && v.startsWith('1'))))
    // no document can hold a __proto__ key, so a path through one is refused, not an empty match
    await expect(sessions.find({ query: { 'custom_context.__proto__': 1 } })).rejects.toThrow(BadRequest)
    await sessions.remove(null, { query: { agent: 'typed' } })
  })

  it('$or and $and nest', async () => {
    const query = {
      $or: [
        { status: 'running', 'git_state.ref': 'main' },
        { $and: [{ tool_use_count: { $gte: 35 } }, { model: null }] }
      ]
    }
    expect(ids(await tasks().find({ query }))).toEqual(
      where(
        (d) =>
          (d.status === 'running' && get(d, 'git_state.ref') === 'main') ||
          ((d.tool_use_count as number) >= 35 && d.model == null)
      )
    )
    expect(await tasks().find({ query: { $or: [] } })).toEqual([])
  })

  it('a relation field takes a short id', async () => {
    const short = await store.shortId('sessions', sessionId)
    expect(await tasks().find({ query: { session_id: short } })).toHaveLength(40)
    expect(await tasks().find({ query: { session_id: { $in: [short.toUpperCase()] } } })).toHaveLength(40)
  })
})

describe('filters', () => {
  it('$sort by a JSON field and a column, $limit and $skip', async () => {
    const page = await tasks().find({ query: { $sort: { 'message_range.start': -1 }, $limit: 5, $skip: 2 } })
    expect(page.map((d) => d.tool_use_count)).toEqual([37, 36, 35, 34, 33])
    const byStatus = await tasks().find({ query: { $sort: { status: 1, tool_use_count: -1 }, $limit: 3 } })
    expect(byStatus.map((d) => [d.status, d.tool_use_count])).toEqual([
      ['completed', 38],
      ['completed', 34],
      ['completed', 30]
    ])
  })

  it('pagination totals count the whole filtered set', async () => {
    const page = await tasks().find({
      query: { status: 'running', $limit: 3, $skip: 1 },
      paginate: { default: 10 }
    })
    expect(page.total).toBe(10)
    expect(page.limit).toBe(3)
    expect(page.skip).toBe(1)
    expect(page.data).toHaveLength(3)
    const capped = await tasks().find({ query: { $limit: 1000 }, paginate: { default: 10, max: 25 } })
    expect(capped).toMatchObject({ total: 40, limit: 25 })
    expect(capped.data).toHaveLength(25)
    const countOnly = await tasks().find({ query: { model: null, $limit: 0 }, paginate: { default: 10 } })
    expect(countOnly).toEqual({ total: where((d) => d.model == null).length, limit: 0, skip: 0, data: [] })
  })

  it('$select keeps the id and the named fields, nested ones inside their objects', async () => {
    const [doc] = await tasks().find({
      query: { $select: ['status', 'message_range.end', 'git_state.ref'], $limit: 1 }
    })
    expect(doc).toEqual({
      task_id: all[0]!.task_id,
      status: 'created',
      message_range: { end: 5 },
      git_state: { ref: 'main' }
    })
    // a document without the field gets none, and no empty object on its way
    const withoutModel = await tasks().create({ session_id: sessionId, git_state: { base_sha: 'abc' } })
    const [selected] = await tasks().find({
      query: { task_id: withoutModel.task_id, $select: ['git_state.ref', 'message_range.end', 'model'] }
    })
    expect(selected).toEqual({ task_id: withoutModel.task_id })
    await tasks().remove(withoutModel.task_id)
  })
})

describe('$select through lists and free-form keys', () => {
  const sessions = () => store.collection('sessions')
  const select = async (id: string, $select: string[]) => {
    const [found] = await sessions().find({ query: { session_id: id, $select }, paginate: false })
    const got = await sessions().get(id, { query: { $select } })
    expect(got).toEqual(found)
    return found
  }

  it('a path through a list item keeps the list whole, with nothing made up', async () => {
    const { session_id: id } = await sessions().create({
      agent: 'select',
      custom_context: { y: { w: [1, { v: 2 }], other: 'x' }, tags: ['a', 'b'] }
    })
    expect(await select(id, ['custom_context.y.w.1.v'])).toEqual({
      session_id: id,
      custom_context: { y: { w: [1, { v: 2 }] } }
    })
    expect(await select(id, ['custom_context.y.w.0', 'custom_context.y.other'])).toEqual({
      session_id: id,
      custom_context: { y: { w: [1, { v: 2 }], other: 'x' } }
    })
    // an item or a field the document lacks adds nothing, not even the list around it
    for (const path of ['custom_context.y.w.2', 'custom_context.y.w.0.v', 'custom_context.y.w.1.u'])
      expect(await select(id, [path]), path).toEqual({ session_id: id })
    await sessions().remove(id)
  })

  it('Object.prototype members and a list length are no fields of a document', async () => {
    const { session_id: id } = await sessions().create({
      agent: 'select',
      custom_context: { w: [1, 2], constructor: 'mine' }
    })
    for (const path of [
      'custom_context.w.length',
      'custom_context.toString',
      'custom_context.hasOwnProperty',
      'custom_context.w.0.toFixed'
    ])
      expect(await select(id, [path]), path).toEqual({ session_id: id })
    expect(await select(id, ['custom_context.constructor'])).toEqual({
      session_id: id,
      custom_context: { constructor: 'mine' }
    })
    await sessions().remove(id)
  })
})

describe('refused queries', () => {
  const bad = (query: Record<string, unknown>) => expect(tasks().find({ query })).rejects.toThrow(BadRequest)

  it('unknown fields, as a condition, in $sort and in $select', async () => {
    await bad({ nope: 1 })
    await bad({ 'git_state.nope': 'main' })
    await bad({ 'message_range.start.deeper': 1 })
    await bad({ nope: { $gt: 1 } })
    await bad({ $sort: { nope: 1 } })
    await bad({ $select: ['nope'] })
    await expect(tasks().find({ query: { nope: 1 } })).rejects.toThrow("Unknown field 'nope' in tasks query")
  })

  it('SQL in field names, $sort and $select', async () => {
    await bad({ 'status = status OR 1=1 --': 'x' })
    await bad({ "data') --": 'x' })
    await bad({ "git_state.ref' = '' OR '1": 'x' })
    await bad({ $sort: { 'created_at; DROP TABLE tasks': 1 } })
    await bad({ $sort: { created_at: 'DESC; DROP TABLE tasks' } })
    await bad({ $select: ['status, (SELECT sql FROM sqlite_master)'] })
    await bad({ $limit: '1; DROP TABLE tasks' })
    expect(await tasks().find()).toHaveLength(40)
  })

  it('unknown operators and malformed values', async () => {
    await bad({ status: { $regex: '.*' } })
    await bad({ status: { $in: 'running' } })
    await bad({ tool_use_count: { $gt: null } })
    await bad({ git_state: { ref: 'main' } })
    await bad({ status: ['running'] })
    await bad({ $or: { status: 'running' } })
    await bad({ $where: '1' })
    await bad({ $limit: -1 })
    await bad({ description: { $like: 5 } })
    await bad({ created_at: { $gt: 'yesterday' } })
  })

  it('a condition whose value is undefined, so that a multi remove or patch never widens to all', async () => {
    await bad({ status: undefined })
    await bad({ $or: [{ status: 'running' }, { 'git_state.ref': undefined }] })
    await expect(tasks().remove(null, { query: { session_id: undefined } })).rejects.toThrow(
      "Query value of 'session_id' is undefined"
    )
    await expect(tasks().patch(null, { report: 'all' }, { query: { status: undefined } })).rejects.toThrow(
      BadRequest
    )
    expect(await tasks().find({ query: { report: 'all' } })).toEqual([])
    expect(await tasks().find({ query: { $limit: undefined } })).toHaveLength(40)
  })

  it('binds values: SQL in a value matches nothing and runs nothing', async () => {
    expect(await tasks().find({ query: { status: "running' OR '1'='1" } })).toEqual([])
    expect(await tasks().find({ query: { 'git_state.ref': "x'); DROP TABLE tasks; --" } })).toEqual([])
    expect(await tasks().find()).toHaveLength(40)
  })
})
