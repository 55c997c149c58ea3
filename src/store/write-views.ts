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
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { rowMapper } from './row.js'

/**
 * Now, in milliseconds, by the clock of the database that commits (julianday, not
 * unixepoch('subsec'), which SQLite before 3.42 lacks: another tool's writes fire these triggers).
 */
export const NOW_MS = `CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)`

/** The message of an update that found its row changed (or gone) since it was read. */
export const STALE_WRITE = 'agor: the row changed since it was read'

/** The columns a create carries besides the row's, in this order: the workspace first. */
export const CREATE_EXTRAS = ['agor_workspace', 'agor_actor', 'agor_transport', 'agor_remote'] as const

/** The columns an update of `data` alone carries besides the id, `updated_at` and `data`, in this order. */
export const DATA_UPDATE_EXTRAS = [
  ...CREATE_EXTRAS,
  'agor_event',
  'agor_patch',
  'agor_undo',
  'agor_stored_at'
] as const

/** The columns an update carries besides the row's, in this order. */
export const UPDATE_EXTRAS = [...DATA_UPDATE_EXTRAS, 'agor_set'] as const

/** The row's columns an update of `data` alone carries, in this order. */
export const dataUpdateColumns = (def: AnyDefinition) =>
  [def.idField, 'created_at', 'updated_at', 'data'] as const

export const createView = (def: AnyDefinition) => `agor_create_${def.name}`
export const updateView = (def: AnyDefinition) => `agor_update_${def.name}`
export const dataUpdateView = (def: AnyDefinition) => `agor_update_data_${def.name}`

/** A view with `columns` of the table and `extras`: a shape to INSERT into, never read. */
function view(
  def: AnyDefinition,
  name: string,
  columns: readonly string[],
  extras: readonly string[]
): string {
  const list = [...columns.map(quoteIdent), ...extras.map((extra) => `NULL AS ${quoteIdent(extra)}`)]
  return `CREATE VIEW ${quoteIdent(name)} AS SELECT ${list.join(', ')} FROM ${quoteIdent(def.name)} WHERE 0`
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
  return `INSERT INTO ${CHANGES_TABLE} (collection, doc_id, event, at, actor, transport, remote, patch, undo, version, workspace) VALUES ('${def.name}', NEW.${id}, ${event}, ${NOW_MS}, NEW."agor_actor", NEW."agor_transport", NEW."agor_remote", ${patch}, ${undo}, NEW."updated_at", NEW."agor_workspace");`
}

/**
 * Takes `version` back from the change this statement wrote. An update's trigger names it by
 * last_insert_rowid(), which its own INSERT of the change set (the triggers it fires restore it
 * when they end); a create's cannot, as the row's INSERT comes after it.
 */
const DONE = `UPDATE ${CHANGES_TABLE} SET version = NULL WHERE seq = (SELECT max(seq) FROM ${CHANGES_TABLE});`
const UPDATE_DONE = `UPDATE ${CHANGES_TABLE} SET version = NULL WHERE seq = last_insert_rowid();`

function createTrigger(def: AnyDefinition): string {
  const columns = rowMapper(def).columns.map(quoteIdent)
  const values = [...columns.map((c) => `NEW.${c}`), 'NEW."agor_workspace"']
  return `CREATE TRIGGER ${quoteIdent(`${createView(def)}_row`)} INSTEAD OF INSERT ON ${quoteIdent(createView(def))} BEGIN
${changeRow(def, `'created'`, false)}
INSERT INTO ${quoteIdent(def.name)} (${[...columns, quoteIdent(WORKSPACE_COLUMN)].join(', ')}) VALUES (${values.join(', ')});
${DONE}
END`
}

/**
 * The columns an update writes only when their value changes, each with its bit in `agor_set`
 * (that of its place in the row): all but the id, the timestamps and `data`.
 */
export function optionalColumns(def: AnyDefinition): { column: string; bit: number }[] {
  const fixed = new Set([def.idField, 'created_at', 'updated_at', 'data'])
  return rowMapper(def).columns.flatMap((column, i) => (fixed.has(column) ? [] : [{ column, bit: 1 << i }]))
}

/**
 * A timestamp column as a read gives it, in whole milliseconds: another tool may have stored a
 * fraction of one (or text), which the read cuts off, and the write that read it must still find it.
 */
const asRead = (column: string) => `CAST(${quoteIdent(column)} AS INTEGER)`

/**
 * An update's trigger, on the view of updates of `data` alone (most writes: `lean`), or on that of
 * updates which may set other columns too, each only if its bit is in `agor_set`: an index over a
 * column that no UPDATE sets costs nothing, and a lean write binds no value it does not write.
 * Either refuses to write over a row that is not as read: another writer changed it, or removed
 * it, meanwhile. Both timestamps say so: `updated_at` increases with every write of a row, and a
 * row removed and made again under its id (a key of the key-value store) was made later.
 */
function updateTrigger(def: AnyDefinition, lean: boolean): string {
  const table = quoteIdent(def.name)
  const id = quoteIdent(def.idField)
  const where = `${id} = NEW.${id} AND ${quoteIdent(WORKSPACE_COLUMN)} = NEW."agor_workspace"`
  const others = lean
    ? []
    : optionalColumns(def).map(({ column, bit }) => {
        const name = quoteIdent(column)
        return `UPDATE ${table} SET ${name} = NEW.${name} WHERE NEW."agor_set" & ${bit} AND ${where};`
      })
  const target = lean ? dataUpdateView(def) : updateView(def)
  return `CREATE TRIGGER ${quoteIdent(`${target}_row`)} INSTEAD OF INSERT ON ${quoteIdent(target)} BEGIN
${changeRow(def, 'NEW."agor_event"', true)}
UPDATE ${table} SET "data" = NEW."data", "updated_at" = NEW."updated_at" WHERE ${where} AND ${asRead('updated_at')} = NEW."agor_stored_at" AND ${asRead('created_at')} = NEW."created_at";
SELECT RAISE(ABORT, '${STALE_WRITE}') WHERE changes() = 0;
${[...others, UPDATE_DONE].join('\n')}
END`
}

/** The write views of one collection and their triggers, in the order they are created. */
export function writeViews(def: AnyDefinition): { name: string; sql: string }[] {
  const columns = rowMapper(def).columns
  return [
    { name: createView(def), sql: view(def, createView(def), columns, CREATE_EXTRAS) },
    { name: updateView(def), sql: view(def, updateView(def), columns, UPDATE_EXTRAS) },
    {
      name: dataUpdateView(def),
      sql: view(def, dataUpdateView(def), dataUpdateColumns(def), DATA_UPDATE_EXTRAS)
    },
    { name: `${createView(def)}_row`, sql: createTrigger(def) },
    { name: `${updateView(def)}_row`, sql: updateTrigger(def, false) },
    { name: `${dataUpdateView(def)}_row`, sql: updateTrigger(def, true) }
  ]
}
