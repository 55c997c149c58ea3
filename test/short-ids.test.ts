import { createClient } from '@libsql/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AmbiguousIdError, DocumentNotFoundError, InvalidIdError } from '../src/errors.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { tempDbUrl } from './helpers.js'

let store: Database
let url: string
let ids: string[]
let shorts: string[]

const hexLength = (s: string) => s.replaceAll('-', '').length

beforeAll(async () => {
  url = tempDbUrl()
  store = await openDatabase({ url })
  const created = await store
    .collection('sessions')
    .create(Array.from({ length: 1000 }, (_, i) => ({ agent: 'claude-code', title: `burst ${i}` })))
  ids = created.map((s) => s.session_id)
  shorts = await store.collection('sessions').shortIds(ids)
})
afterAll(() => store.close())

describe('short ids of 1,000 sessions created in one call', () => {
  it('are all distinct, at least 8 and at most 16 hex digits, and prefixes of their ids', () => {
    expect(new Set(shorts).size).toBe(1000)
    for (const [i, short] of shorts.entries()) {
      expect(ids[i]!.startsWith(short)).toBe(true)
      expect(hexLength(short)).toBeGreaterThanOrEqual(8)
      expect(hexLength(short)).toBeLessThanOrEqual(16)
    }
  })

  it('each resolve to their own document', async () => {
    const sessions = store.collection('sessions')
    for (const [i, short] of shorts.entries()) {
      const doc = await sessions.get(short)
      expect(doc.session_id).toBe(ids[i])
      expect(doc.title).toBe(`burst ${i}`)
    }
  })

  it('are the shortest: one digit less is ambiguous (or below 8 digits)', async () => {
    const sessions = store.collection('sessions')
    for (const short of shorts.slice(0, 100)) {
      const hex = short.replaceAll('-', '')
      if (hex.length === 8) continue
      await expect(sessions.get(hex.slice(0, -1))).rejects.toThrow(AmbiguousIdError)
    }
  })

  it('resolve dashless, dashed and uppercase', async () => {
    const sessions = store.collection('sessions')
    const id = ids[500]!
    const short = shorts[500]!
    for (const input of [
      short,
      short.replaceAll('-', ''),
      short.toUpperCase(),
      id,
      id.toUpperCase(),
      id.replaceAll('-', '')
    ]) {
      expect((await sessions.get(input)).session_id).toBe(id)
    }
  })

  it('are the same for an id written in any form a get takes, and refuse anything but whole ids', async () => {
    const sessions = store.collection('sessions')
    const forms = ids.slice(0, 50).flatMap((id) => [id.toUpperCase(), id.replaceAll('-', '')])
    const expected = shorts.slice(0, 50).flatMap((short) => [short, short])
    expect(await sessions.shortIds(forms)).toEqual(expected)
    for (const bad of [ids[0]!.slice(0, 8), 'zz', "'; drop table sessions; --", `${ids[0]}0`]) {
      await expect(sessions.shortIds([bad])).rejects.toThrow(InvalidIdError)
    }
    expect((await sessions.find({ query: { $limit: 0 }, paginate: {} })).total).toBe(1000)
  })

  it('of a collection that does not exist is a 400, as a rejected promise', async () => {
    for (const name of ['nope', 'constructor', 'toString']) {
      await expect(store.shortId(name as 'sessions', ids[0]!)).rejects.toMatchObject({ code: 400 })
    }
  })

  it('an id too long to echo is cut in the error message', async () => {
    const error = await store
      .collection('sessions')
      .get('x'.repeat(100_000))
      .catch((e: InvalidIdError) => e)
    expect(error).toBeInstanceOf(InvalidIdError)
    expect((error as InvalidIdError).message.length).toBeLessThan(200)
  })
})

