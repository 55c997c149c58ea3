import { describe, expect, it } from 'vitest'
import { KeyedQueue } from '../src/keyed-queue.js'
import { type Database, openDatabase } from '../src/store/database.js'
import { tempDbUrl } from './helpers.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 1))

describe('KeyedQueue', () => {
  it('runs tasks of one key one at a time, in order, and tasks of other keys alongside', async () => {
    const queue = new KeyedQueue()
    const running = new Map<string, number>()
    const most = new Map<string, number>()
    const order: string[] = []
    let overall = 0
    let mostOverall = 0
    const task = (key: string, n: number) => async () => {
      running.set(key, (running.get(key) ?? 0) + 1)
      overall++
      most.set(key, Math.max(most.get(key) ?? 0, running.get(key)!))
      mostOverall = Math.max(mostOverall, overall)
      await tick()
      order.push(`${key}${n}`)
      running.set(key, running.get(key)! - 1)
      overall--
      if (n === 2) throw new Error(`task ${key}${n} fails`)
      return n
    }
    const results = await Promise.allSettled(
      [0, 1, 2, 3, 4].flatMap((n) => [queue.run('a', task('a', n)), queue.run('b', task('b', n))])
    )
    expect(most).toEqual(
      new Map([
        ['a', 1],
        ['b', 1]
      ])
    )
    expect(mostOverall).toBe(2)
    expect(order.filter((o) => o.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])
    // a failing task rejects its own caller only
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled'
    ])
  })
})

describe('KeyedQueue failFast', () => {
  it('turns the error of the task before into the waiting ones, which then never run', async () => {
    const queue = new KeyedQueue()
    const ran: number[] = []
    const unreachable = new Error('no answer')
    const failFast = (previous: unknown) =>
      previous === unreachable || (previous instanceof Error && previous.message.startsWith('not sent'))
        ? new Error(`not sent after: ${(previous as Error).message}`)
        : undefined
    const first = queue.run('k', async () => {
      ran.push(1)
      await tick()
      throw unreachable
    })
    const waiting = [2, 3].map((n) =>
      queue.run(
        'k',
        async () => {
          ran.push(n)
          return n
        },
        failFast
      )
    )
    const results = await Promise.allSettled([first, ...waiting])
    expect(ran).toEqual([1])
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason.message) : r.value))).toEqual([
      'no answer',
      'not sent after: no answer',
      'not sent after: not sent after: no answer'
    ])
    // another error does not stop the next task, and the key is free again afterwards
    await expect(queue.run('k', async () => 4, failFast)).resolves.toBe(4)
    const other = queue.run('k', async () => {
      throw new Error('other')
    })
    await expect(queue.run('k', async () => 5, failFast)).resolves.toBe(5)
    await expect(other).rejects.toThrow('other')
  })
})

describe('concurrent patches of one document in one process', () => {
  it('all land, each on its own field', async () => {
    const store: Database = await openDatabase({ url: tempDbUrl() })
    try {
      const sessions = store.collection('sessions')
      const doc = await sessions.create({ agent: 'x' })
      const short = doc.session_id.slice(0, 13).toUpperCase()
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          sessions.patch(i % 2 ? doc.session_id : short, { custom_context: { [`k${i}`]: i } })
        )
      )
      const stored = await sessions.get(doc.session_id)
      expect(Object.keys(stored.custom_context ?? {})).toHaveLength(300)
    } finally {
      store.close()
    }
  })
})
