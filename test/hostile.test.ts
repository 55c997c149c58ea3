// Hostile input over REST and socket.io: each request gets a 4xx Feathers error, the rows are
// unchanged (a checksum of every table before and after), and the server keeps serving.
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { log } from '../src/log.js'
import { MAX_DEPTH } from '../src/store/plain-json.js'
import { type Served, serve } from './transport-helpers.js'

let served: Served
let socket: Socket
const unexpected: unknown[] = []
const report = log.error
let sessionId: string
let taskId: string

beforeAll(async () => {
  served = await serve()
  log.error = (_, error) => unexpected.push(error)
  const session = await served.store.service('sessions').create({ agent: 'claude-code', title: 'target' })
  sessionId = session.session_id
  taskId = (await served.store.service('tasks').create({ session_id: sessionId, description: 't' })).task_id
  await served.store.service('boards').create({ name: 'board' })
  await served.store.service('repos').create({ slug: 'org/repo' })
  socket = io(served.server.url, { transports: ['websocket'] })
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
})

afterAll(async () => {
  log.error = report
  socket.close()
  await served.close()
})

async function checksum(): Promise<string> {
  const hash = createHash('sha256')
  for (const table of ['sessions', 'tasks', 'boards', 'repos']) {
    const { rows } = await served.store.database.connection.execute(`SELECT * FROM ${table} ORDER BY 1`)
    hash.update(JSON.stringify(rows))
  }
  return hash.digest('hex')
}

/** Socket.io call in Feathers' wire protocol: emit(method, path, ...args, callback). */
function emit(method: string, path: unknown, ...args: unknown[]): Promise<{ code?: number; name?: string }> {
  return new Promise((resolve) =>
    socket.emit(method, path, ...args, (error: unknown) => resolve(error as object))
  )
}

function expectClientError(status: number, body: { code?: number; name?: string } | undefined, what: string) {
  expect(status, what).toBeGreaterThanOrEqual(400)
  expect(status, what).toBeLessThan(500)
  expect(body?.code, what).toBe(status)
  expect(typeof body?.name, what).toBe('string')
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { deeper: value }
  return value
}