describe('an ambiguous prefix', () => {
  it('is a 409 whose candidates each have a distinct short id that resolves', async () => {
    const sessions = store.collection('sessions')
    const prefix = ids[0]!.slice(0, 8)
    const error = await sessions.get(prefix).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(AmbiguousIdError)
    const { code, message, data } = error as AmbiguousIdError
    expect(code).toBe(409)
    expect(message).toMatch(new RegExp(`'${prefix}' is ambiguous`))
    expect(data.prefix).toBe(prefix)
    expect(data.candidates).toHaveLength(10)
    const candidateShorts = data.candidates.map((c: { short_id: string }) => c.short_id)
    expect(new Set(candidateShorts).size).toBe(10)
    for (const candidate of data.candidates) {
      expect(candidate.id.startsWith(prefix)).toBe(true)
      expect(candidate).toMatchObject({ status: 'idle', summary: expect.stringMatching(/^burst /) })
      expect((await sessions.get(candidate.short_id)).session_id).toBe(candidate.id)
    }
  })

  it('is a 409 for a get with conditions too, even when one candidate alone meets them', async () => {
    const sessions = store.collection('sessions')
    const prefix = ids[0]!.slice(0, 8)
    await expect(sessions.get(prefix, { query: { title: 'burst 0' } })).rejects.toThrow(AmbiguousIdError)
    await expect(sessions.get(shorts[0]!, { query: { title: 'burst 0' } })).resolves.toMatchObject({
      session_id: ids[0]
    })
    await expect(sessions.get(shorts[0]!, { query: { title: 'burst 1' } })).rejects.toThrow(
      DocumentNotFoundError
    )
  })

  it('is also refused by patch, update and remove, which change nothing', async () => {
    const sessions = store.collection('sessions')
    const prefix = ids[0]!.slice(0, 8)
    await expect(sessions.patch(prefix, { title: 'x' })).rejects.toThrow(AmbiguousIdError)
    await expect(sessions.update(prefix, { agent: 'x' })).rejects.toThrow(AmbiguousIdError)
    await expect(sessions.remove(prefix)).rejects.toThrow(AmbiguousIdError)
    expect(await sessions.find({ query: { title: 'x' } })).toHaveLength(0)
    expect((await sessions.find({ query: { $limit: 0 }, paginate: {} })).total).toBe(1000)
  })
})

describe('bad and unknown prefixes', () => {
  it.each(['', 'abc', '%', '0199b73d_', 'zzzz', `${'a'.repeat(33)}`, '0199%', "'; DROP TABLE sessions; --"])(
    'rejects %j with a 400 that names the rule',
    async (input) => {
      await expect(store.collection('sessions').get(input)).rejects.toThrow(InvalidIdError)
      await expect(store.collection('sessions').get(input)).rejects.toMatchObject({ code: 400 })
    }
  )

  it('reports an unknown prefix as not found', async () => {
    const unknown = ids[0]!.startsWith('ffff') ? '0000' : 'ffff'
    const error = await store
      .collection('sessions')
      .get(`${unknown}abcd`)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DocumentNotFoundError)
    expect((error as Error).message).toBe(`No session matches '${unknown}abcd'`)
  })

  it('do not match ids of another collection', async () => {
    await expect(store.collection('tasks').get(ids[0]!)).rejects.toThrow(DocumentNotFoundError)
  })
})

describe('the resolver', () => {
  it('searches the primary-key index and never scans', async () => {
    const client = createClient({ url })
    try {
      const plan = async (sql: string, args: string[]) =>
        (await client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args })).rows
          .map((r) => String(r.detail))
          .join('\n')
      const range = await plan(
        'SELECT * FROM sessions WHERE "session_id" >= ? AND "session_id" < ? ORDER BY "session_id" LIMIT 2',
        ['0199', '019a']
      )
      expect(range).toMatch(
        /^SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 \(session_id>\? AND session_id<\?\)$/
      )
      const neighbours = await plan(
        'SELECT (SELECT "session_id" FROM sessions WHERE "session_id" < ? ORDER BY "session_id" DESC LIMIT 1)',
        ['0199']
      )
      expect(neighbours).toMatch(
        /SEARCH sessions USING COVERING INDEX sqlite_autoindex_sessions_1 \(session_id<\?\)/
      )
      expect(neighbours).not.toMatch(/SCAN sessions/)
    } finally {
      client.close()
    }
  })

  it('gets a document by prefix with one statement', async () => {
    const statements: unknown[] = []
    const execute = store.connection.execute.bind(store.connection)
    store.connection.execute = (statement) => {
      statements.push(statement)
      return execute(statement)
    }
    try {
      await store.collection('sessions').get(shorts[42]!)
      expect(statements).toHaveLength(1)
      expect(JSON.stringify(statements[0])).toMatch(/LIMIT 2/)
      expect(JSON.stringify(statements[0])).not.toMatch(/LIKE/i)
    } finally {
      store.connection.execute = execute
    }
    // the statement itself, planned on a connection of its own (EXPLAIN holds a connection's snapshot)
    const { sql, args } = statements[0] as { sql: string; args: string[] }
    const client = createClient({ url })
    try {
      const { rows } = await client.execute({ sql: `EXPLAIN QUERY PLAN ${sql}`, args })
      const plan = rows.map((r) => String(r.detail))
      expect(
        plan.filter((step) => /^SEARCH sessions USING .*INDEX sqlite_autoindex_sessions_1/.test(step))
      ).toHaveLength(2)
      expect(plan.join('\n')).not.toMatch(/SCAN sessions/)
    } finally {
      client.close()
    }
  })
})
