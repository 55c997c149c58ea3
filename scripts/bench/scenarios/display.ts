/**
 * Display: the short ids of a page of 50 documents at 1M sessions, through the service's
 * `shortIds` method, against the limit reading the same 50 documents (one prepared statement, the
 * faster driver); and how many statements the short ids take.
 */
import type { Context, Scenario } from '../context.js'
import { countStatements } from '../counters.js'
import { compared, type Result } from '../report.js'
import { type LimitDriver, openLimit } from '../sides/limit.js'
import { COLUMN_LIST, docOfValues, expectSame } from '../sides/side.js'
import { openStoreSide } from '../sides/store.js'
import { interleave } from '../timing.js'

const BY_IDS = `SELECT ${COLUMN_LIST} FROM "sessions" WHERE "session_id" IN (SELECT value FROM json_each(?))`

export const display: Scenario = async (context: Context): Promise<Result[]> => {
  const dataset = await context.dataset('1m')
  const { store, sessions, close } = await openStoreSide(dataset.path)
  const drivers: LimitDriver[] = ['libsql', 'better-sqlite3']
  const limits = drivers.map((driver) => openLimit(driver, dataset.path, { readonly: true }))
  try {
    const { pages } = dataset.samples
    const counter = countStatements(store.database.connection)
    const shortIds = await sessions.shortIds({ ids: pages[0]! })
    const statements = counter.count
    counter.restore()
    for (const [k, id] of pages[0]!.entries())
      expectSame(id.startsWith(shortIds[k]!), true, `short id of ${id}`)
    const reads = limits.map((limit) => {
      const statement = limit.database.prepare(BY_IDS).raw(true)
      return {
        label: `${limit.label} page read`,
        op: (i: number) =>
          (statement.all(JSON.stringify(pages[i % pages.length])) as unknown[][]).map(docOfValues)
      }
    })
    for (const read of reads) expectSame(read.op(0).length, 50, read.label)
    const rounds = await interleave(
      [
        { label: 'service shortIds', op: (i) => sessions.shortIds({ ids: pages[i % pages.length]! }) },
        ...reads
      ],
      context.profile.timing
    )
    const [a, b] = [1, 2].map((k) =>
      compared(
        {
          item: 4,
          name: 'short_ids_page_vs_page_read_1m',
          description: `store shortIds of a page of 50 ids / the limit's read of those 50 documents (${drivers[k - 1]}), 1M`,
          unit: 'time ratio',
          target: { op: '<=', value: 2 }
        },
        rounds,
        0,
        k
      )
    )
    const limit = a!.value >= b!.value ? a! : b!
    return [
      {
        ...limit,
        limit: limit === a ? drivers[0] : drivers[1],
        candidates: { libsql: a!.value, 'better-sqlite3': b!.value }
      },
      {
        item: 4,
        name: 'short_ids_page_statements',
        value: statements,
        unit: 'statements',
        description: 'statements sent to the driver for the short ids of a page of 50',
        target: { op: '<=', value: 1 }
      }
    ]
  } finally {
    for (const limit of limits) limit.close()
    await close()
  }
}
