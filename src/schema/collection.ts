/**
 * The generic collection definition. A collection is one table: the id, status and timestamps as
 * columns, the keys the database must enforce (foreign keys, unique keys) as columns, and
 * everything else in a JSON `data` column. One definition yields both the drizzle table (for
 * drizzle-kit migrations) and the zod schema of the whole document.
 *
 * Both are made at their first use, not when the registry loads: reading, listing and showing
 * documents need names, columns and relations only, and a command that reads would otherwise spend
 * more time making schemas and tables than reading (the CLI's bundle also evaluates zod and
 * drizzle-orm only when they are first used; see scripts/built-cli.ts).
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
import { z } from 'zod'
import { type IdKind, isCanonicalId, isTextKey } from '../ids.js'
import { describePath } from './fields.js'
import { jsonExtract } from './sql.js'
import { TAGS_FIELD, tagList } from './tags.js'
import { isBlank } from './text.js'
import { DEFAULT_WORKSPACE, WORKSPACE_COLUMN } from './workspaces.js'

/** Text that says something (a blank name names nothing): see isBlank. */
export const nonBlank = () => z.string().refine((s) => !isBlank(s), 'Must not be empty or blank')

/** A canonical UUID (short ids in relation fields are resolved before validation). */
export const idString = () => z.string().refine(isCanonicalId, 'Expected a canonical lowercase UUID')

/** A text key (see parseTextKey in ids.ts). */
export const keyString = () => z.string().refine(isTextKey, 'Expected a key of 1 to 512 characters')

/** An ISO-8601 timestamp as the API shows it. */
export const isoTimestamp = () => z.iso.datetime({ offset: true })

/**
 * The workspace column of a row (every collection's, and the feed's tables'). A function, like the
 * tables: this module is loaded by commands that never make a drizzle column.
 */
export const workspaceColumn = () =>
  text(WORKSPACE_COLUMN)
    .notNull()
    .default(sql.raw(`'${DEFAULT_WORKSPACE}'`))

/** A field that may be left out or cleared with null. */
export const optional = <T extends z.ZodType>(schema: T) => schema.nullable().optional()

export interface Relation {
  /** The collection the column points at; a function so that a collection can point at itself. */
  target: () => AnyDefinition
  /** What happens to this document when the one it points at is removed. */
  onDelete: 'cascade' | 'set null'
}

/** The zod schemas of a collection's fields. */
export type FieldShape = Record<string, z.ZodType>

type StatusOf<Status extends string> = [Status] extends [never] ? unknown : { status: Status }

/** The API shape of a document: flat, timestamps as ISO strings. */
export type DocumentOf<
  IdField extends string,
  Status extends string,
  Fields extends FieldShape,
  Tagged extends boolean = false
> = {
  [K in IdField]: string
} & StatusOf<Status> & { created_at: string; updated_at: string } & z.output<z.ZodObject<Fields>> &
  (Tagged extends true ? { tags?: string[] | null } : unknown)

/** What a collection file declares. */
export interface CollectionSpec<
  Name extends string,
  IdField extends string,
  Status extends string,
  Fields extends FieldShape,
  Tagged extends boolean = false
> {
  /** Table and service name: `sessions`. */
  name: Name
  /** How messages name one document: `session`. */
  singular: string
  /** The primary-key column: `session_id`. */
  idField: IdField
  /**
   * What the ids are: `uuid` (the default) for UUIDv7s the store makes, named by short ids; `text`
   * for keys the caller gives, named exactly (no prefixes, no short ids: a key is its own short
   * id), unique within a workspace.
   */
  key?: IdKind
  /** The allowed statuses, the first being the default. Leave out for collections without status. */
  statuses?: readonly [Status, ...Status[]]
  /**
   * Every field but the id, status and timestamps, returned by a function: it runs when the schema
   * is first needed. Nested objects should be `z.strictObject`.
   */
  fields: () => Fields
  /** Fields kept in their own column with a foreign key. */
  relations?: { [K in keyof Fields & string]?: Relation }
  /** Fields kept in their own column with a UNIQUE constraint. */
  unique?: readonly (keyof Fields & string)[]
  /**
   * Fields kept in their own column with an index on (workspace, column): text the store itself
   * filters on, such as an expiry, compared as text.
   */
  columns?: readonly (keyof Fields & string)[]
  /** JSON fields (dot paths) that get an expression index on (field, created_at). */
  indexes?: readonly string[]
  /** Whether documents have `tags`, a list of labels queries match through the tag index. */
  tagged?: Tagged
  /**
   * Top-level text fields that `$search` looks in (full-text search, see store/search-index.ts):
   * titles, descriptions, prompts, names. Changing them makes a new search index when a database
   * opens.
   */
  search?: readonly (keyof Fields & string)[]
  /** One line that tells a person which document this is. */
  summary: (doc: DocumentOf<IdField, Status, Fields, Tagged>) => string
  /** Adjusts a document about to be written; `previous` is the stored one (none on create). */
  beforeWrite?: (
    next: DocumentOf<IdField, Status, Fields, Tagged>,
    previous: DocumentOf<IdField, Status, Fields, Tagged> | undefined,
    now: string
  ) => void
}

/** A field kept in a column of its own rather than in `data`. */
export interface KeyColumn {
  name: string
  relation?: Relation
  unique: boolean
  /** Whether the schema requires the field (a getter: it makes the schema). */
  readonly required: boolean
}

/** A collection definition, ready for the store. */
export interface CollectionDefinition<
  Name extends string = string,
  IdField extends string = string,
  Doc extends Record<string, unknown> = Record<string, unknown>
