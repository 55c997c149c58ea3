/**
 * The identity of a database: one row with a random id, written by the migration that creates the
 * table (on the primary, for replicas). A replica compares its local copy's id with its primary's
 * to notice a primary that lost its data or was replaced by another database. Its drizzle table, for
 * drizzle-kit only, is in store-tables.ts.
 */
export const DATABASE_ID_TABLE = 'agor_database'
