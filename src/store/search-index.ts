/**
 * The full-text search index of each collection that declares `search` fields: derived data, made
 * when a database opens (with the write views and triggers, see feed-triggers.ts), never by a
 * migration. Per collection, a contentless FTS5 table (one column per field), a table of its rows
 * (`id INTEGER PRIMARY KEY` → doc_id, workspace; the collection table's own rowid is not used, as
 * VACUUM may renumber it) and a queue of the documents whose text the index does not hold yet.
 *
 * Writes do not index text: FTS5 writes a segment of its index with every transaction that adds
 * any, which cost a one-document write more than all its other work. Triggers on the collection
 * table put the id of every document whose searched text, id or workspace a write changed in the
 * queue, in the writing statement, whoever writes; the index catches up on the whole queue in one
 * transaction (search-upkeep.ts): before a search reads it, and with every few hundred writes.
 *
 * The tables are named with a digest of their definition: a version whose search differs makes
 * new ones, filled from the rows, and drops the old. Deletes use `contentless_delete=1` (SQLite
 * 3.43+, which local files, replicas and sqld all run): a row is deleted by its rowid alone, so an
 * index entry never depends on repeating the exact text it was made from.
 */
import type { Connection } from '../db/connection.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections } from '../schema/index.js'
import { jsonExtract, quoteIdent } from '../schema/sql.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { sha256 } from '../sha256.js'
import { matchExpression } from './search-query.js'

/** The names of the search index's tables and triggers begin with it. */
const PREFIX = 'agor_search_'

/** How FTS5 splits text into words: Unicode-aware, case and accents folded, no stemming. */
const TOKENIZE = 'unicode61 remove_diacritics 2'

/** The column names the search subquery gives its matches (no collection has such a field). */
export const SEARCH_ID = 'agor_search_id'
export const SEARCH_RANK = 'agor_search_rank'

/** The search index of one collection. */
export interface SearchIndex {
  /** The FTS5 table, quoted. */
  fts: string
  /** The table of its rows (`id` → `doc_id`, `workspace`), quoted. */
  rows: string
  /** The ids of the documents whose text the index does not hold yet (`doc_id`), quoted. */
  queue: string
  /** Unquoted names, for sqlite_master. */
  names: { fts: string; rows: string; queue: string }
  /** The statements that make both tables, empty. */
  create: string[]
  /** The statements that fill new tables from the collection's rows. */
  fill: string[]
  /** A query whose one value is 1 when the queue holds a document, else 0. */
  pending: string
  /** The statements that index the queue's documents as they are now, and empty it. */
  catchUp: string[]
}

/** The SQL that reads searched field `name` of the row `row` (`NEW`, `OLD`, `t`). */
function fieldOf(def: AnyDefinition, row: string, name: string): string {
  const column = def.keyColumns.some((key) => key.name === name)
  return column ? `${row}.${quoteIdent(name)}` : `${row}.${jsonExtract([name])}`
}

const cache = new Map<AnyDefinition, SearchIndex | undefined>()

/** The search index of a collection; undefined when it declares no `search` fields. */
export function searchIndex(def: AnyDefinition): SearchIndex | undefined {
  if (cache.has(def)) return cache.get(def)
  const index = def.search.length === 0 ? undefined : build(def)
  cache.set(def, index)
  return index
}

/** The search indexes of the registry's collections. */
export function searchIndexes(): SearchIndex[] {
  return collectionNames.flatMap((name) => searchIndex(collections[name]) ?? [])
}

