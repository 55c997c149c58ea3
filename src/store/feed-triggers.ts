/**
 * The triggers that keep the change feed whole: after every insert, update and delete of a row of
 * a collection, one row in `agor_changes` in the same transaction, whoever made it (a removal and
 * its cascade, an import, a hand-written statement): the row as written (as it was, for a
 * removal), and for an update the row before it. The store's own creates, updates and patches
 * write their change through its write views (write-views.ts), in the same statement, just before
 * the row: the trigger sees that change, the feed's newest, and does nothing. Rows that SQLite
 * deletes without firing delete triggers (those an OR REPLACE of another tool takes away) are
 * kept just before, in `agor_replaced_rows`, and recorded as removed by the write's trigger.
 * An UPDATE that gives a row another id is a removal and a creation.
 * Derived from the registry and kept in step with it when a database opens, so a new collection
 * has them too.
 *
 * What these triggers cannot know (who writes, over what) a removal or an import leaves in
 * `agor_change_context` for the length of its transaction.
 */
import type { Connection, InValue, Statement } from '../db/connection.js'
import {
  CHANGE_CONTEXT_TABLE,
  CHANGES_TABLE,
  FEED_STATE_TABLE,
  REPLACED_ROWS_TABLE
} from '../schema/changes.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { sha256 } from '../sha256.js'
import { relationTriggers } from './relation-triggers.js'
import { rowMapper } from './row.js'
import { searchTableStatements, searchTriggers } from './search-index.js'
import { rebuildTagIndex, tagTriggers } from './tag-index.js'
import { NOW_MS, writeViews } from './write-views.js'

/** The names of the store's triggers begin with it; the sync drops those it does not want. */
const PREFIX = 'agor_'
const FEED_PREFIX = 'agor_feed_'

/** The context of one write, for its change rows. */
export interface ChangeContext {
  /** Who writes: an API key's name, `cli`, `library`, `import`, … */
  actor?: string
  /** Over what: `rest`, `socketio`, `cli`, `library`, `import`. */
  transport?: string
  /** The client's address, for REST and socket calls. */
  remote?: string
}

/** The context of writes made in code, without one of their own. */
export const LIBRARY: ChangeContext = { actor: 'library', transport: 'library' }

/** The context of documents written as they are (imports and restores). */
export const IMPORT: ChangeContext = { actor: 'import', transport: 'import' }

/** The context a write leaves for its triggers, and takes back before it commits. */
export function contextStatements(context: ChangeContext): [Statement, Statement] {
  return [
    {
      sql: `INSERT OR REPLACE INTO ${CHANGE_CONTEXT_TABLE} (id, actor, transport, remote) VALUES (1, ?, ?, ?)`,
      args: [context.actor ?? null, context.transport ?? null, context.remote ?? null]
    },
    `DELETE FROM ${CHANGE_CONTEXT_TABLE}`
  ]
}

/**
 * The row image a change keeps: every column, and `data` as JSON. Built as text: `data` is valid
 * JSON already (its CHECK constraint says so), and parsing it again would be most of the cost.
 * Exported for feed.ts, which reads the rows that changes name.
 */
export function image(def: AnyDefinition, row: string): string {
  // each key one literal with the punctuation before it: the text stays short, and every
  // database parses every trigger of its schema when a connection first uses it
  const pairs = rowMapper(def).columns.map((column, i) => {
    const key = `'${i === 0 ? '{' : ','}${JSON.stringify(column).replaceAll("'", "''")}:'`
    const value = `${row}.${quoteIdent(column)}`
    return `${key} || ${column === 'data' ? value : `json_quote(${value})`}`
  })
  return `${pairs.join(' || ')} || '}'`
}

/** The row image of row values (RowMapper.toRow), as image() writes it in SQL. */
export function imageText(columns: readonly string[], values: readonly InValue[]): string {
  const pairs = columns.map((column, i) => {
    const value = values[i] ?? null
    return `${JSON.stringify(column)}:${column === 'data' ? String(value) : JSON.stringify(value)}`
  })
  return `{${pairs.join(',')}}`
}

/** The change row of one document, as a trigger writes it. */
interface ChangeRow {
  /** SQL of the document's id (`NEW."session_id"`, `r.doc_id`). */
  id: string
  /** The row whose workspace the change is in: `NEW`, `OLD`, `r`. */
  row: string
  event: 'created' | 'updated' | 'removed'
  /** SQL of what the change keeps. */
  doc: string
  undo?: string
  /** A table the row is selected from besides the context, and a condition. */
  join?: string
  where?: string
}

/** The INSERT of a change row, with the write's context if it left one. */
function changeInsert(def: AnyDefinition, change: ChangeRow): string {
  const where = change.where ? ` WHERE ${change.where}` : ''
  return `INSERT INTO ${CHANGES_TABLE} (collection, doc_id, event, at, actor, transport, remote, doc, undo, workspace)
SELECT '${def.name}', ${change.id}, '${change.event}', ${NOW_MS}, c.actor, c.transport, c.remote, ${change.doc}, ${change.undo ?? 'NULL'}, ${change.row}.${quoteIdent(WORKSPACE_COLUMN)}
FROM (SELECT 1) AS one ${change.join ?? ''}LEFT JOIN ${CHANGE_CONTEXT_TABLE} AS c ON c.id = 1${where};`
}

