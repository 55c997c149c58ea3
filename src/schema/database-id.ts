/**
 * The identity of a database: one row with a random id, written by the migration that creates the
 * table (on the primary, for replicas). A replica compares its local copy's id with its primary's
 * to notice a primary that lost its data or was replaced by another database.
 */
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const DATABASE_ID_TABLE = 'agor_database'

/** The table, for drizzle-kit. */
export const databaseIdTable = sqliteTable(DATABASE_ID_TABLE, {
  id: text('id').primaryKey(),
  created_at: integer('created_at').notNull()
})
