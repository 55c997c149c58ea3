// kill -9 in the middle of a large array create: afterwards the database checks clean and the
// array is either entirely present or entirely absent.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDocuments } from '../src/store/documents.js'
import { checkDatabase, runFixture, waitForLine } from './crash-helpers.js'
import { tempDir } from './helpers.js'

const COUNT = 10_000

describe('crash safety', () => {
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
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))

      expect(await checkDatabase(path)).toEqual({ integrity: 'ok', foreignKeyProblems: 0 })
      const documents = await openDocuments({ url: `file:${path}` })
      try {
        const { rows } = await documents.db.execute(
          "SELECT substr(json_extract(data, '$.name'), 1, instr(json_extract(data, '$.name'), '-')) AS round, count(*) AS n FROM boards GROUP BY round"
        )
        for (const row of rows) expect(Number(row.n), `round ${row.round}`).toBe(COUNT)
        outcomes.push(rows.length)
        await documents.db.execute('DELETE FROM boards')
      } finally {
        documents.close()
      }
    }
    // the kills landed at different points: not every run was empty
    expect(outcomes.some((n) => n > 0)).toBe(true)
  })
})