describe('a fixed corpus of hostile requests', () => {
  const corpus = (): [string, string, unknown?][] => [
    ['POST', '/sessions', '{"agent": '],
    ['POST', '/sessions', '{"agent": "x",}'],
    ['POST', '/sessions', 'null'],
    ['POST', '/sessions', '123'],
    ['POST', '/sessions', '"just a string"'],
    ['POST', '/sessions', '[1, 2, 3]'],
    ['POST', '/sessions', { agent: 123 }],
    ['POST', '/sessions', { agent: null }],
    ['POST', '/sessions', { agent: ['x'] }],
    ['POST', '/sessions', { agent: 'x', status: 'exploded' }],
    ['POST', '/sessions', { agent: 'x', repo: 'not an object' }],
    ['POST', '/sessions', { agent: 'x', git_state: { ref: 5 } }],
    ['POST', '/sessions', { agent: 'x', evil: true }],
    ['POST', '/sessions', { agent: 'x', constructor: { prototype: { polluted: 1 } } }],
    ['POST', '/sessions', { agent: 'x', toString: 'x', hasOwnProperty: 2 }],
    ['POST', '/tasks', { session_id: 'ffffffff', description: 'unknown prefix' }],
    ['PUT', '/sessions/TARGET', { agent: 'a', valueOf: 3 }],
    ['PATCH', '/sessions?toString=1', { title: 'everyone' }],
    ['DELETE', '/sessions?constructor=1'],
    ['DELETE', '/sessions?__proto__[x]=1'],
    ['DELETE', '/sessions?%5F%5Fproto%5F%5F=1'],
    ['DELETE', '/sessions?agent[constructor]=x'],
    ['DELETE', '/sessions?agent[$in][__proto__]=x'],
    ['DELETE', '/sessions?hasOwnProperty=x'],
    ['GET', '/sessions?$limit=1e9'],
    ['GET', '/sessions?$limit=abc'],
    ['GET', '/sessions?$limit=-1'],
    ['GET', '/sessions?$skip=1e3'],
    ['DELETE', '/sessions?$skip=0x1F'],
    ['PATCH', '/sessions?$skip=1e3', { title: 'skipped' }],
    ['DELETE', '/health'],
    ['POST', '/sessions', { agent: 'x', repo: { cwd: '/', evil: true } }],
    ['POST', '/sessions', { agent: 'x', custom_context: nested(MAX_DEPTH + 5) }],
    ['POST', '/sessions', `{"agent":"x","custom_context":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`],
    ['POST', '/sessions', '{"agent":"x","__proto__":{"polluted":true}}'],
    ['POST', '/sessions', '{"agent":"x","custom_context":{"__proto__":{"polluted":true}}}'],
    ['POST', '/sessions', { agent: 'x', session_id: 'not-a-uuid' }],
    ['POST', '/sessions', { agent: 'x', parent_session_id: 'ffffffff' }],
    ['POST', '/sessions', { agent: 'x', parent_session_id: "'; DROP TABLE sessions; --" }],
    ['POST', '/tasks', { session_id: '0199b73d-b52e-7ed1-b028-277d6ad08cef' }],
    ['POST', '/tasks', { description: 'no session' }],
    ['POST', '/repos', { slug: 'org/repo' }],
    ['POST', '/repos', { slug: '' }],
    ['POST', '/boards', { name: 'x'.repeat(2 * 1024 * 1024) }],
    ['PATCH', '/sessions/TARGET', { agent: null }],
    ['PATCH', '/sessions/TARGET', { status: 42 }],
    ['PATCH', '/sessions/TARGET', { unknown_field: 1 }],
    ['PATCH', '/sessions/TARGET', '[]'],
    ['PUT', '/sessions/TARGET', { title: 'no agent' }],
    ['PUT', '/sessions', { agent: 'x' }],
    ['PATCH', '/sessions?nope=1', { title: 'x' }],
    ['DELETE', '/sessions?nope[$gt]=1'],
    ['GET', '/sessions?nope=1'],
    ['GET', '/sessions?agent[$where]=1'],
    ['GET', '/sessions?agent[$regex]=.*'],
    ['GET', '/sessions?created_at;DROP TABLE sessions=1'],
    ['GET', '/sessions?$sort[created_at;DROP TABLE sessions]=1'],
    ['GET', '/sessions?$sort[created_at]=sideways'],
    ['GET', '/sessions?$select[]=agent,(SELECT sql FROM sqlite_master)'],
    ['GET', '/sessions?$select[]=nope'],
    ['GET', '/sessions?$skip=-5'],
    ['GET', '/sessions?$or=1'],
    ['GET', '/sessions?$nope=1'],
    ['GET', '/tasks?tool_use_count=many'],
    ['GET', '/tasks?created_at[$gt]=yesterday'],
    ['GET', `/sessions?agent[$in][]=${'a&agent[$in][]='.repeat(1100)}a`],
    ['GET', '/sessions/0199%25'],
    ['GET', '/sessions/0199*'],
    ['GET', '/sessions/____'],
    ['GET', '/sessions/abc'],
    ['GET', '/sessions/0199b73d_'],
    ['GET', `/sessions/${'a'.repeat(33)}`],
    ['GET', '/sessions/%00%00%00%00'],
    ['GET', "/sessions/'%20OR%201=1%20--"],
    ['GET', '/tasks/TARGET'],
    ['GET', '/sessions/TASK'],
    ['DELETE', '/tasks/TARGET'],
    ['POST', '/sessions/TARGET/fork', { evil: 1 }],
    ['POST', '/sessions/ffffffff/spawn', {}],
    ['GET', '/nowhere'],
    ['GET', '/sessions/constructor'],
    ['GET', '/sessions/valueOf'],
    ['GET', '/toString'],
    ['POST', '/__proto__/x', {}],
    ['POST', '/authentication', { strategy: 'apiKey', apiKey: 'x' }]
  ]

  it('gets a 4xx for each, changes no row, and the server keeps serving', async () => {
    const before = await checksum()
    for (const [method, rawPath, body] of corpus()) {
      const path = rawPath.replace('TARGET', sessionId).replace('TASK', taskId)
      const { status, body: answer, text } = await served.http(method, path, body)
      expectClientError(status, answer, `${method} ${rawPath.slice(0, 80)}`)
      // (messages may quote the request, which here contains SQL on purpose)
      expect(text).not.toMatch(
        /SQLITE_[A-Z]|libsql|constraint failed|no such (table|column)|\bat \S+:\d+:\d+/
      )
    }
    expect(await checksum()).toBe(before)
    expect(unexpected).toEqual([])
    expect((await served.http('GET', '/health')).status).toBe(200)
    expect({} as Record<string, unknown>).not.toHaveProperty('polluted')
  })

  it('says what is wrong with each', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/sessions', 'null', 400, 'The request body must be a JSON object or array'],
      [
        'POST',
        '/sessions',
        '{"__proto__":{}}',
        400,
        'Invalid request body: the key __proto__ is not allowed'
      ],
      ['POST', '/sessions', { agent: 'x', toString: 1 }, 400, 'Invalid session: toString: Unknown field'],
      ['DELETE', '/sessions?constructor=1', undefined, 400, "Unknown field 'constructor' in sessions query"],
      [
        'DELETE',
        '/sessions?__proto__[x]=1',
        undefined,
        400,
        'Invalid query: the key __proto__ is not allowed'
      ],
      ['GET', '/sessions?$limit=1e9', undefined, 400, '$limit must be a non-negative integer'],
      [
        'POST',
        '/tasks',
        { session_id: 'ffffffff' },
        400,
        'session_id "ffffffff" does not name an existing session'
      ],
      ['DELETE', '/health', undefined, 405, '/health answers GET, not DELETE']
    ]
    const gzipped = await served.http('POST', '/sessions', 'not gzip', { 'content-encoding': 'gzip' })
    expect(gzipped).toMatchObject({
      status: 400,
      body: { message: 'The request body does not match its Content-Encoding' }
    })
    for (const [method, path, body, code, message] of cases) {
      const { status, body: answer } = await served.http(method, path, body)
      expect({ status, message: answer?.message }, `${method} ${path}`).toEqual({ status: code, message })
    }
    // an unknown prefix in a query is like an unknown whole id: it matches nothing
    const page = await served.http('GET', '/tasks?session_id=ffffffff')
    expect(page).toMatchObject({ status: 200, body: { total: 0, data: [] } })
  })

  it('the same over socket.io, with malformed calls too', async () => {
    const before = await checksum()
    const calls: [string, unknown, ...unknown[]][] = [
      ['create', 'sessions', { agent: 5 }, {}],
      ['create', 'sessions', { agent: 'x', evil: 1 }, {}],
      ['create', 'sessions', { agent: 'x', constructor: 1 }, {}],
      ['update', 'sessions', sessionId, { agent: 'x', toString: 'x' }, {}],
      ['find', 'sessions', { $limit: { $gt: 1 } }],
      ['remove', 'sessions', null, { constructor: 1 }],
      ['create', 'sessions', { agent: 'x', custom_context: nested(MAX_DEPTH + 1) }, {}],
      ['create', 'sessions', null, {}],
      ['create', 'sessions', 'a string', {}],
      ['patch', 'sessions', sessionId, { agent: 7 }, {}],
      ['patch', 'sessions', null, { title: 'all' }, { nope: 1 }],
      ['update', 'sessions', sessionId, { title: 'x' }, {}],
      ['get', 'sessions', '%%%%', {}],
      ['get', 'sessions', { $ne: null }, {}],
      ['get', 'sessions', ['0199'], {}],
      ['get', 'tasks', sessionId, {}],
      ['find', 'sessions', { agent: { $in: Array(1001).fill('a') } }],
      ['find', 'sessions', { nope: 1 }],
      ['find', 'sessions', { $sort: { 'created_at DESC; DROP TABLE x': 1 } }],
      ['find', 'sessions', { $or: [{ $or: [{ $or: [{ $or: [] }] }] }], $and: 'x' }],
      ['find', 'sessions', { agent: { title: 'nested object' } }],
      ['remove', 'sessions', '0000', {}],
      ['remove', 'sessions', null, { nope: 1 }],
      ['fork', 'sessions', { id: 'zz' }, {}],
      ['genealogy', 'sessions', 'not an object', {}],
      ['create', 'nowhere', {}, {}],
      ['explode', 'sessions', {}, {}],
      ['create', { not: 'a path' }, {}, {}],
      ['create', 'constructor', {}, {}],
      ['get', 'sessions/__proto__', 'x', {}],
      ['shortIds', 'sessions', { ids: ['x'] }, {}],
      // own __proto__ keys, as JSON.parse makes them: dropped, they would widen the write to every row
      ['remove', 'sessions', null, JSON.parse('{"__proto__":{"agent":"nobody"}}')],
      ['patch', 'sessions', null, { title: 'all' }, JSON.parse('{"__proto__":{"agent":"nobody"}}')],
      ['find', 'sessions', JSON.parse('{"$sort":{"__proto__":1}}')]
    ]
    for (const [method, path, ...args] of calls) {
      const error = await emit(method, path, ...args)
      const what = `${method} ${JSON.stringify(path)} ${JSON.stringify(args).slice(0, 60)}`
      expect(error, what).toBeTruthy()
      expect(error.code, what).toBeGreaterThanOrEqual(400)
      expect(error.code, what).toBeLessThan(500)
    }
    expect(await checksum()).toBe(before)
    expect(unexpected).toEqual([])
    expect((await served.store.service('sessions').get(sessionId)).title).toBe('target')
  })
})

