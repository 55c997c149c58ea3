/**
 * The Feathers database adapter over a collection: adapter-commons' thin public methods (option
 * handling, multi checks, query sanitising) over hook-free `_find/_get/_create/...` that hand
 * over to the collection.
 */
import {
  AdapterBase,
  type AdapterParams,
  type AdapterServiceOptions,
  OPERATORS as FEATHERS_OPERATORS,
  type PaginationOptions
} from '@feathersjs/adapter-commons'
import { BadRequest, MethodNotAllowed } from '@feathersjs/errors'
import type { Id, NullableId, Paginated, Query } from '@feathersjs/feathers'
import type { AnyDefinition, DocOf } from '../schema/collection.js'
import type { Collection } from '../store/collection.js'
import { OPERATORS } from '../store/operators.js'
import { hasProtoKey } from '../store/plain-json.js'
import { assertSearchGiven, hasCondition, queryCount, SEARCH } from '../store/query-walk.js'
import type { CreateData, PatchData } from '../store/types.js'
import type { Workspaces } from '../store/workspaces.js'
import { type CallerParams, changeContextOf } from './change-context.js'
import { coerceQuery } from './query-coercion.js'
import { callWorkspace, type ScopeParams } from './scope.js'

/** Most ids one shortIds call takes. */
export const MAX_SHORT_IDS = 1000

/**
 * The query key that lets an external multi patch or remove act on every document on purpose:
 * without it, `DELETE /sessions` (an empty id, a dropped condition) would empty the collection.
 */
export const ALL = '$all'

/** Query operators beyond the Feathers standard ones. */
export const EXTRA_OPERATORS = [
  ...Object.keys(OPERATORS).filter((op) => !FEATHERS_OPERATORS.includes(op)),
  '$and',
  '$not'
]

export interface DocumentServiceOptions<Def extends AnyDefinition> extends AdapterServiceOptions {
  /** The collection (in any workspace: calls work in theirs, see scope.ts). */
  collection: Collection<Def>
  /** The workspaces that exist: a call may work in those only (without it, in any). */
  workspaces?: Workspaces
  /**
   * The one workspace of the service's documents, whatever a call names: users are the
   * database's accounts, not a workspace's (a user belongs to workspaces through a role in each).
   */
  workspace?: string
}

/** A call's params: Feathers' own, what the change feed records of its writes, and its workspace. */
export type DocumentParams = AdapterParams<Query> & CallerParams & ScopeParams

/**
 * True when a call carries no query. Methods other than find then skip sanitising: all it would
 * add is the page size, which only find uses, and on a get it costs about a fifth of the call.
 */
function isEmptyQuery(query: Query | undefined): boolean {
  return !query || (Object.keys(query).length === 0 && !hasProtoKey(query))
}

/** The value of `$all`: true, or its text in a query string. */
function allFlag(value: unknown): boolean | undefined {
  if (value === undefined) return undefined
  if (value === true || value === 'true') return true
  if (value === false || value === 'false') return false
  throw new BadRequest('$all must be true or false')
}

/** The create of `data` in a collection; apart, as a closure in _create would cost every call. */
function createIn<Def extends AnyDefinition>(
  data: CreateData<Def> | CreateData<Def>[],
  params: DocumentParams
) {
  return (collection: Collection<Def>) =>
    collection.create(data, { query: params.query, change: changeContextOf(params) })
}

/** A create whose query is sanitised first (see DocumentService.create). */
async function createWithQuery<Def extends AnyDefinition>(
  service: DocumentService<Def>,
  query: Promise<Query>,
  data: CreateData<Def> | CreateData<Def>[],
  params: DocumentParams
): Promise<DocOf<Def> | DocOf<Def>[]> {
  return service._create(data, { ...params, query: await query })
}

/**
 * A Feathers service for one collection.
 *
 * @example
 * app.use('sessions', new DocumentService({ collection, paginate: { default: 50, max: 500 }, multi: true }))
 */
