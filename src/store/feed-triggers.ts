/**
 * The triggers that write the change feed: after every insert, update and delete of a row of a
 * collection, one row in `agor_changes`, in the same transaction as the write, whoever made it (the
 * store, an import, a foreign key's cascade, a hand-written statement). They are derived from the
 * registry and kept in step with it when a database opens, so a new collection has them too.
 *
 * What the triggers cannot know (who writes, over what, whether an update is a patch, the patch)
 * the store leaves in `agor_change_context` for the length of the write's transaction.
 */
import { createHash } from 'node:crypto'
import type { Connection, Statement } from '../db/connection.js'
import {
  CHANGE_CONTEXT_TABLE,
  CHANGE_DOCS_TABLE,
  CHANGES_TABLE,
  FEED_STATE_TABLE
} from '../schema/changes.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { rowMapper } from './row.js'
import { relationTriggers } from './set-null-triggers.js'

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

/** What a write of the store does, in the change feed's words. */
export type WriteEvent = 'created' | 'updated' | 'patched' | 'removed'

/**
 * The context a write leaves for its triggers, and takes back before it commits. `collection` and
 * `event` say what the store writes: rows a cascade changes besides are not its own events.
 */
export function contextStatements(
  context: ChangeContext,
  write?: { collection: string; event: WriteEvent; patch?: unknown }
): [Statement, Statement] {
  return [
    {
      sql: `INSERT OR REPLACE INTO ${CHANGE_CONTEXT_TABLE} (id, collection, event, actor, transport, remote, patch) VALUES (1, ?, ?, ?, ?, ?, ?)`,
      args: [
        write?.collection ?? null,
        write?.event ?? null,
        context.actor ?? null,
        context.transport ?? null,
        context.remote ?? null,
        write?.patch === undefined ? null : JSON.stringify(write.patch)
      ]
    },
    `DELETE FROM ${CHANGE_CONTEXT_TABLE}`
  ]
}

/**
 * The row image a change keeps: every column, and `data` as JSON. Built as text: `data` is valid
 * JSON already (its CHECK constraint says so), and parsing it again would be most of the cost.
 */
function image(def: AnyDefinition, row: string): string {
  const pairs = rowMapper(def).columns.map((column) => {
    const key = `'${JSON.stringify(column).replaceAll("'", "''")}:'`
    const value = `${row}.${quoteIdent(column)}`
    return `${key} || ${column === 'data' ? value : `json_quote(${value})`}`
  })
  return `'{' || ${pairs.join(" || ',' || ")} || '}'`
}

/**
 * The row image of a document as SQL text (see image()), for the feed's reads: `row` is the
 * document's table. Exported for feed.ts, which reads the images of changes not yet superseded.
 */
export function currentImage(def: AnyDefinition, id: string): string {
  const table = quoteIdent(def.name)
  return `(SELECT ${image(def, table)} FROM ${table} WHERE ${table}.${quoteIdent(def.idField)} = ${id})`
}

function trigger(def: AnyDefinition, op: 'insert' | 'update' | 'delete'): { name: string; sql: string } {
  const name = `${FEED_PREFIX}${def.name}_${op}`
  const row = op === 'delete' ? 'OLD' : 'NEW'
  // an update is `patched` or `updated` as the store says; a cascade's set-null is `updated`
  const event =
    op === 'insert'
      ? `'created'`
      : op === 'delete'
        ? `'removed'`
        : `CASE WHEN c.collection = '${def.name}' AND c.event = 'patched' THEN 'patched' ELSE 'updated' END`
  const own = `c.collection = '${def.name}' AND c.event = ${event}`
  const patch = op === 'update' ? `CASE WHEN ${own} THEN c.patch END` : 'NULL'
  const id = quoteIdent(def.idField)
  // the document's latest change kept no copy while the row was as it wrote it: keep one now
  const supersede =
    op === 'insert'
      ? ''
      : `INSERT OR IGNORE INTO ${CHANGE_DOCS_TABLE} (seq, doc) SELECT seq, ${image(def, 'OLD')} FROM ${CHANGES_TABLE} WHERE seq = (SELECT max(seq) FROM ${CHANGES_TABLE} WHERE collection = '${def.name}' AND doc_id = OLD.${id}) AND doc IS NULL;\n`
  const sql = `CREATE TRIGGER ${quoteIdent(name)} AFTER ${op.toUpperCase()} ON ${quoteIdent(def.name)} BEGIN
${supersede}INSERT INTO ${CHANGES_TABLE} (collection, doc_id, event, at, actor, transport, remote, doc, patch)
SELECT '${def.name}', ${row}.${id}, ${event}, CAST(unixepoch('subsec') * 1000 AS INTEGER), c.actor, c.transport, c.remote, ${op === 'delete' ? image(def, 'OLD') : 'NULL'}, ${patch}
FROM (SELECT 1) AS one LEFT JOIN ${CHANGE_CONTEXT_TABLE} AS c ON c.id = 1;
END`
  return { name, sql }
}

/** The feed's triggers of every collection of the registry. */
export function feedTriggers(): { name: string; sql: string }[] {
  return collectionNames.flatMap((name) =>
    (['insert', 'update', 'delete'] as const).map((op) => trigger(collections[name], op))
  )
}

/** Every trigger the store keeps in step with the registry: the feed's, and the relations'. */
function storeTriggers(): { name: string; sql: string }[] {
  return [...feedTriggers(), ...relationTriggers()]
}

/** The version of this registry's triggers: a digest of their SQL, kept in `agor_feed.triggers`. */
export function triggersVersion(): string {
  const hash = createHash('sha256')
  for (const { sql } of storeTriggers()) hash.update(sql)
  return hash.digest('hex').slice(0, 16)
}

/**
 * Makes the database's triggers (the feed's and the relations') those of this version's registry:
 * missing ones are created, changed ones replaced, ones this version does not have dropped, in one
 * transaction (a migration's: foreign keys off). One read when nothing is to do.
 */
export async function syncStoreTriggers(connection: Connection): Promise<number> {
  const { rows } = await connection.execute({
    sql: `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'`,
    args: [`${PREFIX.replaceAll('_', '\\_')}%`]
  })
  const existing = new Map(rows.map((r) => [String(r.name), String(r.sql)]))
  const wanted = storeTriggers()
  const statements: string[] = []
  for (const { name, sql } of wanted) {
    if (existing.get(name) === sql) continue
    statements.push(`DROP TRIGGER IF EXISTS ${quoteIdent(name)}`, sql)
  }
  for (const name of existing.keys()) {
    if (!wanted.some((t) => t.name === name)) statements.push(`DROP TRIGGER IF EXISTS ${quoteIdent(name)}`)
  }
  statements.push(`UPDATE ${FEED_STATE_TABLE} SET triggers = '${triggersVersion()}' WHERE id = 1`)
  await connection.migrate(statements)
  return statements.length - 1
}
