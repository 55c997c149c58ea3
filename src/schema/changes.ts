/**
 * The change feed's tables: every committed write of a document, in commit order (`seq`, assigned
 * by the database that commits: one order for all writers of one database, replicas included),
 * and the context a write leaves for the triggers that record it (see store/feed-triggers.ts).
 * Not collections: they are written by triggers and read through the feed.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const CHANGES_TABLE = 'agor_changes'
export const CHANGE_CONTEXT_TABLE = 'agor_change_context'
export const CHANGE_DOCS_TABLE = 'agor_change_docs'
export const FEED_STATE_TABLE = 'agor_feed'

/** One change of one document. */
export const changesTable = sqliteTable(
  CHANGES_TABLE,
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    collection: text('collection').notNull(),
    doc_id: text('doc_id').notNull(),
    event: text('event').notNull(),
    at: integer('at').notNull(),
    actor: text('actor'),
    transport: text('transport'),
    remote: text('remote'),
    /** Unused (always null): SQLite drops no column that a trigger names, and triggers are per collection. */
    origin: text('origin'),
    /**
     * For `removed`, the row as it was: its columns and its `data`, as JSON. Other changes keep no
     * copy while the row still is as they wrote it (they are its latest change): the next write of
     * the row keeps one in agor_change_docs first, so a create costs a small row, not a second copy.
     */
    doc: text('doc'),
    /** For `patched`: the patch applied, as JSON. */
    patch: text('patch')
  },
  // one index besides seq: every index is a cost of every write; logs read newest first by seq
  (t) => [index('agor_changes_doc_idx').on(t.collection, t.doc_id)]
)

/**
 * The documents of changes that were superseded: the row as that change wrote it, kept when the
 * next write of it came (an append, cheaper than growing the change's own row).
 */
export const changeDocsTable = sqliteTable(CHANGE_DOCS_TABLE, {
  seq: integer('seq').primaryKey(),
  doc: text('doc').notNull()
})

/** The context of the write in progress: one row, inside the write's transaction only. */
export const changeContextTable = sqliteTable(CHANGE_CONTEXT_TABLE, {
  id: integer('id').primaryKey(),
  /** The collection and event of the write the store makes (not of what a cascade does). */
  collection: text('collection'),
  event: text('event'),
  actor: text('actor'),
  transport: text('transport'),
  remote: text('remote'),
  /** Unused (always null), as agor_changes.origin. */
  origin: text('origin'),
  patch: text('patch')
})

/**
 * The feed's own state: every change after `pruned_through` is kept (older ones were pruned), and
 * `triggers` names the version of the triggers that write it (see store/feed-triggers.ts).
 */
export const feedStateTable = sqliteTable(FEED_STATE_TABLE, {
  id: integer('id').primaryKey(),
  pruned_through: integer('pruned_through').notNull(),
  triggers: text('triggers')
})