/** Drops every row of the collection kept aside by replaceTriggers. */
const forgetKept = (def: AnyDefinition) =>
  `DELETE FROM ${REPLACED_ROWS_TABLE} WHERE collection = '${def.name}';`

function trigger(def: AnyDefinition, op: 'insert' | 'update' | 'delete'): { name: string; sql: string } {
  const name = `${FEED_PREFIX}${def.name}_${op}`
  const table = quoteIdent(def.name)
  const id = quoteIdent(def.idField)
  const ws = quoteIdent(WORKSPACE_COLUMN)
  // a text key names one row in each workspace that has it; a UUID one row in the table
  const inRowsWorkspace = (row: string) => (def.key === 'text' ? ` AND ${row}.${ws} = NEW.${ws}` : '')
  // the feed's newest change is the row's, written by the statement that writes the row (only
  // while it runs is its version set: see write-views.ts)
  const recorded = `coalesce((SELECT collection = '${def.name}' AND doc_id = NEW.${id} AND workspace = NEW.${ws} AND version IS NEW."updated_at" FROM ${CHANGES_TABLE} ORDER BY seq DESC LIMIT 1), 0)`
  const when = op === 'delete' ? '' : ` WHEN NOT ${recorded}`
  const [newRow, oldRow] = [image(def, 'NEW'), image(def, 'OLD')]
  // the rows kept by replaceTriggers that the write took away: gone, or displaced by `newId`
  const displaced = (newId: string) =>
    changeInsert(def, {
      id: 'r.doc_id',
      row: 'r',
      event: 'removed',
      doc: 'r.doc',
      join: `JOIN ${REPLACED_ROWS_TABLE} AS r ON r.collection = '${def.name}' AND ((r.doc_id = ${newId}${inRowsWorkspace('r')}) OR NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE t.${id} = r.doc_id${def.key === 'text' ? ` AND t.${ws} = r.${ws}` : ''})) `
    })
  // kept rows are wanted by the write that kept them only (an upsert's, OR IGNORE's replace nothing)
  const forget = forgetKept(def)
  const body = {
    insert: [
      displaced(`NEW.${id}`),
      forget,
      changeInsert(def, { id: `NEW.${id}`, row: 'NEW', event: 'created', doc: newRow })
    ],
    // an update keeps the row before it whole (what the store's own keep is its undo, see
    // undo.ts); one that gives the row another id removes a document and creates another
    update: [
      displaced(`(CASE WHEN OLD.${id} IS NOT NEW.${id} THEN NEW.${id} END)`),
      changeInsert(def, {
        id: `NEW.${id}`,
        row: 'NEW',
        event: 'updated',
        doc: newRow,
        undo: oldRow,
        where: `OLD.${id} IS NEW.${id}`
      }),
      changeInsert(def, {
        id: `OLD.${id}`,
        row: 'OLD',
        event: 'removed',
        doc: oldRow,
        where: `OLD.${id} IS NOT NEW.${id}`
      }),
      changeInsert(def, {
        id: `NEW.${id}`,
        row: 'NEW',
        event: 'created',
        doc: newRow,
        where: `OLD.${id} IS NOT NEW.${id}`
      }),
      forget
    ],
    delete: [
      changeInsert(def, { id: `OLD.${id}`, row: 'OLD', event: 'removed', doc: oldRow }),
      `DELETE FROM ${REPLACED_ROWS_TABLE} WHERE collection = '${def.name}' AND doc_id = OLD.${id};`
    ]
  }[op]
  const sql = `CREATE TRIGGER ${quoteIdent(name)} AFTER ${op.toUpperCase()} ON ${table}${when} BEGIN
${body.join('\n')}
END`
  return { name, sql }
}

/**
 * Keep the rows an INSERT or an UPDATE is about to replace (OR REPLACE, by another tool: the
 * store's writes fail on a taken id or key), those whose id or unique key the written row takes,
 * for the insert and update triggers to record their removal: SQLite deletes a replaced row without
 * firing delete triggers (unless recursive_triggers is on, when the delete trigger records it and
 * takes the kept row away). Rows kept for a write that replaced nothing go first. An UPDATE fires
 * it only when it sets the id or a unique key: never a store's patch.
 */
