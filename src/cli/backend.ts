/**
 * Where the CLI's data comes from: the Feathers services of the store itself (direct mode, on
 * AGOR_DB_URL or the embedded default), or those of a daemon through @feathersjs/client (named by
 * --url / AGOR_URL, or found serving the same database file). Both answer with what the service
 * returned, so --json prints the same in either mode. Heavy modules load only for the mode used.
 */
import { Unavailable } from '@feathersjs/errors'
import type { DaemonRecord } from '../daemon-records.js'
import { setting } from '../env.js'
import { API_KEY_HEADER, CLI_PROVIDER, WORKSPACE_HEADER } from '../protocol.js'
import type { CollectionName } from '../schema/index.js'
import type { Change } from '../store/feed.js'
import { isPlainObject } from '../store/plain-json.js'
import type { Query } from '../store/query-walk.js'
import { daemonHeaders, findDaemon } from './daemon.js'
import { asWireError, withHint } from './errors.js'
import type { Output } from './output.js'
import { RestService, restRequest, Unreachable } from './rest.js'
import { daemonUrl, databaseConfig, type SourceOptions } from './source.js'

export type Doc = Record<string, unknown>

export interface Page {
  total: number
  limit: number
  skip: number
  data: Doc[]
}

export interface Tree {
  session: Doc
  ancestors: Doc[]
  children: Doc[]
}

/** The calls the CLI makes on a collection's service. */
export interface DocumentsApi {
  find(query: Query): Promise<Page>
  get(id: string): Promise<Doc>
  create(data: Doc | Doc[]): Promise<Doc | Doc[]>
  patch(id: string, data: Doc): Promise<Doc>
  update(id: string, data: Doc): Promise<Doc>
  remove(id: string): Promise<Doc>
  /** Removes every document the query matches, in one atomic call. */
  removeMany(query: Query): Promise<Doc[]>
  /** The short ids of whole ids, in their order (any number: the service takes 1,000 a call). */
  shortIds(ids: string[]): Promise<string[]>
}

export interface SessionsApi extends DocumentsApi {
  fork(id: string, data: Doc): Promise<Doc>
  spawn(id: string, data: Doc): Promise<Doc>
  genealogy(id: string): Promise<Tree>
}

/** The change feed, read (see service/changes.ts). */
export interface ChangesApi {
  find(query: Query): Promise<Change[]>
}

export interface Backend {
  /** `database /home/me/.agor/agor.db` or `daemon http://127.0.0.1:3030`. */
  label: string
  daemon: boolean
  /** A collection's service, in the workspace of the command, or in `workspace` (of a change). */
  service(name: CollectionName, workspace?: string): DocumentsApi
  sessions(): SessionsApi
  changes(): ChangesApi
  /** An embedded replica opened directly: pulls its primary's changes now. */
  sync?(): Promise<void>
  close(): Promise<void>
}

/**
 * What the CLI gives every call: in-process, who calls (the CLI, whose queries are text), and the
 * workspace that --workspace names.
 */
interface CallParams {
  provider?: string
  headers?: Record<string, string>
}

/** A service as both the store and @feathersjs/client type it, reduced to what the CLI calls. */
interface ServiceLike {
  find(params: CallParams & { query: Query }): Promise<unknown>
  get(id: string, params: CallParams): Promise<unknown>
  create(data: Doc | Doc[], params: CallParams): Promise<unknown>
  patch(id: string, data: Doc, params: CallParams): Promise<unknown>
  update(id: string, data: Doc, params: CallParams): Promise<unknown>
  remove(id: string | null, params: CallParams & { query?: Query }): Promise<unknown>
  shortIds(data: { ids: string[] }, params: CallParams): Promise<string[]>
}

interface SessionServiceLike extends ServiceLike {
  fork(data: Doc & { id: string }, params: CallParams): Promise<unknown>
  spawn(data: Doc & { id: string }, params: CallParams): Promise<unknown>
  genealogy(data: { id: string }, params: CallParams): Promise<unknown>
}

function unexpected(what: string): Error {
  return new Error(`Unexpected answer from the service: expected ${what}`)
}

function asDoc(value: unknown): Doc {
  if (!isPlainObject(value)) throw unexpected('a document')
  return value
}

