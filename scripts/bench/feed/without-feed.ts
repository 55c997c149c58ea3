/**
 * A store with its change feed switched off, in this process's benchmark only: the feed's triggers
 * dropped, and its writes sent to the tables themselves instead of through its write views (see
 * src/store/write-views.ts), whose triggers write the change rows; the two statements that leave a
 * removal's context are left out. What is left is the write itself, as a store without a feed would
 * make it: a creation's multi-row INSERT, an update's guarded UPDATE (of `data` and `updated_at`:
 * the benchmark's writes change no other column). The product has no such option, and should not:
 * a write that leaves no change is an event that no daemon sends.
 */
import type { Connection, InValue, Result, Statement } from '../../../src/db/connection.js'
import { CHANGE_CONTEXT_TABLE } from '../../../src/schema/changes.js'
import { collectionNames, collections } from '../../../src/schema/index.js'
import { quoteIdent } from '../../../src/schema/sql.js'
import type { Store } from '../../../src/service/store.js'
import { feedTriggers } from '../../../src/store/feed-triggers.js'
import { rowMapper } from '../../../src/store/row.js'
import {
  CREATE_EXTRAS,
  createView,
  DATA_UPDATE_EXTRAS,
  dataUpdateColumns,
  dataUpdateView,
  UPDATE_EXTRAS,
  updateView
} from '../../../src/store/write-views.js'

const NOTHING: Result = { columns: [], rows: [], rowsAffected: 0 }

type Rewrite = (args: InValue[]) => Statement

/** The direct write of each write view's INSERT, by the INSERT's beginning. */
function rewrites(): Map<string, Rewrite> {
  const map = new Map<string, Rewrite>()
  for (const name of collectionNames) {
    const def = collections[name]
    const { columns, columnList } = rowMapper(def)
    const table = quoteIdent(def.name)
    const width = columns.length + CREATE_EXTRAS.length
    map.set(`INSERT INTO ${quoteIdent(createView(def))} `, (args) => {
      const rows: InValue[][] = []
      for (let at = 0; at < args.length; at += width) rows.push(args.slice(at, at + columns.length))
      const one = `(${columns.map(() => '?').join(', ')})`
      return {
        sql: `INSERT INTO ${table} (${columnList}) VALUES ${rows.map(() => one).join(', ')}`,
        args: rows.flat()
      }
    })
    const at = (column: string) => columns.indexOf(column)
    const storedAt = columns.length + UPDATE_EXTRAS.indexOf('agor_stored_at')
    const update = `UPDATE ${table} SET "data" = ?, "updated_at" = CASE "updated_at" WHEN ? THEN ? END WHERE ${quoteIdent(def.idField)} = ?`
    map.set(`INSERT INTO ${quoteIdent(updateView(def))} `, (args) => ({
      sql: update,
      args: [args[at('data')]!, args[storedAt]!, args[at('updated_at')]!, args[0]!]
    }))
    const lean = dataUpdateColumns(def)
    const leanStoredAt = lean.length + DATA_UPDATE_EXTRAS.indexOf('agor_stored_at')
    map.set(`INSERT INTO ${quoteIdent(dataUpdateView(def))} `, (args) => ({
      sql: update,
      args: [args[lean.indexOf('data')]!, args[leanStoredAt]!, args[lean.indexOf('updated_at')]!, args[0]!]
    }))
  }
  return map
}

const sqlOf = (statement: Statement) => (typeof statement === 'string' ? statement : statement.sql)
const isContext = (statement: Statement) => sqlOf(statement).includes(CHANGE_CONTEXT_TABLE)

/** Sends `db`'s writes to the tables, and leaves the context statements out (an empty result each). */
function direct(db: Connection): void {
  const table = rewrites()
  const rewrite = (statement: Statement): Statement => {
    if (typeof statement === 'string') return statement
    const sql = statement.sql
    const make = table.get(sql.slice(0, sql.indexOf('(')))
    return make && Array.isArray(statement.args) ? make(statement.args) : statement
  }
  const batch = db.batch
  db.batch = async (statements, mode) => {
    if (mode !== 'write') return batch.call(db, statements, mode)
    const results = await batch.call(db, statements.filter((s) => !isContext(s)).map(rewrite), mode)
    return statements.map((s) => (isContext(s) ? NOTHING : results.shift()!))
  }
}

/** Switches `store`'s change feed off: its writes leave no change from now on. */
export async function dropFeed(store: Store): Promise<void> {
  await store.database.connection.migrate(
    feedTriggers().map(({ name }) => `DROP TRIGGER ${quoteIdent(name)}`)
  )
  direct(store.database.connection)
}
