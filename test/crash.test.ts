// kill -9 in the middle of a large array create: afterwards the database checks clean and the
// array is either entirely present or entirely absent.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../src/store/database.js'
import { exportDocuments } from '../src/store/transfer.js'
import { checkDatabase, runFixture, stop, waitForLine } from './crash-helpers.js'
import { tempDir } from './helpers.js'

const COUNT = 10_000

describe('crash safety', () => {
  it('an import killed at any moment is all there or not at all', async () => {
    const source = await openDatabase({ url: `file:${join(tempDir(), 'source.db')}` })
    const sessions = await source
      .collection('sessions')
      .create(Array.from({ length: 2000 }, (_, i) => ({ agent: 'import', title: `s${i}` })))
    await source.collection('tasks').create(
      Array.from({ length: 8000 }, (_, i) => ({
        session_id: sessions[i % 2000]!.session_id,
        description: `t${i}`
      }))
    )
    await source.collection('boards').create(Array.from({ length: 4000 }, (_, i) => ({ name: `b${i}` })))
    const dump = join(tempDir(), 'dump')
    await exportDocuments(source, dump)
    source.close()

    const outcomes: string[] = []
    for (const [line, delay] of [
      ['ready', 0],
      ['ready', 80],
      ['ready', 200],
      ['ready', 400],
      ['imported', 0]
    ] as const) {
      const path = join(tempDir(), 'target.db')
      const child = runFixture('test/fixtures/import.ts', [path, dump])
      await waitForLine(child, line).catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, delay))
      await stop(child)
      expect(await checkDatabase(path)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 })
      const target = await openDatabase({ url: `file:${path}` })
      try {
        const counts = await Promise.all(
          (['sessions', 'tasks', 'boards'] as const).map(
            async (name) => (await target.collection(name).find({ query: { $limit: 0 }, paginate: {} })).total
          )
        )
        outcomes.push(counts.join('/'))
        expect(['0/0/0', '2000/8000/4000']).toContain(counts.join('/'))
      } finally {
        target.close()
      }
    }
    // the kills landed before and after the commit
    expect(outcomes).toContain('0/0/0')
    expect(outcomes).toContain('2000/8000/4000')
  })

  it('an array create killed at any moment is all there or not at all', async () => {
    const path = join(tempDir(), 'crash.db')
    const outcomes: number[] = []
    // kill while the first array is being written, and after one array is in, during the next
    for (const [line, delay] of [
      ['ready', 0],
      ['ready', 150],
      ['created 0', 0],
      ['created 0', 100],
      ['created 1', 50]
    ] as const) {
      const child = runFixture('test/fixtures/create-array.ts', [path, String(COUNT), '3'])
      await waitForLine(child, line)
      await new Promise((resolve) => setTimeout(resolve, delay))
      await stop(child)

      expect(await checkDatabase(path)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 })
      const database = await openDatabase({ url: `file:${path}` })
      try {
        const { rows } = await database.connection.execute(
          "SELECT substr(json_extract(data, '$.name'), 1, instr(json_extract(data, '$.name'), '-')) AS round, count(*) AS n FROM boards GROUP BY round"
        )
        for (const row of rows) expect(Number(row.n), `round ${row.round}`).toBe(COUNT)
        outcomes.push(rows.length)
        await database.connection.execute('DELETE FROM boards')
      } finally {
        database.close()
      }
    }
    // the kills landed at different points: not every run was empty
    expect(outcomes.some((n) => n > 0)).toBe(true)
  })
})