> {
  name: Name
  singular: string
  idField: IdField
  /** What the ids are (see CollectionSpec.key). */
  key: IdKind
  statuses: readonly string[] | undefined
  /** Columns besides the id, status, timestamps and data. */
  keyColumns: readonly KeyColumn[]
  /** The whole document, strict: unknown keys are reported. Made at its first use. */
  readonly schema: z.ZodObject
  /** The drizzle table, for drizzle-kit and migrations' tests. Made at its first use. */
  readonly table: SQLiteTable
  /** The indexed JSON fields, as paths. */
  indexes: readonly (readonly string[])[]
  /** Whether documents have `tags` (see schema/tags.ts). */
  tagged: boolean
  /** The top-level text fields `$search` looks in (none: the collection cannot be searched). */
  search: readonly string[]
  summary: (doc: Doc) => string
  beforeWrite?: (next: Doc, previous: Doc | undefined, now: string) => void
}

// biome-ignore lint/suspicious/noExplicitAny: the document type is erased where collections of every kind mix
export type AnyDefinition = CollectionDefinition<string, string, any>

/** The document type of a collection. */
export type DocOf<C> = C extends CollectionDefinition<string, string, infer Doc> ? Doc : never

/**
 * Defines a collection. The result is all the code needs: a new collection is one small file
 * that calls this, plus a migration from `npm run db:generate`.
 *
 * @example
 * export const boards = defineCollection({
 *   name: 'boards', singular: 'board', idField: 'board_id',
 *   fields: () => ({ name: nonBlank(), color: optional(z.string()) }),
 *   summary: (b) => b.name
 * })
 */
export function defineCollection<
  const Name extends string,
  const IdField extends string,
  const Status extends string = never,
  Fields extends FieldShape = FieldShape,
  const Tagged extends boolean = false
>(
  spec: CollectionSpec<Name, IdField, Status, Fields, Tagged>
): CollectionDefinition<Name, IdField, DocumentOf<IdField, Status, Fields, Tagged>> {
  const statuses = spec.statuses
  const relations: Partial<Record<string, Relation>> = spec.relations ?? {}
  const keyNames = [...new Set([...Object.keys(relations), ...(spec.unique ?? []), ...(spec.columns ?? [])])]
  const indexes = (spec.indexes ?? []).map((path) => path.split('.'))
  let schema: z.ZodObject | undefined
  let table: SQLiteTable | undefined
  const definition: CollectionDefinition<Name, IdField, DocumentOf<IdField, Status, Fields, Tagged>> = {
    name: spec.name,
    singular: spec.singular,
    idField: spec.idField,
    key: spec.key ?? 'uuid',
    statuses,
    keyColumns: keyNames.map((name) => ({
      name,
      relation: relations[name],
      unique: spec.unique?.includes(name) ?? false,
      get required() {
        return !definition.schema.shape[name]?.safeParse(undefined).success
      }
    })),
    get schema() {
      schema ??= documentSchema(spec, keyNames)
      return schema
    },
    get table() {
      table ??= buildTable(definition)
      return table
    },
    indexes,
    tagged: spec.tagged ?? false,
    search: spec.search ?? [],
    summary: spec.summary,
    beforeWrite: spec.beforeWrite
  }
  return definition
}

/** The zod schema of a collection's documents; throws when a key column or index names no field. */
function documentSchema(
  spec: Pick<
    CollectionSpec<string, string, string, FieldShape, boolean>,
    'name' | 'idField' | 'key' | 'statuses' | 'fields' | 'indexes' | 'tagged' | 'search'
  >,
  keyNames: readonly string[]
): z.ZodObject {
  const fields = spec.fields()
  const schema = z.strictObject({
    [spec.idField]: spec.key === 'text' ? keyString() : idString(),
    ...(spec.statuses ? { status: z.enum(spec.statuses) } : {}),
    created_at: isoTimestamp(),
    updated_at: isoTimestamp(),
    ...(spec.tagged ? { [TAGS_FIELD]: optional(tagList()) } : {}),
    ...fields
  })
  if (spec.tagged && Object.hasOwn(fields, TAGS_FIELD))
    throw new Error(`${spec.name}: tags is made by tagged`)
  for (const name of keyNames) {
    if (!Object.hasOwn(fields, name)) throw new Error(`${spec.name}: key column ${name} is not a field`)
  }
  for (const path of spec.indexes ?? []) {
    if (!describePath(schema, path.split('.')) || keyNames.includes(path))
      throw new Error(`${spec.name}: cannot index ${path}`)
  }
  // a searched field is a top-level text field of the document's own (not its id, status or times)
  for (const name of spec.search ?? []) {
    if (!Object.hasOwn(fields, name) || describePath(schema, [name])?.kind !== 'string')
      throw new Error(`${spec.name}: cannot search ${name}`)
  }
  return schema
}

function buildTable(def: AnyDefinition): SQLiteTable {
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
    const column = text(key.name)
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
      const allowed = statuses.map((s) => `'${s.replaceAll("'", "''")}'`).join(', ')
      constraints.push(check(`${name}_status_valid`, sql.raw(`"status" IN (${allowed})`)))
      constraints.push(index(`${name}_status_idx`).on(workspace, col('status'), ...order))
    }
    for (const key of keyColumns) {
      // unique within a workspace: another workspace's key is neither a conflict nor a clue
      if (key.unique) constraints.push(uniqueIndex(`${name}_${key.name}_unique`).on(workspace, col(key.name)))
      if (!key.relation && !key.unique)
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