function build(def: AnyDefinition): SearchIndex {
  const columns = def.search.map(quoteIdent).join(', ')
  const digest = sha256()
    .update(
      JSON.stringify([
        def.name,
        def.idField,
        def.search,
        TOKENIZE,
        def.search.map((f) => fieldOf(def, 't', f))
      ])
    )
    .digest('hex')
    .slice(0, 8)
  const base = `${PREFIX}${def.name}_${digest}`
  const names = { fts: base, rows: `${base}_rows`, queue: `${base}_queue` }
  const [fts, rows, queue] = [quoteIdent(names.fts), quoteIdent(names.rows), quoteIdent(names.queue)]
  const table = quoteIdent(def.name)
  const id = quoteIdent(def.idField)
  const workspace = quoteIdent(WORKSPACE_COLUMN)
  const values = def.search.map((f) => fieldOf(def, 't', f)).join(', ')
  // CROSS JOIN keeps the queue the outer loop: the planner, knowing no sizes, would scan the others
  const queued = `FROM ${queue} AS q CROSS JOIN ${rows} AS r ON r.doc_id = q.doc_id`
  return {
    fts,
    rows,
    queue,
    names,
    create: [
      `CREATE VIRTUAL TABLE ${fts} USING fts5(${columns}, content='', contentless_delete=1, tokenize='${TOKENIZE}')`,
      `CREATE TABLE ${rows} (id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL, workspace TEXT NOT NULL)`,
      `CREATE INDEX ${quoteIdent(`${names.rows}_doc`)} ON ${rows} (doc_id)`,
      `CREATE TABLE ${queue} (doc_id TEXT PRIMARY KEY) WITHOUT ROWID`
    ],
    fill: [
      `INSERT INTO ${rows} (doc_id, workspace) SELECT ${id}, ${workspace} FROM ${table}`,
      `INSERT INTO ${fts} (rowid, ${columns}) SELECT r.id, ${values} FROM ${rows} AS r JOIN ${table} AS t ON t.${id} = r.doc_id`
    ],
    pending: `SELECT EXISTS (SELECT 1 FROM ${queue})`,
    // the entries of every queued id go (a document may have been replaced, moved or removed),
    // then the queued documents that are still stored are indexed as they are now
    catchUp: [
      `DELETE FROM ${fts} WHERE rowid IN (SELECT r.id ${queued})`,
      `DELETE FROM ${rows} WHERE doc_id IN (SELECT doc_id FROM ${queue})`,
      `INSERT INTO ${rows} (doc_id, workspace) SELECT t.${id}, t.${workspace} FROM ${queue} AS q CROSS JOIN ${table} AS t ON t.${id} = q.doc_id`,
      `INSERT INTO ${fts} (rowid, ${columns}) SELECT r.id, ${values} ${queued} CROSS JOIN ${table} AS t ON t.${id} = q.doc_id`,
      `DELETE FROM ${queue}`
    ]
  }
}

/**
 * The statements of a trigger's body that queue the documents `ids` (SQL values) for the index.
 * No conflict can arise (an id in the queue already is left out): a statement that says `OR
 * ABORT` or `OR FAIL` imposes that on its triggers, so OR IGNORE would fail there.
 */
function enqueue(index: SearchIndex, ...ids: string[]): string {
  return ids
    .map(
      (id) =>
        `INSERT INTO ${index.queue} (doc_id) SELECT ${id} WHERE NOT EXISTS (SELECT 1 FROM ${index.queue} WHERE doc_id = ${id});`
    )
    .join('\n')
}

/**
 * The triggers of one collection's index: every insert and delete queues its document, an update
 * only when it changes a searched field, the id or the workspace (both ids, when the id changes).
 * An insert that another tool's OR REPLACE made without firing the delete trigger is caught up
 * like any other: the catch-up forgets every entry of a queued id first.
 */
function indexTriggers(def: AnyDefinition, index: SearchIndex): { name: string; sql: string }[] {
  const table = quoteIdent(def.name)
  const id = quoteIdent(def.idField)
  const workspace = quoteIdent(WORKSPACE_COLUMN)
  const keys = def.search.filter((f) => def.keyColumns.some((key) => key.name === f)).map(quoteIdent)
  const watched = [id, '"data"', workspace, ...keys].join(', ')
  const changed = [
    `OLD.${id} IS NOT NEW.${id}`,
    `OLD.${workspace} IS NOT NEW.${workspace}`,
    ...def.search.map((f) => `${fieldOf(def, 'OLD', f)} IS NOT ${fieldOf(def, 'NEW', f)}`)
  ].join(' OR ')
  const make = (op: string, event: string, body: string, when = '') => {
    const name = `${PREFIX}${def.name}_${op}`
    return { name, sql: `CREATE TRIGGER ${quoteIdent(name)} ${event} ON ${table}${when} BEGIN\n${body}\nEND` }
  }
  return [
    make('insert', 'AFTER INSERT', enqueue(index, `NEW.${id}`)),
    make(
      'update',
      `AFTER UPDATE OF ${watched}`,
      enqueue(index, `OLD.${id}`, `NEW.${id}`),
      ` WHEN ${changed}`
    ),
    make('delete', 'AFTER DELETE', enqueue(index, `OLD.${id}`))
  ]
}