export class DocumentService<Def extends AnyDefinition = AnyDefinition> extends AdapterBase<
  DocOf<Def>,
  CreateData<Def>,
  PatchData<Def>,
  DocumentParams,
  DocumentServiceOptions<Def>,
  Id
> {
  readonly collection: Collection<Def>

  constructor(options: DocumentServiceOptions<Def>) {
    const { collection } = options
    super({
      id: collection.idField,
      ...options,
      operators: [...EXTRA_OPERATORS, ...(options.operators ?? [])],
      filters: { $not: true, [SEARCH]: true, [ALL]: allFlag, ...options.filters }
    })
    if (this.options.id !== collection.idField) {
      throw new Error(`The ${collection.name} service's id is ${collection.idField}, not ${this.options.id}`)
    }
    this.collection = collection
  }

  /**
   * The short ids people see for whole ids, in one statement: `shortIds({ ids: [...] })`.
   * A custom method, so that clients of a daemon can show the same short ids as the store.
   */
  async shortIds(data: { ids: string[] }, params: DocumentParams = {}): Promise<string[]> {
    const ids = data?.ids
    if (!Array.isArray(ids) || ids.length > MAX_SHORT_IDS) {
      throw new BadRequest(`shortIds needs { ids: [...] }: up to ${MAX_SHORT_IDS} whole ids`)
    }
    return (await this.collectionFor(params)).shortIds(ids)
  }

  /**
   * The collection of the workspace a call works in (see scope.ts), once that workspace is known
   * to exist: every hook-free method reads and writes through it, and through nothing else.
   */
  collectionFor(params: DocumentParams): Collection<Def> | Promise<Collection<Def>> {
    const { workspaces, workspace: only } = this.options
    if (only !== undefined) return this.collection.inWorkspace(only)
    const workspace = callWorkspace(params)
    // a get of a known workspace goes on in the same turn
    if (!workspaces || workspaces.known(workspace)) return this.collection.inWorkspace(workspace)
    return workspaces.existing(workspace).then(() => this.collection.inWorkspace(workspace))
  }

  /** Validates filters and operators, then coerces REST strings to the fields' types. */
  override async sanitizeQuery(params: DocumentParams = {}): Promise<Query> {
    if (hasProtoKey(params.query)) throw new BadRequest('Invalid query: the key __proto__ is not allowed')
    // adapter-commons drops a filter given as undefined
    if (params.query && Object.hasOwn(params.query, SEARCH)) assertSearchGiven(SEARCH, params.query[SEARCH])
    // Feathers reads these with parseInt and takes the default for what it cannot read ('1e9' is 1)
    queryCount(params.query?.$limit, '$limit')
    queryCount(params.query?.$skip, '$skip')
    // $all is the service's own opt-in, not part of the query the collection compiles
    const { [ALL]: all, ...query } = await super.sanitizeQuery(params)
    const coerced = coerceQuery(this.collection.fields, query, params.provider)
    return all === undefined ? coerced : { ...coerced, [ALL]: all }
  }

  async _find(params?: DocumentParams & { paginate?: PaginationOptions }): Promise<Paginated<DocOf<Def>>>
  async _find(params?: DocumentParams & { paginate: false }): Promise<DocOf<Def>[]>
  async _find(params?: DocumentParams): Promise<Paginated<DocOf<Def>> | DocOf<Def>[]>
  async _find(params: DocumentParams = {}): Promise<Paginated<DocOf<Def>> | DocOf<Def>[]> {
    const { paginate } = this.getOptions(params)
    return (await this.collectionFor(params)).find({
      query: params.query,
      paginate: paginate !== false && paginate?.default ? paginate : false
    })
  }

  _get(id: Id, params: DocumentParams = {}): Promise<DocOf<Def>> {
    const collection = this.collectionFor(params)
    return collection instanceof Promise
      ? collection.then((c) => c.get(id, { query: params.query }))
      : collection.get(id, { query: params.query })
  }

  _create(data: CreateData<Def>, params?: DocumentParams): Promise<DocOf<Def>>
  _create(data: CreateData<Def>[], params?: DocumentParams): Promise<DocOf<Def>[]>
  _create(
    data: CreateData<Def> | CreateData<Def>[],
    params?: DocumentParams
  ): Promise<DocOf<Def> | DocOf<Def>[]>
  _create(
    data: CreateData<Def> | CreateData<Def>[],
    params: DocumentParams = {}
  ): Promise<DocOf<Def> | DocOf<Def>[]> {
    try {
      // a create in a known workspace goes on in the same turn (see get)
      const collection = this.collectionFor(params)
      if (collection instanceof Promise) return collection.then(createIn(data, params))
      return createIn(data, params)(collection)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  async _update(id: NullableId, data: CreateData<Def>, params: DocumentParams = {}): Promise<DocOf<Def>> {
    if (id === null || Array.isArray(data)) {
      throw new BadRequest("You can not replace multiple instances. Did you mean 'patch'?")
    }
    return (await this.collectionFor(params)).update(id, data, {
      query: params.query,
      change: changeContextOf(params)
    })
  }

  async _patch(id: null, data: PatchData<Def>, params?: DocumentParams): Promise<DocOf<Def>[]>
  async _patch(id: Id, data: PatchData<Def>, params?: DocumentParams): Promise<DocOf<Def>>
  async _patch(
    id: NullableId,
    data: PatchData<Def>,
    params?: DocumentParams
  ): Promise<DocOf<Def> | DocOf<Def>[]>
  async _patch(
    id: NullableId,
    data: PatchData<Def>,
    params: DocumentParams = {}
  ): Promise<DocOf<Def> | DocOf<Def>[]> {
    return (await this.collectionFor(params)).patch(id, data, {
      query: params.query,
      change: changeContextOf(params)
    })
  }

  async _remove(id: null, params?: DocumentParams): Promise<DocOf<Def>[]>
  async _remove(id: Id, params?: DocumentParams): Promise<DocOf<Def>>
  async _remove(id: NullableId, params?: DocumentParams): Promise<DocOf<Def> | DocOf<Def>[]>
  async _remove(id: NullableId, params: DocumentParams = {}): Promise<DocOf<Def> | DocOf<Def>[]> {
    return (await this.collectionFor(params)).remove(id, {
      query: params.query,
      change: changeContextOf(params)
    })
  }

  async find(params?: DocumentParams & { paginate?: PaginationOptions }): Promise<Paginated<DocOf<Def>>>
  async find(params?: DocumentParams & { paginate: false }): Promise<DocOf<Def>[]>
  async find(params?: DocumentParams): Promise<Paginated<DocOf<Def>> | DocOf<Def>[]>
  async find(params: DocumentParams = {}): Promise<Paginated<DocOf<Def>> | DocOf<Def>[]> {
    return this._find({ ...params, query: await this.sanitizeQuery(params) })
  }

  get(id: Id, params: DocumentParams = {}): Promise<DocOf<Def>> {
    try {
      // a get without a query has nothing to sanitise: the collection's promise is the get's own
      // (an async method would wrap it in one more, a twentieth of a get by id)
      if (params.query === undefined) return this._get(id, params)
      const query = this.sanitizeSingleQuery(params)
      return query instanceof Promise
        ? query.then((q) => this._get(id, { ...params, query: q }))
        : this._get(id, { ...params, query })
    } catch (error) {
      return Promise.reject(error)
    }
  }

  create(data: CreateData<Def>, params?: DocumentParams): Promise<DocOf<Def>>
  create(data: CreateData<Def>[], params?: DocumentParams): Promise<DocOf<Def>[]>
  create(
    data: CreateData<Def> | CreateData<Def>[],
    params?: DocumentParams
  ): Promise<DocOf<Def> | DocOf<Def>[]>
  create(
    data: CreateData<Def> | CreateData<Def>[],
    params: DocumentParams = {}
  ): Promise<DocOf<Def> | DocOf<Def>[]> {
    try {
      if (Array.isArray(data) && !this.allowsMulti('create', params)) {
        throw new MethodNotAllowed('Can not create multiple entries')
      }
      // without a query, the collection's promise is the create's own (see get)
      const query = this.sanitizeSingleQuery(params)
      if (query instanceof Promise) return createWithQuery(this, query, data, params)
      return this._create(data, { ...params, query })
    } catch (error) {
      return Promise.reject(error)
    }
  }

  async update(id: Id, data: CreateData<Def>, params: DocumentParams = {}): Promise<DocOf<Def>> {
    return this._update(id, data, { ...params, query: await this.sanitizeSingleQuery(params) })
  }

  async patch(id: null, data: PatchData<Def>, params?: DocumentParams): Promise<DocOf<Def>[]>
  async patch(id: Id, data: PatchData<Def>, params?: DocumentParams): Promise<DocOf<Def>>
  async patch(
    id: NullableId,
    data: PatchData<Def>,
    params?: DocumentParams
  ): Promise<DocOf<Def> | DocOf<Def>[]>
  async patch(
    id: NullableId,
    data: PatchData<Def>,
    params: DocumentParams = {}
  ): Promise<DocOf<Def> | DocOf<Def>[]> {
    if (id === null && !this.allowsMulti('patch', params)) {
      throw new MethodNotAllowed('Can not patch multiple entries')
    }
    const query =
      id === null ? await this.sanitizeMultiQuery(params, 'patch') : await this.sanitizeSingleQuery(params)
    return this._patch(id, data, { ...params, query })
  }

  async remove(id: null, params?: DocumentParams): Promise<DocOf<Def>[]>
  async remove(id: Id, params?: DocumentParams): Promise<DocOf<Def>>
  async remove(id: NullableId, params?: DocumentParams): Promise<DocOf<Def> | DocOf<Def>[]>
  async remove(id: NullableId, params: DocumentParams = {}): Promise<DocOf<Def> | DocOf<Def>[]> {
    if (id === null && !this.allowsMulti('remove', params)) {
      throw new MethodNotAllowed('Can not remove multiple entries')
    }
    const query =
      id === null ? await this.sanitizeMultiQuery(params, 'remove') : await this.sanitizeSingleQuery(params)
    return this._remove(id, { ...params, query })
  }

  /**
   * The query of a get, create or update: sanitised, unless there is none. (Feathers calls
   * service methods on a wrapper object, so service classes cannot have #private members.)
   */
  sanitizeSingleQuery(params: DocumentParams): Query | Promise<Query> {
    return isEmptyQuery(params.query) ? {} : this.sanitizeQuery(params)
  }

  /**
   * The query of a multi patch or remove: every match, or the page that the caller's own `$sort`,
   * `$skip` and `$limit` select (`remove(null, { query: { $sort: { created_at: 1 }, $limit: 10 } })`
   * removes the ten oldest). Sanitising sets `$limit` to the page size and caps it at the largest
   * page, which must not cut a multi write short. An external caller must give a condition, or
   * `$all: true` to act on every document on purpose.
   */
  async sanitizeMultiQuery(params: DocumentParams, method: 'patch' | 'remove'): Promise<Query> {
    const {
      $limit,
      [ALL]: all,
      ...query
    } = isEmptyQuery(params.query) ? {} : await this.sanitizeQuery(params)
    if (params.provider && all !== true && !hasCondition(query)) {
      const plural = this.collection.name
      throw new BadRequest(
        `A multi ${method} needs a condition in its query ($limit, $sort and $skip are not conditions): add one, or $all=true to ${method} every one of the ${plural} on purpose`
      )
    }
    const limit = queryCount(params.query?.$limit, '$limit')
    return limit === undefined ? query : { ...query, $limit: limit }
  }
}
