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
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { z } from 'zod'
import { type IdKind, isCanonicalId, isTextKey } from '../ids.js'
import { describePath, unwrap } from './fields.js'
import { refinedString } from './refinements.js'
import { buildTable } from './table.js'
import { TAGS_FIELD, tagList } from './tags.js'
import { isBlank } from './text.js'

/** Text that says something (a blank name names nothing): see isBlank. */
export const nonBlank = () => refinedString((s) => !isBlank(s), 'Must not be empty or blank')

/** A canonical UUID (short ids in relation fields are resolved before validation). */
export const idString = () => refinedString(isCanonicalId, 'Expected a canonical lowercase UUID')

/** A text key (see parseTextKey in ids.ts). */
export const keyString = () => refinedString(isTextKey, 'Expected a key of 1 to 512 characters')

/** An ISO-8601 timestamp as the API shows it. */
export const isoTimestamp = () => z.iso.datetime({ offset: true })

/** Who made a document, in collections that say so (`authored`). */
export const AUTHOR_FIELD = 'created_by'

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
  Tagged extends boolean = false,
  Authored extends boolean = false
> = {
  [K in IdField]: string
} & StatusOf<Status> & { created_at: string; updated_at: string } & z.output<z.ZodObject<Fields>> &
  (Tagged extends true ? { tags?: string[] | null } : unknown) &
  (Authored extends true ? { created_by?: string | null } : unknown)

/** What a collection file declares. */
export interface CollectionSpec<
  Name extends string,
  IdField extends string,
  Status extends string,
  Fields extends FieldShape,
  Tagged extends boolean = false,
  Authored extends boolean = false
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
  /**
   * Unique keys, each kept in columns with a UNIQUE constraint (within a workspace): a field
   * (`'slug'`), or several that are unique together (`['repo_id', 'name']`). A field unique alone
   * also names documents on the CLI (`agor repo show agor/store`).
   */
  unique?: readonly ((keyof Fields & string) | readonly (keyof Fields & string)[])[]
  /**
   * Fields kept in their own column with an index on (workspace, column): text the store itself
   * filters on, such as an expiry, compared as text.
   */
  columns?: readonly (keyof Fields & string)[]
  /**
   * Key columns (of `relations`, `unique` or `columns`) that hold whole numbers: INTEGER columns,
   * compared and sorted as numbers (a message's `index`).
   */
  integers?: readonly (keyof Fields & string)[]
  /** JSON fields (dot paths) that get an expression index on (field, created_at). */
  indexes?: readonly string[]
  /** Whether documents have `tags`, a list of labels queries match through the tag index. */
  tagged?: Tagged
  /**
   * Whether documents have `created_by`: who made them (a user's id, or what an import kept). Set
   * from the user who logs in and creates one; never changed afterwards.
   */
  authored?: Authored
  /**
   * Top-level text fields that `$search` looks in (full-text search, see store/search-index.ts):
   * titles, descriptions, prompts, names. Changing them makes a new search index when a database
   * opens.
   */
  search?: readonly (keyof Fields & string)[]
  /** One line that tells a person which document this is. */
  summary: (doc: DocumentOf<IdField, Status, Fields, Tagged, Authored>) => string
  /** Adjusts a document about to be written; `previous` is the stored one (none on create). */
  beforeWrite?: (
    next: DocumentOf<IdField, Status, Fields, Tagged, Authored>,
    previous: DocumentOf<IdField, Status, Fields, Tagged, Authored> | undefined,
    now: string
  ) => void
}

/** A field kept in a column of its own rather than in `data`. */
export interface KeyColumn {
  name: string
  relation?: Relation
  /** Whether the column is a unique key alone (see `uniqueKeys` for every unique key). */
  unique: boolean
  /** What the column holds: text (ids, slugs) or whole numbers. */
  type: 'text' | 'integer'
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
  /** The unique keys, each a list of key columns (see CollectionSpec.unique). */
  uniqueKeys: readonly (readonly string[])[]
  /** The key columns with an index of their own (CollectionSpec.columns). */
  ownIndexes: readonly string[]
  /** The whole document, strict: unknown keys are reported. Made at its first use. */
  readonly schema: z.ZodObject
  /** The drizzle table, for drizzle-kit and migrations' tests. Made at its first use. */
  readonly table: SQLiteTable
  /** The indexed JSON fields, as paths. */
  indexes: readonly (readonly string[])[]
  /** Whether documents have `tags` (see schema/tags.ts). */
  tagged: boolean
  /** Whether documents have `created_by` (see CollectionSpec.authored). */
  authored: boolean
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
  const Tagged extends boolean = false,
  const Authored extends boolean = false
>(
  spec: CollectionSpec<Name, IdField, Status, Fields, Tagged, Authored>
): CollectionDefinition<Name, IdField, DocumentOf<IdField, Status, Fields, Tagged, Authored>> {
  const statuses = spec.statuses
  const relations: Partial<Record<string, Relation>> = spec.relations ?? {}
  const uniqueKeys = (spec.unique ?? []).map((key): readonly string[] =>
    typeof key === 'string' ? [key] : key
  )
  const keyNames = [...new Set([...Object.keys(relations), ...uniqueKeys.flat(), ...(spec.columns ?? [])])]
  const integers: readonly string[] = spec.integers ?? []
  const indexes = (spec.indexes ?? []).map((path) => path.split('.'))
  let schema: z.ZodObject | undefined
  let table: SQLiteTable | undefined
  const definition: CollectionDefinition<
    Name,
    IdField,
    DocumentOf<IdField, Status, Fields, Tagged, Authored>
  > = {
    name: spec.name,
    singular: spec.singular,
    idField: spec.idField,
    key: spec.key ?? 'uuid',
    statuses,
    keyColumns: keyNames.map((name) => ({
      name,
      relation: relations[name],
      unique: uniqueKeys.some((key) => key.length === 1 && key[0] === name),
      type: integers.includes(name) ? 'integer' : 'text',
      get required() {
        return !definition.schema.shape[name]?.safeParse(undefined).success
      }
    })),
    uniqueKeys,
    ownIndexes: spec.columns ?? [],
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
    authored: spec.authored ?? false,
    search: spec.search ?? [],
    summary: spec.summary,
    beforeWrite: spec.beforeWrite
  }
  return definition
}

/** The zod schema of a collection's documents; throws when a key column or index names no field. */
function documentSchema(
  spec: Pick<
    CollectionSpec<string, string, string, FieldShape, boolean, boolean>,
    | 'name'
    | 'idField'
    | 'key'
    | 'statuses'
    | 'fields'
    | 'indexes'
    | 'tagged'
    | 'authored'
    | 'search'
    | 'integers'
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
    ...(spec.authored ? { [AUTHOR_FIELD]: optional(z.string().min(1).max(200)) } : {}),
    ...fields
  })
  if (spec.tagged && Object.hasOwn(fields, TAGS_FIELD))
    throw new Error(`${spec.name}: tags is made by tagged`)
  if (spec.authored && Object.hasOwn(fields, AUTHOR_FIELD))
    throw new Error(`${spec.name}: created_by is made by authored`)
  for (const name of keyNames) {
    if (!Object.hasOwn(fields, name)) throw new Error(`${spec.name}: key column ${name} is not a field`)
  }
  for (const name of spec.integers ?? []) {
    const field = unwrap(fields[name] ?? z.never())
    if (!keyNames.includes(name) || !(field instanceof z.ZodNumber) || !field.isInt)
      throw new Error(`${spec.name}: ${name} is no key column of whole numbers`)
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