describe('generated hostile requests', () => {
  const knownFields = new Set([
    'agent',
    'title',
    'description',
    'repo',
    'git_state',
    'custom_context',
    'status'
  ])
  // names of Object.prototype members are tried often: `key in object` and qs both trip on them
  const prototypeNames = Object.getOwnPropertyNames(Object.prototype).filter((k) => k !== '__proto__')
  const junkKey = fc
    .oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom(...prototypeNames))
    .filter((k) => !knownFields.has(k) && k !== '__proto__')

  it('documents with a field the schema does not know: 400 and nothing written', async () => {
    const before = await checksum()
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(junkKey, fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 4 }),
        fc.constantFrom(
          'POST /sessions',
          'PATCH /sessions/TARGET',
          'PUT /sessions/TARGET',
          'socket create',
          'socket patch'
        ),
        async (junk, route) => {
          const body = { agent: 'x', ...junk }
          if (route.startsWith('socket')) {
            const error =
              route === 'socket create'
                ? await emit('create', 'sessions', body, {})
                : await emit('patch', 'sessions', sessionId, body, {})
            return error?.code === 400
          }
          const [method, path] = route.split(' ') as [string, string]
          const { status, body: answer } = await served.http(method, path.replace('TARGET', sessionId), body)
          return status === 400 && answer.name === 'BadRequest'
        }
      ),
      { numRuns: 150 }
    )
    expect(await checksum()).toBe(before)
    expect(unexpected).toEqual([])
  })

  it('queries on fields the schema does not know, with any operator and value: 400', async () => {
    const before = await checksum()
    const operator = fc.constantFrom(
      '$in',
      '$nin',
      '$lt',
      '$lte',
      '$gt',
      '$gte',
      '$ne',
      '$like',
      '$ilike',
      '$between',
      'eq'
    )
    await fc.assert(
      fc.asyncProperty(junkKey, operator, fc.jsonValue({ maxDepth: 2 }), async (field, op, value) => {
        const condition = op === 'eq' ? value : { [op]: value }
        const error = await emit('find', 'sessions', { [field]: condition })
        const rest = await served.http(
          'GET',
          `/sessions?${encodeURIComponent(field)}=${encodeURIComponent(JSON.stringify(value) ?? '')}`
        )
        return error?.code === 400 && rest.status === 400
      }),
      { numRuns: 150 }
    )
    expect(await checksum()).toBe(before)
    expect(unexpected).toEqual([])
  })

  it('any string as an id: 400 unless it is a hex prefix, and then 404 or the document', async () => {
    const before = await checksum()
    await fc.assert(
      // (an empty id is the collection's own path: a find)
      // ('.' and '..' are path steps that URLs resolve away)
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s !== '.' && s !== '..'),
        async (input) => {
          const { status, body } = await served.http('GET', `/sessions/${encodeURIComponent(input)}`)
          if (status === 200)
            return typeof body.session_id === 'string' && body.session_id.startsWith(input.toLowerCase())
          const patched = await served.http('PATCH', `/sessions/${encodeURIComponent(input)}`, { evil: 1 })
          return status >= 400 && status < 500 && patched.status >= 400 && patched.status < 500
        }
      ),
      { numRuns: 200 }
    )
    expect(await checksum()).toBe(before)
    expect(unexpected).toEqual([])
  })

  it('arbitrary JSON bodies and values never cause a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/sessions', '/tasks', '/boards', '/repos'),
        fc.jsonValue({ maxDepth: 4 }),
        async (path, body) => {
          const { status } = await served.http('POST', path, JSON.stringify(body))
          const error = await emit('create', path.slice(1), body, {})
          return status < 500 && (error === null || error === undefined || (error.code ?? 0) < 500)
        }
      ),
      { numRuns: 150 }
    )
    expect(unexpected).toEqual([])
    expect((await served.http('GET', '/health')).status).toBe(200)
  })
})

describe('own __proto__ keys in a query through the library', () => {
  it('are a 400 and remove nothing', async () => {
    const before = await checksum()
    const boards = served.store.service('boards')
    const query = JSON.parse('{"__proto__":{"name":"nobody"}}')
    await expect(boards.remove(null, { query })).rejects.toMatchObject({
      code: 400,
      message: 'Invalid query: the key __proto__ is not allowed'
    })
    await expect(
      boards.find({ query: JSON.parse('{"$or":[{"name":"board"}],"__proto__":{}}') })
    ).rejects.toMatchObject({ code: 400 })
    expect(await checksum()).toBe(before)
  })
})
