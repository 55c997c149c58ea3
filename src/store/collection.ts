/**
 * A document collection over one table: create, get, find, update, patch and remove with short ids,
 * the query syntax, whole-document validation and lost-update-free writes. It orchestrates: the
 * SQL lives in statements.ts, queries in query-compiler.ts, short ids in resolver.ts and
 * references.ts, the shape of written documents in drafts.ts, turns and retries of writes in
 * write-turns.ts, a find's page and total in find-reads.ts. It knows nothing of Feathers transports.
 */
import type { Connection, Result, Statement } from '../db/connection.js'
import { DocumentNotFoundError, InvalidIdError } from '../errors.js'
import { parseDocumentId } from '../ids.js'
import { KeyedQueue } from '../keyed-queue.js'
import type { AnyDefinition, DocOf } from '../schema/collection.js'
import { DEFAULT_WORKSPACE } from '../schema/workspaces.js'
import { explainWriteError, isStaleWrite } from './constraints.js'
import { Drafts } from './drafts.js'
import { type ChangeContext, contextStatements, IMPORT, LIBRARY } from './feed-triggers.js'
import { FindReads } from './find-reads.js'
import { type Given, INC, patchPlan } from './increments.js'
import { project } from './projection.js'
import { QueryCompiler, type Where } from './query-compiler.js'
import type { QueryFields } from './query-fields.js'
import { conditionsOf, type Query } from './query-walk.js'
import { References } from './references.js'
import { Resolver } from './resolver.js'
import { type Document, type RowMapper, rowMapper, type Written } from './row.js'
import { type SearchUpkeep, searchUpkeep } from './search-upkeep.js'
import { TableStatements } from './statements.js'
import {
  type CollectionParams,
  type CreateData,
  type FindParams,
  type Page,
  type PaginationOptions,
  type PatchData,
  pageLimit
} from './types.js'
import { storedDocument } from './validate.js'
import { inTurn, untilFresh } from './write-turns.js'

/**
 * One collection of a database. The registry's tables and write views (write-views.ts) are made
 * when a store opens; another definition needs its table and `writeViews(definition)` made first.
 */
export class Collection<Def extends AnyDefinition = AnyDefinition> {
  readonly definition: Def
  readonly workspace: string
  readonly #db: Connection
  readonly #mapper: RowMapper
  readonly #resolver: Resolver
  readonly #compiler: QueryCompiler
  readonly #references: References
  readonly #statements: TableStatements
  readonly #drafts: Drafts
  readonly #reads: FindReads
  readonly #search: SearchUpkeep
  readonly #writes = new KeyedQueue()
  /** This collection in every workspace it was asked for, shared by all of them. */
  #siblings: Map<string, Collection<Def>>

  /** The documents of `workspace`: no method reads or writes another's. */
  constructor(db: Connection, definition: Def, workspace: string = DEFAULT_WORKSPACE) {
    this.definition = definition
    this.workspace = workspace
    this.#db = db
    this.#mapper = rowMapper(definition)
    this.#resolver = new Resolver(db, definition, this.#mapper, workspace)
    this.#compiler = new QueryCompiler(definition, workspace)
    this.#references = new References(db, definition, this.#compiler.fields, this.#resolver, workspace)
    this.#statements = new TableStatements(definition, this.#mapper, workspace)
    this.#drafts = new Drafts(definition, this.#mapper)
    this.#search = searchUpkeep(db, definition)
    this.#reads = new FindReads(definition, this.#search)
    this.#siblings = new Map([[workspace, this]])
  }

