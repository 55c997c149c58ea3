// Two processes on one database file that link the sessions of a pair under each other at the same
// moment: one of the two writes wins, the other is the 400 of a write that would make a session its
// own ancestor, and no loop is ever stored (a check before the write let both through).
import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../src/store/database.js'
import { finished } from './concurrency-scenario.js'
import { waitForLine } from './crash-helpers.js'
import { tempDir } from './helpers.js'

const PAIRS = 150
const COLUMNS = ['parent_session_id', 'forked_from_session_id'] as const

type Outcome = 'ok' | { code: number; name: string; message: string }

function racer(path: string, pairsFile: string, side: 'a' | 'b'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/loop-racer.ts', path, pairsFile, side], {
    stdio: ['pipe', 'pipe', 'pipe']
  })
}

/** The sessions that following `column` upwards from themselves comes back to. */
function inLoops(links: ReadonlyMap<string, string | null>): string[] {
  return [...links.keys()].filter((start) => {
    let at = links.get(start) ?? null
    for (let steps = 0; at !== null && steps <= links.size; steps++) {
      if (at === start) return true
      at = links.get(at) ?? null
    }
    return false
  })
}

describe('ancestor loops across processes', () => {
  it('two processes linking each pair both ways at once store no loop; each loser gets the 400', async () => {
    const dir = tempDir()
    const path = join(dir, 'race.db')
    const setup = await openDatabase({ url: `file:${path}` })
    const made = await setup
      .collection('sessions')
      .create(Array.from({ length: 2 * PAIRS }, (_, i) => ({ agent: 'race', title: `race ${i}` })))
    setup.close()
    const pairs = Array.from({ length: PAIRS }, (_, i) => ({
      first: made[2 * i]!.session_id,
      second: made[2 * i + 1]!.session_id,
      column: COLUMNS[i % 2]!
    }))
    const pairsFile = join(dir, 'pairs.json')
    writeFileSync(pairsFile, JSON.stringify(pairs))

    const racers = [racer(path, pairsFile, 'a'), racer(path, pairsFile, 'b')]
    const outputs = racers.map((child) => finished(child))
    // both open before either writes: the patches of the two meet
    await Promise.all(racers.map((child) => waitForLine(child, 'ready')))
    for (const child of racers) child.stdin?.end('go\n')
    const [a, b] = (await Promise.all(outputs)).map((out) => JSON.parse(out.split('\n').at(-2)!) as Outcome[])

    const db = await openDatabase({ url: `file:${path}` })
    try {
      const stored = new Map((await db.collection('sessions').find()).map((s) => [s.session_id, s]))
      for (const column of COLUMNS) {
        const links = new Map([...stored].map(([id, s]) => [id, s[column] ?? null]))
        expect(inLoops(links), column).toEqual([])
      }
      pairs.forEach(({ first, second, column }, i) => {
        const outcomes = [a![i]!, b![i]!]
        // the first of the two to commit wins; the other would close the loop
        expect(
          outcomes.filter((o) => o === 'ok'),
          `pair ${i}`
        ).toHaveLength(1)
        const [winner, loser, target] = a![i] === 'ok' ? [first, second, first] : [second, first, second]
        expect(outcomes.find((o) => o !== 'ok')).toEqual({
          code: 400,
          name: 'BadRequest',
          message: `${column} ${target} would make a session its own ancestor`
        })
        expect(stored.get(winner)?.[column]).toBe(loser)
        expect(stored.get(loser)?.[column] ?? null).toBeNull()
      })
    } finally {
      db.close()
    }
  }, 60_000)
})
