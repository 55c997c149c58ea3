/**
 * The drizzle tables of the store's own tables (the change feed's, the database's identity), for
 * drizzle-kit only (see tables.cts): the store reads and writes them by name, with SQL of its own.
 */
import { getTableColumns } from 'drizzle-orm'
import { type AnySQLiteColumn, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { CHANGE_CONTEXT_TABLE, CHANGES_TABLE, FEED_STATE_TABLE, REPLACED_ROWS_TABLE } from './changes.js'
import { DATABASE_ID_TABLE } from './database-id.js'
import { workspaceColumn } from './table.js'
import { CREDENTIALS_TABLE, users } from './users.js'
import { API_KEYS_TABLE, WORKSPACES_TABLE } from './workspaces.js'

/** One change of one document. */
export const changesTable = sqliteTable(
  CHANGES_TABLE,
  {
    /**
     * The rowid: one more than the largest. No AUTOINCREMENT (its bookkeeping row is one more page
     * per write); pruning always keeps the newest change, so a seq is never handed out twice.
     */
    seq: integer('seq').primaryKey(),
    collection: text('collection').notNull(),
    doc_id: text('doc_id').notNull(),
    event: text('event').notNull(),
    at: integer('at').notNull(),
    actor: text('actor'),
    transport: text('transport'),
    remote: text('remote'),
    /**
     * The row as this change wrote it (for `removed`: as it was): its columns and `data`, as JSON.
     * Null for the store's own creates, updates and patches: their document is the row as it is
     * now, taken back through the `undo` of the document's later changes (see store/undo.ts), so
     * that a write keeps a small row here rather than a second copy of its document.
     */
    doc: text('doc'),
    /** For `patched`: the patch applied, as JSON. */
    patch: text('patch'),
    /**
     * How to take the document as this change wrote it back to the one before: the fields it
     * changed with their earlier values, for a patch (store/undo.ts), or the row before it whole.
     */
    undo: text('undo'),
    /**
     * The row's `updated_at`, set only while the statement that writes the row and this change
     * runs (see store/write-views.ts): the feed's triggers see that the write is recorded.
     */
    version: integer('version'),
    /** The workspace of the document. */
    workspace: workspaceColumn()
  }
  // no index besides seq: each one is a page more that every write commits (a patch's cost grew by
  // a third with one by document); readers go by seq, and find a document's changes from a seq on
)

/** The context of the write in progress, for its triggers: one row, inside the write's transaction only. */
export const changeContextTable = sqliteTable(CHANGE_CONTEXT_TABLE, {
  id: integer('id').primaryKey(),
  actor: text('actor'),
  transport: text('transport'),
  remote: text('remote')
})

/** A row about to be replaced, as a change's `doc` keeps it (see store/feed-triggers.ts). */
export const replacedRowsTable = sqliteTable(
  REPLACED_ROWS_TABLE,
  {
    collection: text('collection').notNull(),
    doc_id: text('doc_id').notNull(),
    doc: text('doc').notNull(),
    workspace: workspaceColumn()
  },
  (t) => [primaryKey({ columns: [t.collection, t.doc_id] })]
)

/**
 * The feed's own state: every change after `pruned_through` is kept (older ones were pruned), and
 * `triggers` names the version of the triggers that write it (see store/feed-triggers.ts).
 */
export const feedStateTable = sqliteTable(FEED_STATE_TABLE, {
  id: integer('id').primaryKey(),
  pruned_through: integer('pruned_through').notNull(),
  triggers: text('triggers')
})

/** The identity of the database. */
export const databaseIdTable = sqliteTable(DATABASE_ID_TABLE, {
  id: text('id').primaryKey(),
  created_at: integer('created_at').notNull()
})

/** The workspaces: `default` always, others made by `agor workspace create`. */
export const workspacesTable = sqliteTable(WORKSPACES_TABLE, {
  name: text('name').primaryKey(),
  created_at: integer('created_at').notNull()
})

/** The API keys of workspaces: a key's SHA-256 digest (hex), never the key. */
export const apiKeysTable = sqliteTable(API_KEYS_TABLE, {
  name: text('name').primaryKey(),
  workspace: text('workspace')
    .notNull()
    .references(() => workspacesTable.name),
  digest: text('digest').notNull().unique(`${API_KEYS_TABLE}_digest_unique`),
  created_at: integer('created_at').notNull()
})

/**
 * The password of each user that has one, as a slow hash (bcrypt), kept out of the user's document
 * so that no read, event, export or change of the feed can carry it; removed with its user.
 */
export const credentialsTable = sqliteTable(CREDENTIALS_TABLE, {
  user_id: text('user_id')
    .primaryKey()
    .references((): AnySQLiteColumn => getTableColumns(users.table).user_id!, { onDelete: 'cascade' }),
  hash: text('hash').notNull(),
  updated_at: integer('updated_at').notNull()
})
