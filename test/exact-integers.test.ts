// Integers past 2^53 are never rounded without a word: text that carries one (a REST body or
// query, the CLI's --data, --inc and values, an import file) is refused with a 400 and writes
// nothing; a row that holds one (written by another program) is refused on reading with a message
// that says why; an increment that would pass 2^53 is refused.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Libsql from 'libsql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inexactIntegerIn, isInexactInteger } from '../src/json-integers.js'
import { log } from '../src/log.js'
import { agor, json, openFile, tempDb } from './cli-helpers.js'
import { openTempStore, tempDir } from './helpers.js'
import { record, type Served, serve, waitFor } from './transport-helpers.js'

const BIG = '9007199254740993'

describe('finding inexact integers in JSON text', () => {
  it('finds integer literals past 2^53 outside strings, and nothing else', () => {
    expect(inexactIntegerIn(`{"n":${BIG}}`)).toBe(BIG)
    expect(inexactIntegerIn(`[1, [2, {"a": -${BIG}}]]`)).toBe(`-${BIG}`)
    expect(inexactIntegerIn('{"n":9007199254740991,"m":-9007199254740991}')).toBeUndefined()
    expect(inexactIntegerIn(`{"id":"${BIG}","q":"say \\"${BIG}\\" twice"}`)).toBeUndefined()
    expect(inexactIntegerIn(`{"${BIG}":1}`)).toBeUndefined()
    // a fraction or an exponent says what the number is
    expect(inexactIntegerIn('{"a":1e20,"b":12345678901234567.5,"c":1.2345678901234567e30}')).toBeUndefined()
    expect(inexactIntegerIn(`{"a":"\\\\","b":${BIG}}`)).toBe(BIG)
    expect(isInexactInteger('12345678901234567890')).toBe(true)
    expect(isInexactInteger('1e300')).toBe(false)
    expect(isInexactInteger(`${BIG}.`)).toBe(true)
  })

  it('takes back every number the store writes, and integers a double holds exactly', () => {
    // 2^53 itself, JSON.stringify's forms of 1e20 and 1.2345678901234568e20, and 10^21 written out
    for (const exact of [
      '9007199254740992',
      '-9007199254740992',
      '100000000000000000000',
      '123456789012345680000',
      '1000000000000000000000'
    ])
      expect(isInexactInteger(exact), exact).toBe(false)
    for (const value of [1e20, 1.5e16, 2 ** 60, -(2 ** 70), 1.2345678901234568e20])
      expect(inexactIntegerIn(JSON.stringify({ value })), String(value)).toBeUndefined()
  })
})

