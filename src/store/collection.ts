/**
 * A document collection over one table: create, get, find, update, patch and remove with short ids,
 * the query syntax, whole-document validation and lost-update-free writes. It knows SQL and zod,
 * and nothing of Feathers transports.
 */
import { BadRequest } from '@feathersjs/errors'
import type { InStatement, InValue } from '@libsql/client'
import type { Database } from '../db/database.js'
import {
  DatabaseUnavailableError,
  DocumentNotFoundError,
  InvalidIdError,
  MissingReferenceError
} from '../errors.js'
import { isCanonicalId, isCanonicalV7, newId, parseIdPrefix } from '../ids.js'
import type { AnyDefinition, DocOf } from '../schema/collection.js'
import { quoteIdent } from '../schema/sql.js'
import { explainWriteError, isStaleWrite } from './constraints.js'
import { assertPlainJson } from './input.js'
import { KeyedQueue } from './keyed-queue.js'
import { isPlainObject, mergePatch } from './merge.js'
import { FILTERS, type Field, project, type Query, QueryCompiler } from './query.js'
import { type Condition, Resolver } from './resolver.js'
import { type Document, type RowMapper, rowMapper, toIso, toMillis } from './row.js'
import { assertTimestamps, carryUnknownKeys, validateDocument, validateStoredDocument } from './validate.js'

/** Page sizes: `default` when a query gives no `$limit`, never more than `max`. */
export interface PaginationOptions {
  default?: number
  max?: number
}

/** A page of results. `total` counts every document that matches the query. */
export interface Page<T> {
  total: number
  limit: number
  skip: number
  data: T[]
}

export interface CollectionParams {
  query?: Query
}

export interface FindParams extends CollectionParams {
  /** Page options, or false (the default) for a plain array. */
  paginate?: PaginationOptions | false
}

type Writable<Doc> = Omit<Doc, 'created_at' | 'updated_at'>
/** What `create` and `update` take: the document without timestamps; id and status optional. */
export type CreateData<Def extends AnyDefinition> = Omit<Writable<DocOf<Def>>, Def['idField'] | 'status'> &
  Partial<Pick<DocOf<Def>, Extract<keyof DocOf<Def>, Def['idField'] | 'status'>>>
/** What `patch` takes: any subset of the fields. */
export type PatchData<Def extends AnyDefinition> = Partial<Writable<DocOf<Def>>>

/** Most attempts a write makes when other writers keep changing its document. */
const MAX_ATTEMPTS = 200
/** Rows per INSERT statement: well under SQLite's 32,766 bound parameters. */
const ROWS_PER_INSERT = 1000

/** The conditions of a query, without its filters (`$select` and the like). */
function conditionsOf(query: Query | undefined): Query {
  if (!query) return {}
  const conditions: Query = {}
  for (const key of Object.keys(query)) {
    if (!(FILTERS as readonly string[]).includes(key)) conditions[key] = query[key]
  }
  return conditions
}