/** The search triggers of every collection of the registry (made and dropped with the store's). */
export function searchTriggers(): { name: string; sql: string }[] {
  return collectionNames.flatMap((name) => {
    const index = searchIndex(collections[name])
    return index ? indexTriggers(collections[name], index) : []
  })
}

/**
 * The statements that make the database's search tables this registry's, for the sync's
 * transaction (before it makes the triggers): tables of other definitions dropped, the wanted ones
 * made and filled unless they exist with this version's triggers on them. Those were filled when
 * made and kept in step since; tables whose triggers are missing or others (a version without
 * search, or with another, synced the database meanwhile and dropped them) may have missed writes,
 * and are made again; with `remake` (`agor db migrate`), every one is.
 */
export async function searchTableStatements(connection: Connection, remake = false): Promise<string[]> {
  const { rows } = await connection.execute({
    sql: `SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE ? ESCAPE '\\'`,
    args: [`${PREFIX.replaceAll('_', '\\_')}%`]
  })
  const tables = rows.filter((r) => r.type === 'table')
  const existing = new Map(rows.map((r) => [String(r.name), String(r.sql)]))
  const wanted = collectionNames.flatMap((name) => {
    const index = searchIndex(collections[name])
    return index ? [{ index, triggers: indexTriggers(collections[name], index) }] : []
  })
  const keep = new Set(wanted.flatMap(({ index }) => Object.values(index.names)))
  // an FTS5 table is dropped with its shadow tables; a rows or queue table is one whose name says so
  const stale = tables.filter((r) => {
    const name = String(r.name)
    if (keep.has(name)) return false
    return String(r.sql).startsWith('CREATE VIRTUAL TABLE') || /_(rows|queue)$/.test(name)
  })
  const statements = stale.map((r) => `DROP TABLE IF EXISTS ${quoteIdent(String(r.name))}`)
  for (const { index, triggers } of wanted) {
    const intact =
      Object.values(index.names).every((name) => existing.has(name)) &&
      triggers.every(({ name, sql }) => existing.get(name) === sql)
    if (intact && !remake) continue
    // the DROPs also take away what another process may have made since the read
    statements.push(...[index.fts, index.rows, index.queue].map((table) => `DROP TABLE IF EXISTS ${table}`))
    statements.push(...index.create, ...index.fill)
  }
  return statements
}

/** The matches of a search text in a workspace, as SQL of a statement of the collection's table. */
export interface Matches {
  /** A subquery of the ids of the matching documents. */
  ids: string
  /**
   * A JOIN (to follow the table in FROM) of the matches, which gives each its rank
   * ({@link SEARCH_RANK}: lower is better).
   */
  join: string
  /** The values of either (the same). */
  args: [string, string]
}

/** Makes the {@link Matches} of a search text in a workspace. */
export type SearchMatches = (text: unknown, workspace: string) => Matches

/**
 * The matches of searches in a collection; undefined when it declares no `search` fields. Their SQL
 * is made at the first search: the index's name takes a digest, and node:crypto costs every command
 * that never searches about 2 ms to load.
 */
export function searchMatches(def: AnyDefinition): SearchMatches | undefined {
  if (def.search.length === 0) return undefined
  let sql: Omit<Matches, 'args'> | undefined
  return (text, workspace) => {
    sql ??= matchesSql(def, searchIndex(def)!)
    return { ...sql, args: [matchExpression(text), workspace] }
  }
}

function matchesSql(def: AnyDefinition, { fts, rows }: SearchIndex): Omit<Matches, 'args'> {
  const from = `FROM ${fts} JOIN ${rows} AS r ON r.id = ${fts}.rowid WHERE ${fts} MATCH ? AND r.workspace = ?`
  const ranked = `SELECT r.doc_id AS ${SEARCH_ID}, ${fts}.rank AS ${SEARCH_RANK} ${from}`
  const join = ` JOIN (${ranked}) AS agor_search ON agor_search.${SEARCH_ID} = ${quoteIdent(def.name)}.${quoteIdent(def.idField)}`
  return { ids: `SELECT r.doc_id ${from}`, join }
}