function asDocs(value: unknown): Doc[] {
  if (!Array.isArray(value)) throw unexpected('a list of documents')
  return value.map(asDoc)
}

function asPage(value: unknown): Page {
  if (!isPlainObject(value) || !Array.isArray(value.data)) throw unexpected('a page of documents')
  return {
    total: Number(value.total),
    limit: Number(value.limit),
    skip: Number(value.skip),
    data: asDocs(value.data)
  }
}

function asTree(value: unknown): Tree {
  if (!isPlainObject(value)) throw unexpected('a session tree')
  return {
    session: asDoc(value.session),
    ancestors: asDocs(value.ancestors),
    children: asDocs(value.children)
  }
}

type Call = <T>(work: () => Promise<T>) => Promise<T>

/** The most ids one shortIds call takes. */
const SHORT_IDS_PER_CALL = 1000

function documentsApi(service: ServiceLike, call: Call, params: CallParams): DocumentsApi {
  return {
    find: (query) => call(async () => asPage(await service.find({ ...params, query }))),
    get: (id) => call(async () => asDoc(await service.get(id, params))),
    create: (data) =>
      call(async () => {
        // a list is one atomic create of many documents
        const created = await service.create(data, params)
        return Array.isArray(created) ? asDocs(created) : asDoc(created)
      }),
    patch: (id, data) => call(async () => asDoc(await service.patch(id, data, params))),
    update: (id, data) => call(async () => asDoc(await service.update(id, data, params))),
    remove: (id) => call(async () => asDoc(await service.remove(id, params))),
    removeMany: (query) => call(async () => asDocs(await service.remove(null, { ...params, query }))),
    shortIds: (ids) =>
      call(async () => {
        const shortIds: string[] = []
        for (let start = 0; start < ids.length; start += SHORT_IDS_PER_CALL) {
          shortIds.push(
            ...(await service.shortIds({ ids: ids.slice(start, start + SHORT_IDS_PER_CALL) }, params))
          )
        }
        return shortIds
      })
  }
}

function sessionsApi(service: SessionServiceLike, call: Call, params: CallParams): SessionsApi {
  return {
    ...documentsApi(service, call, params),
    fork: (id, data) => call(async () => asDoc(await service.fork({ ...data, id }, params))),
    spawn: (id, data) => call(async () => asDoc(await service.spawn({ ...data, id }, params))),
    genealogy: (id) => call(async () => asTree(await service.genealogy({ id }, params)))
  }
}

const direct: Call = (work) => work()

/** The header that names the workspace of the CLI's calls, when --workspace names one. */
const workspaceHeader = (workspace: string | undefined): Record<string, string> =>
  workspace === undefined ? {} : { [WORKSPACE_HEADER]: workspace }

async function directBackend(db: string | undefined, workspace: string | undefined): Promise<Backend> {
  const { openStore } = await import('../service/store.js')
  // The CLI serves nobody: the services are called in-process, without authentication. It never
  // creates a database: a mistyped --db would otherwise become a new, empty one. It does not
  // upgrade one that a daemon of another version serves (see store/upgrade-guard.ts).
  const store = await openStore({ url: db, auth: false, create: false }).catch((error: unknown) => {
    if (asWireError(error)) throw error
    throw new Error(
      `Cannot open the database ${db ?? setting('AGOR_DB_URL') ?? '~/.agor/agor.db'}: ${(error as Error).message}`
    )
  })
  // The CLI calls as a client from outside would, with queries typed as text (like a REST query
  // string's, which the service gives their fields' types) and the same rules for multi writes.
  const paramsIn = (other: string | undefined): CallParams => ({
    provider: CLI_PROVIDER,
    headers: workspaceHeader(other)
  })
  const params = paramsIn(workspace)
  const { path, url } = store.config
  return {
    label: `database ${path ?? url}`,
    daemon: false,
    service: (name, other = workspace) => documentsApi(store.service(name), direct, paramsIn(other)),
    sessions: () => sessionsApi(store.service('sessions'), direct, params),
    changes: () => ({ find: (query) => store.service('changes').find({ ...params, query }) }),
    ...(store.config.mode === 'replica' ? { sync: async () => void (await store.sync()) } : {}),
    close: () => store.close()
  }
}