describe('over REST', () => {
  let served: Served
  const unexpected: unknown[] = []
  const report = log.error

  beforeAll(async () => {
    served = await serve()
    log.error = (_, error) => unexpected.push(error)
  })
  afterAll(async () => {
    log.error = report
    await served.close()
  })

  const count = async () => (await served.store.service('sessions').find({ query: { $limit: 0 } })).total

  it('refuses a body with an inexact integer, writing nothing, and takes it as a string', async () => {
    const before = await count()
    const refused = await served.http('POST', '/sessions', `{"agent":"a","custom_context":{"n":${BIG}}}`)
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain(BIG)
    expect(await count()).toBe(before)
    const session = await served.http(
      'POST',
      '/sessions',
      `{"agent":"a","custom_context":{"n":"${BIG}","f":1e20}}`
    )
    expect(session.status).toBe(201)
    const stored = await served.store.service('sessions').get(session.body.session_id)
    expect(stored.custom_context).toEqual({ n: BIG, f: 1e20 })
    const patched = await served.http(
      'PATCH',
      `/sessions/${session.body.session_id}`,
      `{"title":"t","x":[${BIG}]}`
    )
    expect(patched.status).toBe(400)
    expect((await served.store.service('sessions').get(session.body.session_id)).title).toBeUndefined()
  })

  it('refuses a body that any of the JSON types names, and takes back what it wrote', async () => {
    const before = await count()
    for (const type of [
      'application/csp-report',
      'application/vnd.api+json',
      'application/json; charset=utf-8'
    ]) {
      const refused = await served.http('POST', '/sessions', `{"agent":"a","n":${BIG}}`, {
        'content-type': type
      })
      expect(refused.status, type).toBe(400)
    }
    expect(await count()).toBe(before)
    const created = await served.http(
      'POST',
      '/sessions',
      '{"agent":"a","custom_context":{"n":1e20,"m":1.2345678901234568e20}}'
    )
    expect(created.status).toBe(201)
    const read = await served.http('GET', `/sessions/${created.body.session_id}`)
    const back = await served.http('PUT', `/sessions/${created.body.session_id}`, read.text)
    expect(back.status).toBe(200)
    expect((await served.store.service('sessions').get(created.body.session_id)).custom_context).toEqual({
      n: 1e20,
      m: 1.2345678901234568e20
    })
  })

  it('matches digits past 2^53 in a free-form field as the text they are stored as', async () => {
    const session = await served.store.service('sessions').create({ agent: 'a', custom_context: { s: BIG } })
    const found = await served.http('GET', `/sessions?custom_context.s=${BIG}`)
    expect(found.status).toBe(200)
    expect(found.body.data.map((d: { session_id: string }) => d.session_id)).toEqual([session.session_id])
    expect((await served.http('GET', `/tasks?tool_use_count=${BIG}.`)).status).toBe(400)
    expect((await served.http('GET', `/sessions?created_at[$lt]=${BIG}`)).status).toBe(400)
  })

  it('refuses a query that compares with an inexact integer', async () => {
    const refused = await served.http('GET', `/sessions?custom_context.n[$gt]=1&message_count=${BIG}`)
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain(BIG)
    expect((await served.http('GET', '/sessions?custom_context.n=9007199254740991')).status).toBe(200)
  })

  it('refuses to read a row that another program gave an inexact integer, and says why', async () => {
    const sessions = served.store.service('sessions')
    const session = await sessions.create({ agent: 'a' })
    const message = await served.store
      .service('messages')
      .create({ session_id: session.session_id, index: 1, type: 'user', role: 'user', content: 'x' })
    await served.store.database.connection.execute({
      sql: 'UPDATE messages SET "index" = ? WHERE message_id = ?',
      args: [2n ** 53n + 1n, message.message_id]
    })
    const got = await served.http('GET', `/messages/${message.message_id}`)
    expect(got.status).toBe(500)
    expect(got.body.message).toContain('2^53')
    expect(got.text).not.toMatch(/at .*\.js|SELECT/)
    expect((await served.http('GET', '/messages')).body.message).toContain('2^53')
    expect(unexpected).toEqual([])
  })

  it('sends the events after a change whose document it cannot show, and says it skipped that one', async () => {
    const warnings: string[] = []
    const warn = log.warn
    log.warn = (message) => warnings.push(message)
    try {
      const client = await served.client()
      const events = record(client.app.service('sessions'))
      const broken = await served.http('POST', '/sessions', { agent: 'a' })
      await waitFor(() => events.length === 1, 'the first event')
      // another program moves its timestamp past the range of dates: the trigger records a change
      await served.store.database.connection.execute({
        sql: 'UPDATE sessions SET updated_at = ? WHERE session_id = ?',
        args: [8_700_000_000_000_000, broken.body.session_id]
      })
      const after = await served.http('POST', '/sessions', { agent: 'after' })
      expect(after.status, after.text).toBe(201)
      await waitFor(
        () => events.some((e) => e.data.session_id === after.body.session_id),
        `the next event (${warnings.join('; ')})`
      )
      expect(
        warnings.some((w) => w.includes('left out') && w.includes('range of dates')),
        warnings.join('; ')
      ).toBe(true)
      const got = await served.http('GET', `/sessions/${broken.body.session_id}`)
      expect(got.status).toBe(500)
      expect(got.body.message).toContain('range of dates')
      await served.store.database.connection.execute({
        sql: 'DELETE FROM sessions WHERE session_id = ?',
        args: [broken.body.session_id]
      })
    } finally {
      log.warn = warn
    }
  })

  it('patches a row whose timestamps another program stored with a fraction of a millisecond', async () => {
    const created = await served.http('POST', '/sessions', { agent: 'a' })
    const id = created.body.session_id
    const { connection } = served.store.database
    await connection.execute({
      sql: 'UPDATE sessions SET created_at = created_at + 0.5, updated_at = updated_at + 0.5 WHERE session_id = ?',
      args: [id]
    })
    const read = await served.http('GET', `/sessions/${id}`)
    expect(read.body.created_at).toBe(created.body.created_at)
    const patched = await served.http('PATCH', `/sessions/${id}`, { title: 'mended' })
    expect(patched.status, patched.text).toBe(200)
    const { rows } = await connection.execute({
      sql: "SELECT updated_at, typeof(updated_at) AS type, data ->> '$.title' AS title FROM sessions WHERE session_id = ?",
      args: [id]
    })
    expect(rows[0]).toMatchObject({ type: 'integer', title: 'mended' })
    expect(Number(rows[0]!.updated_at)).toBeGreaterThan(Date.parse(created.body.updated_at))
  })

  it('refuses to read a timestamp that another program stored as text, and says why', async () => {
    const created = await served.http('POST', '/sessions', { agent: 'a' })
    const id = created.body.session_id
    for (const text of ['', 'yesterday']) {
      await served.store.database.connection.execute({
        sql: 'UPDATE sessions SET updated_at = ? WHERE session_id = ?',
        args: [text, id]
      })
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { title: 'x' }]
      ] as const) {
        const got = await served.http(method, `/sessions/${id}`, body)
        expect(got.status, `${method} with ${JSON.stringify(text)}`).toBe(500)
        expect(got.body.message).toBe(
          'The database holds a timestamp that is not a number of milliseconds (another program wrote it)'
        )
      }
    }
    await served.store.database.connection.execute({
      sql: 'DELETE FROM sessions WHERE session_id = ?',
      args: [id]
    })
  })
})

