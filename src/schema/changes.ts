/**
 * The change feed's tables: every committed write of a document, in commit order (`seq`, assigned
 * by the database that commits: one order for all writers of one database, replicas included),
 * and the context a write leaves for the triggers that record what the store does not record
 * itself (see store/feed-triggers.ts). Not collections: they are read through the feed. Their
 * drizzle tables, for drizzle-kit only, are in store-tables.ts.
 */
export const CHANGES_TABLE = 'agor_changes'
export const CHANGE_CONTEXT_TABLE = 'agor_change_context'
/**
 * The row an INSERT is about to replace (another tool's INSERT OR REPLACE), kept from before the
 * INSERT until after it: SQLite deletes a replaced row without firing its delete triggers.
 */
export const REPLACED_ROWS_TABLE = 'agor_replaced_rows'
export const FEED_STATE_TABLE = 'agor_feed'
