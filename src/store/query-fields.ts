/**
 * The fields a query can name in one collection: its columns and the paths of its zod schema, each
 * with the SQL expression that reads it. A name the schema does not define is a 400, so that no
 * query text comes from the user.
 */
import { BadRequest } from '@feathersjs/errors'
import type { AnyDefinition } from '../schema/collection.js'
import { describePath, type FieldKind } from '../schema/fields.js'
import { jsonExtract, jsonTypeAt, quoteIdent, SAFE_SEGMENT } from '../schema/sql.js'
import { TAGS_FIELD } from '../schema/tags.js'

/** A field a query can name. */
export interface Field {
  /** The name as written in the query: `git_state.ref`. */
  name: string
  path: readonly (string | number)[]
  /** The SQL expression that reads it. */
  sql: string
  /** `timestamp` for created_at/updated_at (ISO in the API, milliseconds in SQL). */
  kind: FieldKind | 'timestamp'
  /** The collection whose ids the field holds: the id field and relation columns. */
  references?: () => AnyDefinition
  /** For a free-form JSON field: the expression of the stored value's JSON type. */
  typeSql?: string
  /** For `tags` of a tagged collection: that collection, whose tag index its list operators seek. */
  tagIndex?: AnyDefinition
  /**
   * Whether it is an ISO timestamp, stored as UTC with milliseconds: conditions compare that text.
   * A column's answer is the schema's, built (zod loaded) when a condition on it first asks.
   */
  instant?: () => boolean
}

/** Looks up (and remembers) the fields of one collection's queries. */
export class QueryFields {
  readonly #def: AnyDefinition
  readonly #fields = new Map<string, Field>()
  readonly #columns = new Map<string, Omit<Field, 'name' | 'path' | 'sql'>>()

  constructor(def: AnyDefinition) {
    this.#def = def
    this.#columns.set(def.idField, { kind: 'string', references: () => def })
    if (def.statuses) this.#columns.set('status', { kind: 'string' })
    this.#columns.set('created_at', { kind: 'timestamp' })
    this.#columns.set('updated_at', { kind: 'timestamp' })
    for (const key of def.keyColumns) {
      const relation = key.relation
      const kind = key.type === 'integer' ? 'number' : 'string'
      let instant: boolean | undefined
      const isInstant = () => {
        instant ??= describePath(def.schema, [key.name])?.instant === true
        return instant
      }
      this.#columns.set(key.name, {
        kind,
        ...(relation ? { references: relation.target } : kind === 'string' ? { instant: isInstant } : {})
      })
    }
  }

  /** The field `name` names, or a BadRequest if the collection has no such field. */
  field(name: string): Field {
    let field = this.#fields.get(name)
    if (!field) {
      field = this.#describe(name)
      this.#fields.set(name, field)
    }
    return field
  }

  #describe(name: string): Field {
    if (typeof name !== 'string' || name.length === 0 || name.length > 200)
      throw new BadRequest('Invalid field name')
    const column = this.#columns.get(name)
    if (column) return { name, path: [name], sql: quoteIdent(name), ...column }
    const path = name.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s))
    // no stored document has a __proto__ key (writes refuse it), so a path through one is a mistake
    if (path.some((s) => typeof s === 'string' && (!SAFE_SEGMENT.test(s) || s === '__proto__'))) {
      throw new BadRequest(`Invalid field name '${name}'`)
    }
    const info = this.#columns.has(String(path[0])) ? undefined : describePath(this.#def.schema, path)
    if (!info) throw new BadRequest(`Unknown field '${name}' in ${this.#def.name} query`)
    const typeSql = info.kind === 'any' ? jsonTypeAt(path) : undefined
    const tagIndex = this.#def.tagged && name === TAGS_FIELD ? this.#def : undefined
    return {
      name,
      path,
      sql: jsonExtract(path),
      kind: info.kind,
      ...(typeSql ? { typeSql } : {}),
      ...(tagIndex ? { tagIndex } : {}),
      ...(info.instant ? { instant: () => true } : {})
    }
  }
}