function backoff(attempt: number): Promise<void> {
  if (attempt < 3) return Promise.resolve()
  const ms = Math.min(50, 2 ** Math.min(attempt, 6)) * Math.random()
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export class Collection<Def extends AnyDefinition = AnyDefinition> {
  readonly definition: Def
  readonly #db: Database
  readonly #mapper: RowMapper
  readonly #resolver: Resolver
  readonly #compiler: QueryCompiler
  readonly #targets = new Map<string, Resolver>()
  readonly #table: string
  readonly #id: string
  readonly #updateSql: string
  readonly #insertTexts = new Map<number, string>()
  readonly #writes = new KeyedQueue()

  constructor(db: Database, definition: Def) {
    this.definition = definition
    this.#db = db
    this.#mapper = rowMapper(definition)
    this.#resolver = new Resolver(db, definition, this.#mapper)
    this.#compiler = new QueryCompiler(definition)
    this.#table = quoteIdent(definition.name)
    this.#id = quoteIdent(definition.idField)
    // Every column but the id is rewritten; updated_at only if it still holds the value read
    // (else NULL, which NOT NULL refuses): a write never lands on a row that changed under it.
    const sets = this.#mapper.columns
      .slice(1)
      .map((c) =>
        c === 'updated_at' ? `"updated_at" = CASE "updated_at" WHEN ? THEN ? END` : `${quoteIdent(c)} = ?`
      )
    this.#updateSql = `UPDATE ${this.#table} SET ${sets.join(', ')} WHERE ${this.#id} = ?`
  }

  get name(): Def['name'] {
    return this.definition.name
  }

  get idField(): Def['idField'] {
    return this.definition.idField
  }

  /** The query compiler of this collection (the service layer reads field kinds from it). */
  get fields(): Pick<QueryCompiler, 'field'> {
    return this.#compiler
  }

  /**
   * Gets one document by its whole id or any unique prefix.
   *
   * @example
   * await sessions.get('0199b73d') // throws 404 if none, 409 if several match
   */
  async get(id: unknown, params: CollectionParams = {}): Promise<DocOf<Def>> {
    const { query } = params
    const condition = query && Object.keys(query).length > 0 ? await this.#condition(query) : undefined
    const row = await this.#resolver.row(id, condition)
    return this.#output(this.#mapper.fromRow(row), params.query)
  }

  /**
   * Finds documents. With `paginate`, returns a page with the total of the whole match.
   *
   * @example
   * await tasks.find({ query: { session_id: '0199b73d', status: { $in: ['running', 'failed'] }, $sort: { created_at: -1 } } })
   */
  async find(params: FindParams & { paginate: PaginationOptions }): Promise<Page<DocOf<Def>>>
  async find(params?: FindParams & { paginate?: false }): Promise<DocOf<Def>[]>
  async find(params?: FindParams): Promise<DocOf<Def>[] | Page<DocOf<Def>>>
  async find(params: FindParams = {}): Promise<DocOf<Def>[] | Page<DocOf<Def>>> {
    const query = await this.#resolveQueryReferences(params.query ?? {})
    const compiled = this.#compiler.compile(query)
    const paginate = params.paginate || undefined
    const limit = paginate ? pageLimit(compiled.limit, paginate) : compiled.limit
    const select: InStatement = {
      sql: `SELECT ${this.#mapper.columnList} FROM ${this.#table} WHERE ${compiled.where} ORDER BY ${compiled.orderBy} LIMIT ? OFFSET ?`,
      args: [...compiled.args, limit ?? -1, compiled.skip]
    }
    if (!paginate) {
      const { rows } = await this.#db.execute(select)
      return rows.map((r) => this.#project(this.#mapper.fromRow(r), compiled.select))
    }
    const count: InStatement = {
      sql: `SELECT count(*) AS total FROM ${this.#table} WHERE ${compiled.where}`,
      args: compiled.args
    }
    const [page, total] =
      limit === 0 ? [undefined, await this.#db.execute(count)] : await this.#db.batch([select, count], 'read')
    return {
      total: Number(total?.rows[0]?.total ?? 0),
      limit: limit ?? 0,
      skip: compiled.skip,
      data: (page?.rows ?? []).map((r) => this.#project(this.#mapper.fromRow(r), compiled.select))
    }
  }

  /**
   * Creates one document, or an array of them in one atomic write. Ids are new UUIDv7s unless
   * given; status defaults to the collection's first status; timestamps are set by the store.
   */
  async create(data: CreateData<Def>, params?: CollectionParams): Promise<DocOf<Def>>
  async create(data: CreateData<Def>[], params?: CollectionParams): Promise<DocOf<Def>[]>
  async create(
    data: CreateData<Def> | CreateData<Def>[],
    params?: CollectionParams
  ): Promise<DocOf<Def> | DocOf<Def>[]>
  async create(data: unknown, params: CollectionParams = {}): Promise<DocOf<Def> | DocOf<Def>[]> {
    const items: unknown[] = Array.isArray(data) ? data : [data]
    const now = toIso(Date.now())
    const docs = items.map((item, i) => this.#newDocument(item, now, Array.isArray(data) ? i : undefined))
    await this.#resolveDataReferences(docs)
    for (const doc of docs) this.#validate(doc, undefined, now)
    const results = (await this.#insert(docs)).map((doc) => this.#output(doc, params.query))
    return Array.isArray(data) ? results : results[0]!
  }

  /**
   * Replaces a document. Its id and created_at stay; fields this version does not know, which a
   * newer version stored, are kept.
   */
  async update(id: unknown, data: CreateData<Def>, params: CollectionParams = {}): Promise<DocOf<Def>> {
    const input = this.#object(data)
    await this.#resolveDataReferences([input])
    const { idField, statuses } = this.definition
    const doc = await this.#modify(id, params, (stored) => {
      const next: Document = { [idField]: stored[idField] }
      if (statuses) next.status = input.status === undefined ? statuses[0] : input.status
      next.created_at = stored.created_at
      next.updated_at = stored.updated_at
      for (const key of Object.keys(input)) {
        if (!Object.hasOwn(next, key)) next[key] = input[key]
      }
      carryUnknownKeys(this.definition.schema, stored, next)
      return next
    })
    return doc
  }

  /**
   * Merges `data` into one document (`id`), or into every document that `params.query` matches
   * (`id` null, in one atomic write). Nested objects merge, arrays and scalars replace, null is
   * stored as null.
   */
  async patch(id: null, data: PatchData<Def>, params?: CollectionParams): Promise<DocOf<Def>[]>
  async patch(id: unknown, data: PatchData<Def>, params?: CollectionParams): Promise<DocOf<Def>>
  async patch(
    id: unknown,
    data: PatchData<Def>,
    params: CollectionParams = {}
  ): Promise<DocOf<Def> | DocOf<Def>[]> {
    const input = this.#object(data)
    await this.#resolveDataReferences([input])
    const merge = (stored: Document) => {
      const { created_at, updated_at, [this.definition.idField]: _id, ...changes } = input
      return mergePatch(stored, changes)
    }
    if (id === null) return this.#modifyMany(params, merge)
    return this.#modify(id, params, merge)
  }

  /** Removes one document, or every document the query matches (`id` null), and returns them. */
  async remove(id: null, params?: CollectionParams): Promise<DocOf<Def>[]>
  async remove(id: unknown, params?: CollectionParams): Promise<DocOf<Def>>
  async remove(id: unknown, params: CollectionParams = {}): Promise<DocOf<Def> | DocOf<Def>[]> {
    const returning = `RETURNING ${this.#mapper.columnList}`
    if (id === null) {
      const query = await this.#resolveQueryReferences(params.query ?? {})
      const c = this.#compiler.compile(query)
      const { rows } = await this.#db.execute({
        sql: `DELETE FROM ${this.#table} WHERE ${this.#id} IN (SELECT ${this.#id} FROM ${this.#table} WHERE ${c.where} ORDER BY ${c.orderBy} LIMIT ? OFFSET ?) ${returning}`,
        args: [...c.args, c.limit ?? -1, c.skip]
      })
      const docs = rows.map((r) => this.#mapper.fromRow(r))
      docs.sort((a, b) => String(a[this.idField]).localeCompare(String(b[this.idField])))
      return docs.map((doc) => this.#output(doc, params.query)) as DocOf<Def>[]
    }
    const condition = await this.#condition(params.query)
    const prefix = parseIdPrefix(id)
    const fullId = prefix.full ? prefix.text : String((await this.#resolver.row(id, condition))[this.idField])
    const where = condition ? ` AND (${condition.sql})` : ''
    const { rows } = await this.#db.execute({
      sql: `DELETE FROM ${this.#table} WHERE ${this.#id} = ?${where} ${returning}`,
      args: [fullId, ...(condition?.args ?? [])]
    })
    if (!rows[0]) throw new DocumentNotFoundError(this.definition.singular, prefix.text)
    return this.#output(this.#mapper.fromRow(rows[0]), params.query)
  }

  /** The short id of one document id (see {@link shortIds}). */
  async shortId(id: string): Promise<string> {
    return (await this.shortIds([id]))[0]!
  }

  /**
   * The shortest unique prefix (at least 8 hex digits) of each id, in one statement. Ids may be
   * written in any form a get takes (any case, dashes optional); an id that no document has gets
   * the prefix that would tell it apart from its neighbours.
   */
  async shortIds(ids: readonly string[]): Promise<string[]> {
    const canonical = ids.map((id) => {
      const parsed = parseIdPrefix(id)
      if (!parsed.full) throw new InvalidIdError(id, 'expected a whole id')
      return parsed.text
    })
    return this.#resolver.shortIds(canonical)
  }

  /**
   * Writes whole documents as they are, timestamps included (imports and restores). Every
   * document is validated first; fields this version does not know are kept. All or nothing.
   */
  async insertDocuments(docs: readonly Document[]): Promise<void> {
    for (const doc of docs) validateStoredDocument(this.definition, doc)
    await this.#insert(docs)
  }

  /**
   * The INSERT statements that write documents as they are, for a caller that runs them in a
   * transaction of its own (an import). Validate each document with validateStoredDocument first.
   */
  insertStatements(docs: readonly Document[]): InStatement[] {
    return this.#insertStatements(docs.map((doc) => this.#mapper.toRow(doc)))
  }

  /**
   * Runs a SELECT that `build` writes around this collection's column list and table name, and
   * maps its rows to documents. For queries the syntax cannot express (recursive genealogy).
   */
  async selectDocuments(build: (columns: string, table: string) => InStatement): Promise<DocOf<Def>[]> {
    const { rows } = await this.#db.execute(build(this.#mapper.columnList, this.#table))
    return rows.map((r) => this.#mapper.fromRow(r) as DocOf<Def>)
  }

  // ---- internals -------------------------------------------------------------------------

  #object(data: unknown): Document {
    if (!isPlainObject(data)) throw new BadRequest(`A ${this.definition.singular} must be a JSON object`)
    assertPlainJson(data, this.definition.singular)
    assertTimestamps(this.definition, data)
    return data
  }

  #newDocument(input: unknown, now: string, index: number | undefined): Document {
    const item = this.#object(input)
    const { idField, statuses } = this.definition
    const givenId = item[idField]
    // ids order documents by creation time and short ids rely on their random tail: only v7
    if (givenId !== undefined && !isCanonicalV7(givenId)) {
      const where = index === undefined ? '' : ` (item ${index})`
      throw new BadRequest(`${idField} must be a UUIDv7 in canonical form${where}`)
    }
    const doc: Document = { [idField]: givenId ?? newId() }
    // a status left out is the default; a null one is refused by validation, as on patch
    if (statuses) doc.status = item.status === undefined ? statuses[0] : item.status
    doc.created_at = now
    doc.updated_at = now
    for (const key of Object.keys(item)) {
      if (!Object.hasOwn(doc, key) && key !== 'created_at' && key !== 'updated_at') doc[key] = item[key]
    }
    return doc
  }

  /** Changes one document; this process's writes of one id take turns (see KeyedQueue). */
  #modify(
    id: unknown,
    params: CollectionParams,
    change: (stored: Document) => Document
  ): Promise<DocOf<Def>> {
    return this.#writes.run(String(id).toLowerCase(), () => this.#modifyNow(id, params, change))
  }

  /** Read, change, validate and write one document, again from the read if it changed meanwhile. */
  async #modifyNow(
    id: unknown,
    params: CollectionParams,
    change: (stored: Document) => Document
  ): Promise<DocOf<Def>> {
    const condition = await this.#condition(params.query)
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = this.#mapper.fromRow(await this.#resolver.row(id, condition))
      const next = this.#prepareWrite(stored, change)
      await this.#assertNoCycles([next], [stored])
      const update = this.#guardedUpdate(next, stored)
      try {
        const result = await this.#db.execute(update.statement)
        if (result.rowsAffected === 0) throw new DocumentNotFoundError(this.definition.singular, String(id))
        return this.#output(update.written, params.query)
      } catch (error) {
        if (!isStaleWrite(error, this.definition))
          throw await explainWriteError(error, this.#db, this.definition, [next])
        await backoff(attempt)
      }
    }
    throw new DatabaseUnavailableError(`The ${this.definition.singular} kept changing; try again`)
  }

  async #modifyMany(params: CollectionParams, change: (stored: Document) => Document): Promise<DocOf<Def>[]> {
    const query = await this.#resolveQueryReferences(params.query ?? {})
    const c = this.#compiler.compile(query)
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const { rows } = await this.#db.execute({
        sql: `SELECT ${this.#mapper.columnList} FROM ${this.#table} WHERE ${c.where} ORDER BY ${c.orderBy} LIMIT ? OFFSET ?`,
        args: [...c.args, c.limit ?? -1, c.skip]
      })
      if (rows.length === 0) return []
      const stored = rows.map((r) => this.#mapper.fromRow(r))
      const next = stored.map((doc) => this.#prepareWrite(doc, change))
      await this.#assertNoCycles(next, stored)
      const updates = next.map((doc, i) => this.#guardedUpdate(doc, stored[i]!))
      try {
        const results = await this.#db.batch(
          updates.map((u) => u.statement),
          'write'
        )
        return updates
          .filter((_, i) => (results[i]?.rowsAffected ?? 0) > 0)
          .map((u) => this.#project(u.written, c.select))
      } catch (error) {
        const docs = updates.map((u) => u.written)
        if (!isStaleWrite(error, this.definition))
          throw await explainWriteError(error, this.#db, this.definition, docs)
        await backoff(attempt)
      }
    }
    throw new DatabaseUnavailableError(`The ${this.definition.name} kept changing; try again`)
  }

  #prepareWrite(stored: Document, change: (stored: Document) => Document): Document {
    const next = change(stored)
    // updated_at strictly increases on every write of a row, even within one millisecond
    next.updated_at = toIso(Math.max(Date.now(), toMillis(String(stored.updated_at)) + 1))
    this.#validate(next, stored, String(next.updated_at))
    return next
  }

  /**
   * Validates a document about to be written, then lets the collection adjust it. What the caller
   * gave is judged before the adjustment, so that a value it would overwrite (a task's
   * `completed_at`) is refused the same way on create, update and patch, not silently replaced.
   */
  #validate(next: Document, stored: Document | undefined, now: string): void {
    validateDocument(this.definition, next, stored)
    const { beforeWrite } = this.definition
    if (!beforeWrite) return
    beforeWrite(next, stored, now)
    validateDocument(this.definition, next, stored)
  }

  /**
   * Refuses writes that would make a document its own ancestor through a relation to its own
   * collection (a session's parent_session_id): genealogy walks those links. One query per new
   * value, only when such a link changes. Checked before the write, not inside it: two concurrent
   * writes could still close a loop, and the genealogy queries stop on loops.
   */
  async #assertNoCycles(next: readonly Document[], stored: readonly Document[]): Promise<void> {
    for (const key of this.definition.keyColumns) {
      if (key.relation?.target() !== this.definition) continue
      const byTarget = new Map<string, string[]>()
      next.forEach((doc, i) => {
        const target = doc[key.name]
        if (typeof target !== 'string' || target === stored[i]![key.name]) return
        const ids = byTarget.get(target) ?? []
        ids.push(String(doc[this.idField]))
        byTarget.set(target, ids)
      })
      const column = quoteIdent(key.name)
      for (const [target, ids] of byTarget) {
        const { rows } = await this.#db.execute({
          sql: `WITH RECURSIVE up(id) AS (SELECT ? UNION SELECT t.${column} FROM ${this.#table} t JOIN up ON t.${this.#id} = up.id WHERE t.${column} IS NOT NULL)
            SELECT 1 FROM up WHERE id IN (SELECT value FROM json_each(?)) LIMIT 1`,
          args: [target, JSON.stringify(ids)]
        })
        if (rows.length > 0)
          throw new BadRequest(
            `${key.name} ${target} would make a ${this.definition.singular} its own ancestor`
          )
      }
    }
  }

  /** The UPDATE that writes `next` only if the row is still as `stored`, and what it writes. */
  #guardedUpdate(next: Document, stored: Document): { statement: InStatement; written: Document } {
    const values = this.#mapper.toRow(next)
    const args: InValue[] = []
    for (const [i, column] of this.#mapper.columns.entries()) {
      if (i === 0) continue
      if (column === 'updated_at') args.push(toMillis(String(stored.updated_at)))
      args.push(values[i]!)
    }
    args.push(values[0]!)
    return { statement: { sql: this.#updateSql, args }, written: this.#mapper.fromValues(values) }
  }

  /** Inserts documents in one atomic write and returns them as stored. */
  async #insert(docs: readonly Document[]): Promise<Document[]> {
    if (docs.length === 0) return []
    const rows = docs.map((doc) => this.#mapper.toRow(doc))
    const statements = this.#insertStatements(rows)
    try {
      if (statements.length === 1) await this.#db.execute(statements[0]!)
      else await this.#db.batch(statements, 'write')
    } catch (error) {
      throw await explainWriteError(error, this.#db, this.definition, docs)
    }
    return rows.map((values) => this.#mapper.fromValues(values))
  }

  /** Multi-row INSERTs of rows (from toRow), ROWS_PER_INSERT at a time. */
  #insertStatements(rows: readonly (readonly InValue[])[]): InStatement[] {
    const statements: InStatement[] = []
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT)
      statements.push({ sql: this.#insertSql(chunk.length), args: chunk.flat() })
    }
    return statements
  }

  /** The INSERT of `rows` rows. The commonest, of one row and of a full chunk, are built once. */
  #insertSql(rows: number): string {
    let sql = this.#insertTexts.get(rows)
    if (sql === undefined) {
      const placeholders = `(${new Array(this.#mapper.columns.length).fill('?').join(', ')})`
      sql = `INSERT INTO ${this.#table} (${this.#mapper.columnList}) VALUES ${new Array(rows).fill(placeholders).join(', ')}`
      if (rows === 1 || rows === ROWS_PER_INSERT) this.#insertTexts.set(rows, sql)
    }
    return sql
  }

  /** The SQL condition of a query given to get/update/patch/remove, if it has one. */
  async #condition(query: Query | undefined): Promise<Condition | undefined> {
    const conditions = conditionsOf(query)
    if (Object.keys(conditions).length === 0) return undefined
    return this.#compiler.where(await this.#resolveQueryReferences(conditions))
  }

  #output(doc: Document, query: Query | undefined): DocOf<Def> {
    const select =
      query?.$select === undefined ? undefined : this.#compiler.compile({ $select: query.$select }).select
    return this.#project(doc, select)
  }

  #project(doc: Document, select: readonly Field[] | undefined): DocOf<Def> {
    return project(doc, select, this.idField) as DocOf<Def>
  }

  #targetResolver(def: AnyDefinition): Resolver {
    if (def.name === this.definition.name) return this.#resolver
    let resolver = this.#targets.get(def.name)
    if (!resolver) {
      resolver = new Resolver(this.#db, def, rowMapper(def))
      this.#targets.set(def.name, resolver)
    }
    return resolver
  }

  /** The collection that a reference field points at. */
  #referenceTarget(field: string): AnyDefinition {
    if (field === this.idField) return this.definition
    return this.definition.keyColumns.find((k) => k.name === field)!.relation!.target()
  }

  /** Replaces short ids in relation fields of documents about to be written by whole ids. */
  async #resolveDataReferences(docs: Document[]): Promise<void> {
    for (const key of this.definition.keyColumns) {
      if (!key.relation) continue
      const values = docs
        .map((d) => d[key.name])
        .filter((v): v is string => typeof v === 'string' && !isCanonicalId(v))
      if (values.length === 0) continue
      const target = key.relation.target()
      const resolved = await this.#targetResolver(target).resolveIds(values)
      for (const doc of docs) {
        const value = doc[key.name]
        if (typeof value !== 'string' || isCanonicalId(value)) continue
        const id = resolved.get(value)
        if (id === undefined) throw new MissingReferenceError(key.name, target.singular, value)
        doc[key.name] = id
      }
    }
  }

  /**
   * Replaces short ids given for the id field or a relation field in equality, `$ne`, `$in` and
   * `$nin` conditions by whole ids, so that `{ session_id: '0199b73d' }` means that session. A
   * prefix that names no document stays as it is: like an unknown whole id, it equals no id.
   */
  async #resolveQueryReferences(query: Query): Promise<Query> {
    const pending: { target: AnyDefinition; value: unknown; set: (id: string) => void }[] = []
    const visit = (q: unknown): unknown => {
      if (!isPlainObject(q)) return q
      const copy: Query = { ...q }
      for (const key of Object.keys(copy)) {
        if (key === '$or' || key === '$and') {
          if (Array.isArray(copy[key])) copy[key] = (copy[key] as unknown[]).map(visit)
          continue
        }
        if (key === '$not') {
          copy[key] = visit(copy[key])
          continue
        }
        if (key.startsWith('$')) continue
        const field = this.#compiler.field(key)
        if (!field.isReference) continue
        const target = this.#referenceTarget(key)
        const need = (value: unknown, set: (id: string) => void) => {
          if (typeof value === 'string' && !isCanonicalId(value)) pending.push({ target, value, set })
        }
        const value = copy[key]
        if (isPlainObject(value)) {
          const ops: Query = { ...value }
          copy[key] = ops
          need(ops.$ne, (id) => {
            ops.$ne = id
          })
          for (const op of ['$in', '$nin']) {
            if (!Array.isArray(ops[op])) continue
            const list = [...(ops[op] as unknown[])]
            ops[op] = list
            list.forEach((v, i) => {
              need(v, (id) => {
                list[i] = id
              })
            })
          }
        } else {
          need(value, (id) => {
            copy[key] = id
          })
        }
      }
      return copy
    }
    const resolvedQuery = visit(query) as Query
    for (const target of new Set(pending.map((p) => p.target))) {
      const items = pending.filter((p) => p.target === target)
      const ids = await this.#targetResolver(target).resolveIds(items.map((p) => p.value))
      for (const item of items) {
        const id = ids.get(item.value)
        if (id !== undefined) item.set(id)
      }
    }
    return resolvedQuery
  }
}

function pageLimit(requested: number | undefined, paginate: PaginationOptions): number {
  const base = requested ?? paginate.default ?? paginate.max ?? 50
  return paginate.max === undefined ? base : Math.min(base, paginate.max)
}