describe('increments', () => {
  it('refuses an increment that leaves a whole number past 2^53, and keeps the stored one', async () => {
    const store = await openTempStore()
    try {
      const sessions = store.service('sessions')
      const session = await sessions.create({
        agent: 'a',
        custom_context: { n: Number.MAX_SAFE_INTEGER - 1 }
      })
      await sessions.patch(session.session_id, { $inc: { 'custom_context.n': 1 } } as never)
      await expect(
        sessions.patch(session.session_id, { $inc: { 'custom_context.n': 2 } } as never)
      ).rejects.toMatchObject({ code: 400 })
      expect((await sessions.get(session.session_id)).custom_context).toEqual({ n: Number.MAX_SAFE_INTEGER })
    } finally {
      await store.close()
    }
  })
})

describe('the CLI', () => {
  it('refuses --data, --inc and key-value values with an inexact integer, writing nothing', async () => {
    const { path, db } = tempDb()
    const created = await agor([
      'session',
      'create',
      '--agent',
      'a',
      '--data',
      `{"custom_context":{"n":${BIG}}}`,
      ...db
    ])
    expect(created.code).toBe(1)
    expect(created.stderr).toContain(BIG)
    const file = join(tempDir(), 'doc.json')
    writeFileSync(file, `{"agent":"a","list":[${BIG}]}`)
    expect((await agor(['session', 'create', '--data', `@${file}`, ...db])).code).toBe(1)
    const store = await openFile(path)
    expect((await store.service('sessions').find({ query: { $limit: 0 } })).total).toBe(0)
    const session = json<{ session_id: string }>(
      await agor(['session', 'create', '--agent', 'a', '--json', ...db])
    )
    const inc = await agor([
      'session',
      'update',
      session.session_id,
      '--inc',
      `custom_context.n=${BIG}`,
      ...db
    ])
    expect(inc.code).toBe(1)
    expect(inc.stderr).toContain(BIG)
    expect((await store.service('sessions').get(session.session_id)).custom_context).toBeUndefined()
    expect((await agor(['kv', 'set', 'k', BIG, ...db])).code).toBe(1)
    expect((await agor(['kv', 'set', 'k', '1', '--version', BIG, ...db])).code).toBe(2)
    expect((await agor(['kv', 'get', 'k', ...db])).code).toBe(3)
  })

  it('says why it cannot read a row with an inexact integer, without a stack', async () => {
    const { path, db } = tempDb()
    const session = json<{ session_id: string }>(
      await agor(['session', 'create', '--agent', 'a', '--json', ...db])
    )
    const message = json<{ message_id: string }>(
      await agor([
        'message',
        'create',
        '--session',
        session.session_id,
        '--data',
        '{"index":1,"type":"user","role":"user","content":"x"}',
        '--json',
        ...db
      ])
    )
    const other = new Libsql(path)
    other.prepare('UPDATE messages SET "index" = 9007199254740993').run()
    other.close()
    const shown = await agor(['message', 'show', message.message_id, ...db])
    expect(shown.code).toBe(1)
    expect(shown.stderr).toContain('2^53')
    expect(shown.stderr).not.toMatch(/\n\s+at /)
    const listed = await agor(['message', 'list', '--session', session.session_id, ...db], {
      env: { AGOR_DEBUG: '1' }
    })
    expect(listed.code).toBe(1)
    expect(listed.stderr).toContain('2^53')
  })
})

describe('export and import', () => {
  it('takes back every number it exported', async () => {
    const { path, db } = tempDb()
    const created = json<{ session_id: string }>(
      await agor([
        'session',
        'create',
        '--agent',
        'a',
        '--data',
        '{"custom_context":{"n":1e20,"m":-1.5e16}}',
        '--json',
        ...db
      ])
    )
    const out = join(tempDir(), 'dump')
    expect((await agor(['db', 'export', '--out', out, ...db])).code).toBe(0)
    const target = tempDb()
    const imported = await agor(['db', 'import', out, ...target.db])
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
    const store = await openFile(target.path)
    expect((await store.service('sessions').get(created.session_id)).custom_context).toEqual({
      n: 1e20,
      m: -1.5e16
    })
    expect(path).not.toBe(target.path)
  })
})