/**
 * A call to a daemon; a daemon that cannot be reached is a clear 503. A 401 of the daemon itself
 * (not of its database server, whose message names AGOR_DB_AUTH_TOKEN) gets a hint about the API
 * key.
 */
function daemonCall(url: string, apiKey: boolean): Call {
  return async (work) => {
    try {
      return await work()
    } catch (error) {
      if (error instanceof Unreachable) throw new Unavailable(`Cannot reach the agor daemon at ${url}`)
      const wire = asWireError(error)
      if (wire?.code === 401 && !wire.message.includes('AGOR_DB_AUTH_TOKEN')) {
        throw withHint(
          error,
          apiKey
            ? 'the daemon refused the API key: set AGOR_API_KEY to one of the keys it was started with'
            : 'the daemon requires an API key: set AGOR_API_KEY to one of the keys it was started with'
        )
      }
      throw error
    }
  }
}

/**
 * Refuses a daemon of a version before workspaces: it would ignore the workspace named, and work
 * in `default` instead (during an upgrade, the daemon still serves the file).
 */
async function assertKnowsWorkspaces(url: string, call: Call): Promise<void> {
  const health = await call(() => restRequest(new URL('/health', url), { method: 'GET', timeout: 10_000 }))
  if (isPlainObject(health.body) && health.body.workspaces === true) return
  throw new Error(
    `The daemon at ${url} is of a version without workspaces, which would work in default instead: stop it (or upgrade it) to use --workspace`
  )
}

function asStrings(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw unexpected('a list of ids')
  return value
}

/** A daemon's service by REST, as the CLI calls it. */
function remoteService(url: string, name: string, headers: Record<string, string>): SessionServiceLike {
  const rest = new RestService(url, name, headers)
  return {
    find: (params) => rest.find(params),
    get: (id) => rest.get(id),
    create: (data) => rest.create(data),
    patch: (id, data) => rest.patch(id, data),
    update: (id, data) => rest.update(id, data),
    remove: (id, params) => rest.remove(id, params),
    shortIds: async (data) => asStrings(await rest.custom('shortIds', data)),
    fork: (data) => rest.custom('fork', data),
    spawn: (data) => rest.custom('spawn', data),
    genealogy: (data) => rest.custom('genealogy', data)
  }
}

async function daemonBackend(
  url: string,
  workspace: string | undefined,
  record?: DaemonRecord
): Promise<Backend> {
  const headers = daemonHeaders(record)
  const call = daemonCall(url, API_KEY_HEADER in headers)
  if (workspace !== undefined) await assertKnowsWorkspaces(url, call)
  const service = (name: string, other = workspace) =>
    remoteService(url, name, { ...headers, ...workspaceHeader(other) })
  return {
    label: `daemon ${url}`,
    daemon: true,
    service: (name, other) => documentsApi(service(name, other), call, {}),
    sessions: () => sessionsApi(service('sessions'), call, {}),
    changes: () => ({
      find: (query) =>
        call(async () => {
          const found = await service('changes').find({ query })
          if (!Array.isArray(found)) throw unexpected('a list of changes')
          return found
        })
    }),
    close: async () => {}
  }
}

/**
 * Opens the source the options name: --url (or AGOR_URL when --db is not given) is a daemon;
 * otherwise the database of --db (or AGOR_DB_URL, or the default file), through the daemon that
 * serves that file if one is running.
 */
export async function openBackend(options: SourceOptions, output: Output): Promise<Backend> {
  const url = daemonUrl(options)
  const { workspace } = options
  if (url) return daemonBackend(url, workspace)
  const { path } = databaseConfig(options.db)
  if (options.daemon === false || !path) return directBackend(options.db, workspace)
  const found = await findDaemon(path)
  if (found.record) return daemonBackend(found.record.url, workspace, found.record)
  // a daemon that does not answer serves the file all the same (as one --no-daemon passes by)
  if (found.unresponsive) {
    const { pid, url: at } = found.unresponsive
    output.err(
      `${output.errColor.yellow('warning:')} the daemon of this database (pid ${pid}, ${at}) does not answer; using the file directly`
    )
  }
  return directBackend(options.db, workspace)
}
