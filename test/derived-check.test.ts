// The store's derived objects (triggers, the tag index, the search index) damaged by another
// tool: `agor db check` says so and what to do, and `agor db migrate` makes them again.
import Libsql from 'libsql'
import { describe, expect, it } from 'vitest'
import { agor, json, tempDb } from './cli-helpers.js'

describe('derived indexes damaged by another tool', () => {
  it('are reported by db check and made again by db migrate', async () => {
    const { path, db } = tempDb()
    const made = json<{ session_id: string }>(
      await agor([
        'session',
        'create',
        '--agent',
        'a',
        '--title',
        'hello world',
        '--tag',
        'old',
        '--json',
        ...db
      ])
    )
    const raw = new Libsql(path)
    const fts = raw
      .prepare(
        `SELECT name FROM sqlite_master WHERE name LIKE 'agor_search_sessions_%' AND sql LIKE 'CREATE VIRTUAL TABLE%'`
      )
      .get() as { name: string }
    raw.exec('DROP TRIGGER agor_tags_sessions_update')
    raw
      .prepare(`UPDATE sessions SET data = json_set(data, '$.tags', json('["new"]')) WHERE session_id = ?`)
      .run(made.session_id)
    raw.exec(`DROP TABLE "${fts.name}"`)
    raw.close()

    const check = await agor(['db', 'check', ...db])
    expect(check.code).toBe(1)
    expect(check.stdout).toContain('agor_tags_sessions_update')
    expect(check.stdout).toContain('the tag index of sessions misses 1 tags')
    expect(check.stdout).toContain('the search index of sessions is missing')
    expect(check.stdout).toContain('agor db migrate')

    expect((await agor(['db', 'migrate', ...db])).code).toBe(0)
    const again = await agor(['db', 'check', ...db])
    expect(again.stdout).toContain('No problems found')
    expect(again.code).toBe(0)
    const listed = async (...args: string[]) =>
      json<{ data: { session_id: string }[] }>(
        await agor(['session', 'list', '--json', ...args, ...db])
      ).data.map((d) => d.session_id)
    expect(await listed('--tag', 'new')).toEqual([made.session_id])
    expect(await listed('--tag', 'old')).toEqual([])
    expect(await listed('--search', 'hello')).toEqual([made.session_id])
  })

  it('a search index that lost rows is reported, and made again by db migrate', async () => {
    const { path, db } = tempDb()
    await agor(['session', 'create', '--agent', 'a', '--title', 'alpha login', ...db])
    await agor(['session', 'create', '--agent', 'a', '--title', 'beta deploy', ...db])
    // a search indexes the queued documents, so that the index holds them
    expect(
      json<{ total: number }>(await agor(['session', 'list', '--search', 'alpha', '--json', ...db])).total
    ).toBe(1)
    const raw = new Libsql(path)
    const fts = raw
      .prepare(
        `SELECT name FROM sqlite_master WHERE name LIKE 'agor_search_sessions_%' AND sql LIKE 'CREATE VIRTUAL TABLE%'`
      )
      .get() as { name: string }
    const said = {
      [`${fts.name}_rows`]: 'the search index of sessions holds 0 of 2 documents',
      [fts.name]: 'the search index of sessions holds 0 texts for its 2 documents'
    }
    for (const [table, problem] of Object.entries(said)) {
      raw.exec(`DELETE FROM "${table}"`)
      const check = await agor(['db', 'check', ...db])
      expect(check.code, table).toBe(1)
      expect(check.stdout).toContain(problem)
      expect((await agor(['db', 'migrate', ...db])).code).toBe(0)
      expect((await agor(['db', 'check', ...db])).code).toBe(0)
      const found = json<{ total: number }>(
        await agor(['session', 'list', '--search', 'alpha', '--json', ...db])
      )
      expect(found.total).toBe(1)
    }
    raw.close()
  })
})