function replaceTriggers(def: AnyDefinition): { name: string; sql: string }[] {
  const table = quoteIdent(def.name)
  const id = quoteIdent(def.idField)
  const workspace = quoteIdent(WORKSPACE_COLUMN)
  // a UUID is unique in the table, a text key and a unique key within its workspace (see buildTable)
  const sameKey = (key: readonly string[]) =>
    `(${[...key.map(quoteIdent), workspace].map((column) => `r.${column} = NEW.${column}`).join(' AND ')})`
  const taken = [
    def.key === 'text'
      ? `(r.${id} = NEW.${id} AND r.${workspace} = NEW.${workspace})`
      : `r.${id} = NEW.${id}`,
    ...def.uniqueKeys.map(sameKey)
  ].join(' OR ')
  const columns = [id, ...new Set(def.uniqueKeys.flat().map(quoteIdent)), workspace]
  return (['insert', 'update'] as const).map((op) => {
    const name = `${FEED_PREFIX}${def.name}_replace_by_${op}`
    const others = op === 'update' ? ` AND r.${id} IS NOT OLD.${id}` : ''
    const event = op === 'insert' ? 'INSERT' : `UPDATE OF ${columns.join(', ')}`
    const sql = `CREATE TRIGGER ${quoteIdent(name)} BEFORE ${event} ON ${table} WHEN EXISTS (SELECT 1 FROM ${table} AS r WHERE (${taken})${others}) BEGIN
${forgetKept(def)}
INSERT INTO ${REPLACED_ROWS_TABLE} (collection, doc_id, doc, workspace) SELECT '${def.name}', r.${id}, ${image(def, 'r')}, r.${quoteIdent(WORKSPACE_COLUMN)} FROM ${table} AS r WHERE (${taken})${others};
END`
    return { name, sql }
  })
}

/** The feed's triggers of every collection of the registry. */
export function feedTriggers(): { name: string; sql: string }[] {
  return collectionNames.flatMap((name) => [
    ...replaceTriggers(collections[name]),
    ...(['insert', 'update', 'delete'] as const).map((op) => trigger(collections[name], op))
  ])
}

/**
 * Every view and trigger the store keeps in step with the registry, in the order they are made:
 * its write views, the feed's triggers, the relations', the tag index's and the search index's
 * (whose table names carry a digest of their definition, so the version covers the search tables
 * too).
 */
function storeObjects(): { name: string; sql: string }[] {
  const views = collectionNames.flatMap((name) => writeViews(collections[name]))
  return [...views, ...feedTriggers(), ...relationTriggers(), ...tagTriggers(), ...searchTriggers()]
}

/** The names of every view and trigger the store keeps (a check looks for each). */
export const storeObjectNames = (): string[] => storeObjects().map((object) => object.name)

/** The version of this registry's triggers: a digest of their SQL, kept in `agor_feed.triggers`. */
export function triggersVersion(): string {
  const hash = sha256()
  for (const { sql } of storeObjects()) hash.update(sql)
  for (const sql of rebuildTagIndex()) hash.update(sql)
  return hash.digest('hex').slice(0, 16)
}

/**
 * Makes the database's views and triggers (the write views', the feed's, the relations', the tag
 * index's and the search index's) those of this version's registry: all of them dropped and made
 * again, the tag index made again from the documents and each search index whose triggers were not
 * this version's (a version without them may have written), in one transaction (a migration's:
 * foreign keys off). Runs when the version in `agor_feed.triggers` is not this one, and when asked
 * to `remake` them (then every search index is made again too).
 */
export async function syncStoreTriggers(connection: Connection, remake = false): Promise<number> {
  const wanted = storeObjects()
  const kinds = await storedObjects(connection)
  for (const { name, sql } of wanted) kinds.set(name, sql.startsWith('CREATE VIEW') ? 'VIEW' : 'TRIGGER')
  // every name this version makes is dropped too: another process may have made it since the read
  const drops = dropsOf(kinds)
  // derived tables (search-index.ts) go between: the old triggers that write them are gone first
  const tables = await searchTableStatements(connection, remake)
  await connection.migrate([
    ...drops,
    ...tables,
    ...wanted.map(({ sql }) => sql),
    ...rebuildTagIndex(),
    `UPDATE ${FEED_STATE_TABLE} SET triggers = '${triggersVersion()}' WHERE id = 1`
  ])
  return wanted.length
}

/** The store's views and triggers in the database, by name, with their kind. */
async function storedObjects(connection: Connection): Promise<Map<string, 'VIEW' | 'TRIGGER'>> {
  const { rows } = await connection.execute({
    sql: `SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'view') AND name LIKE ? ESCAPE '\\'`,
    args: [`${PREFIX.replaceAll('_', '\\_')}%`]
  })
  return new Map(rows.map((r) => [String(r.name), r.type === 'view' ? 'VIEW' : 'TRIGGER']))
}

const dropsOf = (kinds: Map<string, 'VIEW' | 'TRIGGER'>) =>
  [...kinds].map(([name, kind]) => `DROP ${kind} IF EXISTS ${quoteIdent(name)}`)

/**
 * Drops the store's views and triggers before a migration: one that makes a table again renames
 * the new one into place, which SQLite refuses while a view or trigger names the old one (and
 * syncStoreTriggers makes them all again after every migration).
 */
export async function storeObjectDrops(connection: Connection): Promise<string[]> {
  return dropsOf(await storedObjects(connection))
}
