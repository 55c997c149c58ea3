/**
 * The drizzle table of a collection, made from its definition: what drizzle-kit diffs into
 * migrations. Every index but a relation's begins with the workspace, as every query does.
 */
import { getTableColumns, sql } from 'drizzle-orm'
import {
  type AnySQLiteColumn,
  check,
  foreignKey,
  index,
  integer,
  primaryKey,
  type SQLiteColumnBuilderBase,
  type SQLiteTable,
  type SQLiteTableExtraConfigValue,
  sqliteTable,
  text,
  uniqueIndex
} from 'drizzle-orm/sqlite-core'
import type { AnyDefinition, Relation } from './collection.js'
import { jsonExtract, quoteText } from './sql.js'
import { DEFAULT_WORKSPACE, WORKSPACE_COLUMN } from './workspaces.js'

/**
 * The workspace column of a row (every collection's, and the feed's tables'). A function, like the
 * tables: this module is loaded by commands that never make a drizzle column.
 */
export const workspaceColumn = () =>
  text(WORKSPACE_COLUMN)
    .notNull()
    .default(sql.raw(`'${DEFAULT_WORKSPACE}'`))

/** The drizzle table of a collection (see collection.ts). */
export function buildTable(def: AnyDefinition): SQLiteTable {
  const { name, idField, statuses, keyColumns, indexes: jsonIndexes } = def
  // a UUID is unique in the table; a text key within its workspace only (the key, below)
  const id = text(idField)
  const columns: Record<string, SQLiteColumnBuilderBase> = {
    [idField]: def.key === 'text' ? id.notNull() : id.primaryKey()
  }
  if (statuses) columns.status = text('status').notNull()
  columns.created_at = integer('created_at').notNull()
  columns.updated_at = integer('updated_at').notNull()
  for (const key of keyColumns) {
    const column = key.type === 'integer' ? integer(key.name) : text(key.name)
    if (key.required) column.notNull()
    columns[key.name] = column
  }
  columns.data = text('data').notNull()
  columns[WORKSPACE_COLUMN] = workspaceColumn()

  // every index but a relation's begins with the workspace, as every query of the store does; a
  // relation's begins with the relation, which the foreign key's own lookups need (on a removal)
  return sqliteTable(name, columns, (t) => {
    const col = (column: string) => t[column]!
    const workspace = col(WORKSPACE_COLUMN)
    const order = [col('created_at'), col(idField)] as const
    const constraints: SQLiteTableExtraConfigValue[] = [
      ...(def.key === 'text' ? [primaryKey({ name: `${name}_pk`, columns: [workspace, col(idField)] })] : []),
      check(`${name}_data_is_object`, sql.raw(`json_valid("data") AND json_type("data") = 'object'`)),
      index(`${name}_created_at_idx`).on(workspace, ...order)
    ]
    if (statuses) {
      const allowed = statuses.map(quoteText).join(', ')
      constraints.push(check(`${name}_status_valid`, sql.raw(`"status" IN (${allowed})`)))
      constraints.push(index(`${name}_status_idx`).on(workspace, col('status'), ...order))
    }
    // unique within a workspace: another workspace's key is neither a conflict nor a clue
    for (const key of def.uniqueKeys) {
      const [first, ...rest] = key.map(col)
      constraints.push(uniqueIndex(`${name}_${key.join('_')}_unique`).on(workspace, first!, ...rest))
      // a key of several columns is how its documents are listed (a session's messages by index):
      // an index that ends with the id gives such a page in the store's order without sorting
      // (the unique index allows several nulls, so it cannot stand for that order)
      if (key.length > 1)
        constraints.push(
          index(`${name}_${key.join('_')}_order_idx`).on(workspace, first!, ...rest, col(idField))
        )
    }
    // a unique key's index serves its columns; `columns` asks for one of a column's own
    const inUniqueKey = new Set(def.uniqueKeys.flat())
    for (const key of keyColumns) {
      if (!key.relation && (!inUniqueKey.has(key.name) || def.ownIndexes.includes(key.name)))
        constraints.push(index(`${name}_${key.name}_idx`).on(workspace, col(key.name)))
      if (!key.relation) continue
      const relation = key.relation
      constraints.push(index(`${name}_${key.name}_idx`).on(col(key.name), workspace, ...order))
      constraints.push(
        foreignKey({
          name: `${name}_${key.name}_fk`,
          columns: [col(key.name)],
          foreignColumns: [targetIdColumn(relation, name, t)]
        }).onDelete(relation.onDelete)
      )
    }
    for (const path of jsonIndexes) {
      const expression = sql.raw(jsonExtract(path))
      constraints.push(index(`${name}_${path.join('_')}_idx`).on(workspace, expression, ...order))
    }
    return constraints
  })
}

// A self-reference must use the table's own columns: the table object does not exist yet.
function targetIdColumn(
  relation: Relation,
  self: string,
  columns: Record<string, AnySQLiteColumn>
): AnySQLiteColumn {
  const target = relation.target()
  const column = (target.name === self ? columns : getTableColumns(target.table))[target.idField]
  if (!column) throw new Error(`${self}: ${target.name} has no column ${target.idField}`)
  return column
}
