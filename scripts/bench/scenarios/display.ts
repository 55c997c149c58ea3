/**
 * Item 4, display: the short ids of a page of 50 documents at 1M sessions, through the service's
 * `shortIds` method, against a plain read of the same 50 rows by the driver (one statement each).
 */
import type { Context, Scenario } from '../context.js'
import { countStatements } from '../counters.js'
import { compared, type Result } from '../report.js'
import { COLUMNS, expectSame, openFileStore } from '../stores.js'
import { interleave } from '../timing.js'

export const display: Scenario = async (context: Context): Promise<Result[]> => {
  const dataset = await context.dataset('1m')
  const { store, sessions, client } = await openFileStore(dataset.path)
  try {
    const { pages } = dataset.samples
    const counter = countStatements(store.database.connection)
    const shortIds = await sessions.shortIds({ ids: pages[0]! })
    const statements = counter.count
    counter.restore()
    for (const [k, id] of pages[0]!.entries())
      expectSame(id.startsWith(shortIds[k]!), true, `short id of ${id}`)
    const byIds = `SELECT ${COLUMNS} FROM sessions WHERE session_id IN (SELECT value FROM json_each(?))`
    const rounds = await interleave(
      [
        { label: 'service shortIds', op: (i) => sessions.shortIds({ ids: pages[i % pages.length]! }) },
        {
          label: 'raw page read',
          op: (i) => client.execute({ sql: byIds, args: [JSON.stringify(pages[i % pages.length])] })
        }
      ],
      context.profile.timing
    )
    return [
      compared(
        {
          item: 4,
          name: 'short_ids_page_vs_page_read_1m',
          description: 'service shortIds of a page of 50 ids / raw read of those 50 rows, 1M',
          unit: 'time ratio',
          target: { op: '<=', value: 2 }
        },
        rounds,
        0,
        1
      ),
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
    await store.close()
  }
}
