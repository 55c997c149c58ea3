/**
 * The views the store writes its documents through. An INSERT into `agor_create_<collection>` or
 * `agor_update_<collection>` carries the row and what the change feed records besides (who writes,
 * over what, the patch, its undo); the view's trigger writes the change row and then the row, so
 * that a write and its change are one statement. One statement commits on its own: no BEGIN and
 * COMMIT around it, no statement journal for the triggers it fires, no context row written and
 * deleted for them. The feed's triggers on the table (feed-triggers.ts) see that the change of
 * the row they fire for is already written, by this very statement, and leave it alone.
 *
 * Derived from the registry and kept in step with it when a database opens, with the triggers.
 */
import { CHANGES_TABLE } from '../schema/changes.js'
import type { AnyDefinition } from '../schema/collection.js'
import { quoteIdent } from '../schema/sql.js'
import { rowMapper } from './row.js'

/**
 * Now, in milliseconds, by the clock of the database that commits (julianday, not
 * unixepoch('subsec'), which SQLite before 3.42 lacks: another tool's writes fire these triggers).
 */
export const NOW_MS = `CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`

/** The message of an update that found its row changed (or gone) since it was read. */
export const STALE_WRITE = 'agor: the row changed since it was read'

/** The columns a create carries besides the row's, in this order. */
export const CREATE_EXTRAS = ['agor_actor', 'agor_transport', 'agor_remote'] as const

/** The columns an update carries besides the row's, in this order. */
export const UPDATE_EXTRAS = [
  ...CREATE_EXTRAS,
  'agor_event',
  'agor_patch',
  'agor_undo',
  'agor_stored_at',
  'agor_set'
] as const

export const createView = (def: AnyDefinition) => `agor_create_${def.name}`
export const updateView = (def: AnyDefinition) => `agor_update_${def.name}`

/** A view with the table's columns and `extras`: a shape to INSERT into, never read. */
function view(def: AnyDefinition, name: string, extras: readonly string[]): string {
  const columns = [
    ...rowMapper(def).columns.map(quoteIdent),
    ...extras.map((extra) => `NULL AS ${quoteIdent(extra)}`)
  ]
  return `CREATE VIEW ${quoteIdent(name)} AS SELECT ${columns.join(', ')} FROM ${quoteIdent(def.name)} WHERE 0`
}

/**
 * The INSERT of a change row (an update's with its patch and undo). Its `version` says, to the
 * feed's triggers on the table, that this statement is writing the row at that updated_at and
 * recorded it; DONE takes it back before the statement ends, so that no later write, by anyone,
 * passes for this one.
 */
function changeRow(def: AnyDefinition, event: string, update: boolean): string {
  const id = quoteIdent(def.idField)
  const [patch, undo] = update ? ['NEW."agor_patch"', 'NEW."agor_undo"'] : ['NULL', 'NULL']
  return `INSERT INTO ${CHANGES_TABLE} (collection, doc_id, event, at, actor, transport, remote, patch, undo, version) VALUES ('${def.name}', NEW.${id}, ${event}, ${NOW_MS}, NEW."agor_actor", NEW."agor_transport", NEW."agor_remote", ${patch}, ${undo}, NEW."updated_at");`
}

const DONE = `UPDATE ${CHANGES_TABLE} SET version = NULL WHERE seq = (SELECT max(seq) FROM ${CHANGES_TABLE});`

function createTrigger(def: AnyDefinition): string {
  const columns = rowMapper(def).columns.map(quoteIdent)
  return `CREATE TRIGGER ${quoteIdent(`${createView(def)}_row`)} INSTEAD OF INSERT ON ${quoteIdent(createView(def))} BEGIN
${changeRow(def, `'created'`, false)}
INSERT INTO ${quoteIdent(def.name)} (${columns.join(', ')}) VALUES (${columns.map((c) => `NEW.${c}`).join(', ')});
${DONE}
END`
}

/**
 * Writes `data` and `updated_at` always, and each other column only if its bit is in `agor_set`
 * (the bit of its place in the row): an index over a column that no UPDATE sets costs nothing, and
 * most writes leave status and relations alone. Refuses to write over a row that is not as read:
 * another writer changed it, or removed it, meanwhile.
 */
function updateTrigger(def: AnyDefinition): string {
  const table = quoteIdent(def.name)
  const id = quoteIdent(def.idField)
  const where = `${id} = NEW.${id}`
  const fixed = new Set([def.idField, 'created_at', 'updated_at', 'data'])
  const others = rowMapper(def).columns.flatMap((c, i) => {
    if (fixed.has(c)) return []
    const column = quoteIdent(c)
    return [`UPDATE ${table} SET ${column} = NEW.${column} WHERE NEW."agor_set" & ${1 << i} AND ${where};`]
  })
  return `CREATE TRIGGER ${quoteIdent(`${updateView(def)}_row`)} INSTEAD OF INSERT ON ${quoteIdent(updateView(def))} BEGIN
${changeRow(def, 'NEW."agor_event"', true)}
UPDATE ${table} SET "data" = NEW."data", "updated_at" = NEW."updated_at" WHERE ${where} AND "updated_at" = NEW."agor_stored_at";
SELECT RAISE(ABORT, '${STALE_WRITE}') WHERE changes() = 0;
${others.join('\n')}
${DONE}
END`
}

/** The write views of one collection and their triggers, in the order they are created. */
export function writeViews(def: AnyDefinition): { name: string; sql: string }[] {
  return [
    { name: createView(def), sql: view(def, createView(def), CREATE_EXTRAS) },
    { name: updateView(def), sql: view(def, updateView(def), UPDATE_EXTRAS) },
    { name: `${createView(def)}_row`, sql: createTrigger(def) },
    { name: `${updateView(def)}_row`, sql: updateTrigger(def) }
  ]
}
