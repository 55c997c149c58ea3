/**
 * A store with its change feed switched off, in this process only, for the benchmark: its feed's
 * triggers dropped after it opened, and the two statements that leave each write's context for
 * those triggers (see src/store/feed-triggers.ts) left out of its writes: what is left is the write
 * itself. The product has no such option, and should not: a write that leaves no change is an event
 * that no daemon sends.
 */
import type { Connection, Result, Statement } from '../../../src/db/connection.js'
import { CHANGE_CONTEXT_TABLE } from '../../../src/schema/changes.js'
import { quoteIdent } from '../../../src/schema/sql.js'
import type { Store } from '../../../src/service/store.js'
import { feedTriggers } from '../../../src/store/feed-triggers.js'

const NOTHING: Result = { columns: [], rows: [], rowsAffected: 0 }

const sqlOf = (statement: Statement) => (typeof statement === 'string' ? statement : statement.sql)
const isContext = (statement: Statement | undefined) =>
  statement !== undefined && sqlOf(statement).includes(CHANGE_CONTEXT_TABLE)

/**
 * Leaves the context statements out of `db`'s batches: a write's batch begins and ends with them,
 * and the store reads the results in between, so each one left out answers an empty result.
 * Only the first and last statements are looked at, so that the check itself costs next to nothing.
 */
function withoutContext(db: Connection): void {
  const batch = db.batch
  db.batch = async (statements, mode) => {
    if (statements.length < 3 || !isContext(statements[0]) || !isContext(statements.at(-1)))
      return batch.call(db, statements, mode)
    const results = await batch.call(db, statements.slice(1, -1), mode)
    return [NOTHING, ...results, NOTHING]
  }
}

/**
 * Drops `store`'s feed triggers, and keeps its writes as they are: they still leave their context
 * for triggers that are gone. What is left of the feed's cost is that context's.
 */
export async function dropFeedTriggers(store: Store): Promise<void> {
  await store.database.connection.migrate(
    feedTriggers().map(({ name }) => `DROP TRIGGER ${quoteIdent(name)}`)
  )
}

/** Switches `store`'s change feed off: its writes leave no change from now on, and no context. */
export async function dropFeed(store: Store): Promise<void> {
  await dropFeedTriggers(store)
  withoutContext(store.database.connection)
}
