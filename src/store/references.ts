/**
 * Short ids where documents name other documents: in the relation fields of documents about to be
 * written, and in conditions on the id field and relation fields of queries. Each is replaced by
 * the whole id it names, all prefixes of one write or query resolved in one round trip per target.
 */
import type { Connection } from '../db/connection.js'
import { MissingReferenceError } from '../errors.js'
import { isCanonicalId } from '../ids.js'
import type { AnyDefinition } from '../schema/collection.js'
import { isPlainObject, ownValue } from './plain-json.js'
import type { QueryFields } from './query-fields.js'
import { mapConditions, type Query } from './query-walk.js'
import { Resolver } from './resolver.js'
import { type Document, rowMapper } from './row.js'

/** The operators whose values name documents (besides equality). */
const ID_OPERATORS = ['$ne', '$in', '$nin']

const isPrefix = (value: unknown): value is string => typeof value === 'string' && !isCanonicalId(value)

export class References {
  readonly #db: Connection
  readonly #def: AnyDefinition
  readonly #fields: QueryFields
  readonly #workspace: string
  readonly #resolvers = new Map<string, Resolver>()

  /** Resolves short ids among the documents of `workspace`, as `own` does. */
  constructor(db: Connection, def: AnyDefinition, fields: QueryFields, own: Resolver, workspace: string) {
    this.#db = db
    this.#def = def
    this.#fields = fields
    this.#workspace = workspace
    this.#resolvers.set(def.name, own)
  }

  /**
   * Replaces short ids in the relation fields of documents about to be written by whole ids. A
   * prefix that names nothing is a 400, as a whole id that names nothing is (the foreign key).
   * Undefined when there is none to replace, the commonest write: nothing to wait for.
   */
  inData(docs: Document[]): Promise<void> | undefined {
    for (const key of this.#def.keyColumns) {
      if (!key.relation) continue
      for (const doc of docs) if (isPrefix(ownValue(doc, key.name))) return this.#resolveInData(docs)
    }
    return undefined
  }

  async #resolveInData(docs: Document[]): Promise<void> {
    for (const key of this.#def.keyColumns) {
      if (!key.relation) continue
      const values = docs.map((d) => ownValue(d, key.name)).filter(isPrefix)
      if (values.length === 0) continue
      const target = key.relation.target()
      const resolved = await this.#resolver(target).resolveIds(values)
      for (const doc of docs) {
        const value = ownValue(doc, key.name)
        if (!isPrefix(value)) continue
        const id = resolved.get(value)
        if (id === undefined) throw new MissingReferenceError(key.name, target.singular, value)
        doc[key.name] = id
      }
    }
  }

  /**
   * A copy of `query` where short ids given for the id field or a relation field (equality, `$ne`,
   * `$in`, `$nin`) are whole ids, so that `{ session_id: '0199b73d' }` means that session. A prefix
   * that names no document stays as it is: like an unknown whole id, it equals no id.
   */
  async inQuery(query: Query): Promise<Query> {
    const wanted = new Map<AnyDefinition, unknown[]>()
    mapConditions(query, (name, value) => {
      const target = this.#fields.field(name).references?.()
      if (target) {
        const list = wanted.get(target) ?? []
        forEachId(value, (id) => {
          if (isPrefix(id)) list.push(id)
          return id
        })
        wanted.set(target, list)
      }
      return value
    })
    const resolved = new Map<AnyDefinition, Map<unknown, string>>()
    for (const [target, prefixes] of wanted) {
      if (prefixes.length) resolved.set(target, await this.#resolver(target).resolveIds(prefixes))
    }
    if (resolved.size === 0) return query
    return mapConditions(query, (name, value) => {
      const target = this.#fields.field(name).references?.()
      const ids = target && resolved.get(target)
      return ids ? forEachId(value, (id) => ids.get(id) ?? id) : value
    })
  }

  #resolver(def: AnyDefinition): Resolver {
    let resolver = this.#resolvers.get(def.name)
    if (!resolver) {
      resolver = new Resolver(this.#db, def, rowMapper(def), this.#workspace)
      this.#resolvers.set(def.name, resolver)
    }
    return resolver
  }
}

/** `value` (a condition on an id field) with each id in it replaced by `map(id)`. */
function forEachId(value: unknown, map: (id: unknown) => unknown): unknown {
  if (!isPlainObject(value)) return map(value)
  const ops: Query = { ...value }
  for (const op of ID_OPERATORS) {
    if (!(op in ops)) continue
    ops[op] = Array.isArray(ops[op]) ? (ops[op] as unknown[]).map(map) : op === '$ne' ? map(ops[op]) : ops[op]
  }
  return ops
}