  /** This collection in another workspace (made once, then kept). */
  inWorkspace(workspace: string): Collection<Def> {
    let sibling = this.#siblings.get(workspace)
    if (!sibling) {
      sibling = this.sibling(this.#db, workspace)
      sibling.#siblings = this.#siblings
      this.#siblings.set(workspace, sibling)
    }
    return sibling
  }

  /** A new collection of this kind, in `workspace` (a subclass makes its own kind). */
  protected sibling(db: Connection, workspace: string): Collection<Def> {
    return new Collection(db, this.definition, workspace)
  }

  get name(): Def['name'] {
    return this.definition.name
  }

  get idField(): Def['idField'] {
    return this.definition.idField
  }

  /** The fields queries can name (the service layer reads their kinds). */
  get fields(): QueryFields {
    return this.#compiler.fields
  }

  /**
   * Gets one document by its whole id or any unique prefix.
   *
   * @example
   * await sessions.get('0199b73d') // throws 404 if none, 409 if several match
   */
  get(id: unknown, { query }: CollectionParams = {}): Promise<DocOf<Def>> {
    // without a query, the document as the resolver reads it: no condition, no projection
    if (query === undefined) return this.#resolver.document(id) as Promise<DocOf<Def>>
    return (async () => {
      const condition = this.#condition(query, true)
      return this.#output(await this.#resolver.document(id, condition && (await condition)), query)
    })()
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
    const find = this.#compiler.compile(await this.#references.inQuery(params.query ?? {}))
    const paginate = params.paginate || undefined
    const limit = paginate ? pageLimit(find.limit, paginate) : find.limit
    const page = this.#statements.page(find, limit)
    const docs = (result: Result | undefined): DocOf<Def>[] =>
      this.#documents(result).map((doc) => project(doc, find.select, this.idField) as DocOf<Def>)
    if (!paginate) return docs(await this.#reads.rows(find, page, true))
    const { rows, total } = await this.#reads.page(find, page, limit)
    return { total, limit: limit ?? 0, skip: find.skip, data: docs(rows) }
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
    const docs = this.#drafts.created(data)
    const resolving = this.#references.inData(docs)
    if (resolving) await resolving
    // each document made into its row right after its check, while it is still in the caches
    const rows = docs.map((doc) => this.#mapper.written(this.#drafts.validNew(doc)))
    const stored = await this.#insert(rows, docs, params.change)
    const results = stored.map((doc) => this.#output(doc, params.query))
    return Array.isArray(data) ? results : results[0]!
  }

  /** Replaces a document. Its id and created_at stay, and so do fields only a newer version knows. */
  async update(id: unknown, data: CreateData<Def>, params: CollectionParams = {}): Promise<DocOf<Def>> {
    const input = this.#drafts.input(data)
    await this.#references.inData([input])
    return this.#modify(id, params, 'updated', undefined, (stored) => this.#drafts.replaced(stored, input))
  }

  /**
   * Merges `data` into one document (`id`), or into every document that `params.query` matches
   * (`id` null, in one atomic write). Nested objects merge, arrays and scalars replace, null is
   * stored as null. `$inc` raises numeric fields from their stored value, without lost updates.
   * @example
   * await tasks.patch('0199b73d', { status: 'running', $inc: { tool_use_count: 1 } })
   */
  async patch(id: null, data: PatchData<Def>, params?: CollectionParams): Promise<DocOf<Def>[]>
  async patch(id: unknown, data: PatchData<Def>, params?: CollectionParams): Promise<DocOf<Def>>
  async patch(
    id: unknown,
    data: PatchData<Def>,
    params: CollectionParams = {}
  ): Promise<DocOf<Def> | DocOf<Def>[]> {
    const { created_at, updated_at, [this.idField]: _id, [INC]: inc, ...changes } = this.#drafts.input(data)
    await this.#references.inData([changes])
    const { merge, recorded } = patchPlan(changes, inc, this.fields)
    if (id === null) return this.#rewrite(null, params, 'patched', recorded, merge)
    return this.#modify(id, params, 'patched', recorded, merge)
  }

  /** Removes one document, or every document the query matches (`id` null), and returns them. */
  async remove(id: null, params?: CollectionParams): Promise<DocOf<Def>[]>
  async remove(id: unknown, params?: CollectionParams): Promise<DocOf<Def>>
  async remove(id: unknown, params: CollectionParams = {}): Promise<DocOf<Def> | DocOf<Def>[]> {
    if (id === null) {
      const find = this.#compiler.compile(await this.#references.inQuery(params.query ?? {}))
      const docs = this.#documents(await this.#remove(this.#statements.removePage(find), params.change, find))
      docs.sort((a, b) => String(a[this.idField]).localeCompare(String(b[this.idField])))
      return docs.map((doc) => this.#output(doc, params.query))
    }
    const condition = await this.#condition(params.query)
    const prefix = parseDocumentId(this.definition.key, id)
    const fullId = prefix.full ? prefix.text : String((await this.#resolver.row(id, condition))[this.idField])
    const result = await this.#remove(this.#statements.removeOne(fullId, condition), params.change, condition)
    const [removed] = this.#documents(result)
    if (!removed) throw new DocumentNotFoundError(this.definition.singular, prefix.text)
    return this.#output(removed, params.query)
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
      const parsed = parseDocumentId(this.definition.key, id)
      if (!parsed.full) throw new InvalidIdError(id, 'expected a whole id')
      return parsed.text
    })
    return this.#resolver.shortIds(canonical)
  }

  /**
   * Writes whole documents as they are, timestamps included (imports and restores). Every
   * document is validated first; fields this version does not know are kept. All or nothing.
   */
  async insertDocuments(docs: readonly Document[], change: ChangeContext = IMPORT): Promise<void> {
    const stored = docs.map((doc) => storedDocument(this.definition, doc))
    await this.#insert(stored.map(this.#mapper.written), stored, change)
  }

  /** INSERTs of documents as they are (made by storedDocument), for an import's transaction. */
  insertStatements(docs: readonly Document[]): Statement[] {
    return this.#statements.inserts(docs.map((doc) => this.#mapper.toRow(doc)))
  }

  /** The documents of a SELECT that `build` writes around the columns and table (recursive genealogy). */
  async selectDocuments(build: (columns: string, table: string) => Statement): Promise<DocOf<Def>[]> {
    return this.#documents(await this.#db.execute(this.#statements.custom(build))) as DocOf<Def>[]
  }

  /**
   * The stored documents a call names (the id-or-query path of get, update and patch): the one
   * that `id` names, if it meets the query's conditions; with `id` null, the page of the query.
   */
  async #stored(id: unknown, query: Query | undefined): Promise<Document[]> {
    if (id !== null) {
      const condition = this.#condition(query)
      return [this.#drafts.stored(await this.#resolver.values(id, condition && (await condition)))]
    }
    const find = this.#compiler.compile(await this.#references.inQuery(query ?? {}))
    return this.#documents(await this.#reads.rows(find, this.#statements.page(find)))
  }

  /** Changes one document, in its turn (see write-turns.ts). */
  #modify(
    id: unknown,
    params: CollectionParams,
    event: 'updated' | 'patched',
    given: Given | undefined,
    change: (stored: Document) => Document
  ): Promise<DocOf<Def>> {
    return inTurn(this.#writes, id, this.definition.singular, async () => {
      const [written] = await this.#rewrite(id, params, event, given, change)
      if (!written) throw new DocumentNotFoundError(this.definition.singular, String(id))
      return written
    })
  }

  /**
   * Reads what `id` (or the query) names, changes and validates it, and writes it only where it is
   * still as read; if another writer changed it meanwhile, all of it again from the read.
   */
  #rewrite(
    id: unknown,
    params: CollectionParams,
    event: 'updated' | 'patched',
    given: Given | undefined,
    change: (stored: Document) => Document
  ): Promise<DocOf<Def>[]> {
    const select = this.#compiler.select(params.query?.$select)
    return untilFresh(this.definition.singular, async () => {
      const stored = await this.#stored(id, params.query)
      if (stored.length === 0) return []
      const next = stored.map((doc) => this.#drafts.changed(doc, change))
      const context = params.change ?? LIBRARY
      const updates = next.map((doc, i) => {
        const patch = typeof given === 'function' ? given(doc) : given
        return this.#statements.update(doc, stored[i]!, event, context, patch)
      })
      const batch = [...updates.map((u) => u.statement), ...this.#search.afterWrite(updates.length)]
      await this.#db.batch(batch, 'write').catch(async (error: unknown) => {
        // a stale write is tried again from the read; any other is explained
        throw isStaleWrite(error) ? error : await explainWriteError(error, this.#db, this, next)
      })
      this.#drafts.wrote(updates)
      return updates.map((u) => project(u.written, select, this.idField) as DocOf<Def>)
    })
  }

  /** Inserts new documents' rows (`rows` of `docs`) in one atomic write; returns them as stored. */
  async #insert(rows: readonly Written[], docs: readonly Document[], change = LIBRARY): Promise<Document[]> {
    if (rows.length === 0) return []
    const statements = this.#statements.creates(
      rows.map((row) => row.values),
      change
    )
    try {
      await this.#db.batch([...statements, ...this.#search.afterWrite(rows.length)], 'write')
    } catch (error) {
      throw await explainWriteError(error, this.#db, this, docs)
    }
    return rows.map((row) => row.doc)
  }

  /** Runs a removal by `where` with the context its change rows record (the feed's triggers write them). */
  async #remove(statement: Statement, change = LIBRARY, where?: Where): Promise<Result> {
    const [begin, end] = contextStatements(change)
    const before = this.#search.beforeWrite(where)
    const batch = [begin, ...before, statement, ...this.#search.afterWrite(1), end]
    return (await this.#db.batch(batch, 'write'))[1 + before.length]!
  }

  /** A result's documents, made from its rows' values by position where the driver reads them so. */
  #documents(result: Result | undefined): Document[] {
    return (result?.values ?? result?.rows ?? []).map((values) => this.#mapper.fromValues(values))
  }

  /**
   * The SQL condition of a query given with an id, if it has one (none: no promise to wait for);
   * a search's reads it as its index catches up (see SearchUpkeep.read; `answer`: for a get).
   */
  #condition(query: Query | undefined, answer = false): Promise<Where> | undefined {
    const conditions = conditionsOf(query)
    if (!conditions) return undefined
    return this.#references
      .inQuery(conditions)
      .then((q) => this.#search.condition(this.#compiler.where(q), answer))
  }

  #output(doc: Document, query: Query | undefined): DocOf<Def> {
    return project(doc, this.#compiler.select(query?.$select), this.idField) as DocOf<Def>
  }
}
