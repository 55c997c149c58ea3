/**
 * A Feathers client for an agor daemon, over socket.io (live events) or REST, with the same
 * services and methods as the server: the CLI uses it, and so can scripts.
 */

import { createRequire } from 'node:module'
import client from '@feathersjs/client'
import type {
  Application,
  HookContext,
  Id,
  Paginated,
  Params,
  TransportConnection
} from '@feathersjs/feathers'
import { FeedFollower } from './feed-follower.js'
import { LONE_SURROGATE } from './ids.js'
import { API_KEY_HEADER, methodsOf, WORKSPACE_HEADER } from './protocol.js'
import type { AnyDefinition, DocOf } from './schema/collection.js'
import { type CollectionName, type Collections, collectionNames, type sessions } from './schema/index.js'
import type { Change } from './store/feed.js'
import type { SessionTree } from './store/genealogy.js'
import type { CreateData, PatchData } from './store/types.js'

export type Transport = 'socketio' | 'rest'

/** A remote service. External `find` calls are always paginated by the server. */
export interface ClientService<Def extends AnyDefinition> {
  find(params?: Params): Promise<Paginated<DocOf<Def>>>
  get(id: Id, params?: Params): Promise<DocOf<Def>>
  create(data: CreateData<Def>, params?: Params): Promise<DocOf<Def>>
  create(data: CreateData<Def>[], params?: Params): Promise<DocOf<Def>[]>
  update(id: Id, data: CreateData<Def>, params?: Params): Promise<DocOf<Def>>
  patch(id: Id, data: PatchData<Def>, params?: Params): Promise<DocOf<Def>>
  patch(id: null, data: PatchData<Def>, params?: Params): Promise<DocOf<Def>[]>
  remove(id: Id, params?: Params): Promise<DocOf<Def>>
  remove(id: null, params?: Params): Promise<DocOf<Def>[]>
  /** The short ids people see for whole ids (see DocumentService.shortIds). */
  shortIds(data: { ids: string[] }, params?: Params): Promise<string[]>
}

type Lineage = { id: string } & Partial<CreateData<typeof sessions>>

/** The methods some services add (see EXTRA_METHODS in protocol.ts). */
interface ClientExtras {
  sessions: {
    fork(data: Lineage, params?: Params): Promise<DocOf<typeof sessions>>
    spawn(data: Lineage, params?: Params): Promise<DocOf<typeof sessions>>
    genealogy(data: { id: string }, params?: Params): Promise<SessionTree>
  }
}

/** The remote service of every collection of the registry, and the change feed. */
export type ClientServices = {
  [N in CollectionName]: ClientService<Collections[N]> &
    (N extends keyof ClientExtras ? ClientExtras[N] : unknown)
} & {
  /** The change feed (see service/changes.ts). */
  changes: {
    find(params?: Params): Promise<Change[]>
    get(seq: Id, params?: Params): Promise<Change>
  }
}

export interface AgorClient {
  app: Application<ClientServices>
  transport: Transport
  /**
   * Socket clients: the seq of the last change delivered to the listeners. Every change reaches
   * them once, in seq order, also across reconnects (see feed-follower.ts).
   */
  readonly lastSeq?: number | undefined
  /** Disconnects the socket (nothing to do for REST). */
  close(): void
}

const { feathers, rest, socketio } = client

/** Registers the remote services under their names, with their methods (custom ones included). */
function register(app: Application<ClientServices>, connection: TransportConnection): void {
  // A remote service is a proxy that forwards any method; its type is the server's.
  const untyped: Application = app
  for (const name of collectionNames)
    untyped.use(name, connection.service(name), { methods: methodsOf(name) })
}

export interface ConnectOptions {
  transport?: Transport
  /** How long a socket call may take before it fails (ms). */
  timeout?: number
  /** Extra HTTP headers (REST) or handshake headers (socket.io). */
  headers?: Record<string, string>
  /** An API key of a daemon with authentication on (sent as the x-api-key header). */
  apiKey?: string
  /**
   * The workspace to work in, for an administrative key or a daemon without authentication (a
   * workspace's key works in its own). Default: `default`.
   */
  workspace?: string
  /**
   * Socket clients: called when a reconnect finds that the changes it missed are not kept any more
   * (AGOR_FEED_RETENTION): fetch the documents you show again.
   */
  onGone?: () => void
}

/**
 * A query value that is undefined (`{ session_id: maybeId }`, `{ $search: text }` with nothing in
 * it) would vanish on the wire, and a multi patch or remove would act on more than was meant: the
 * store refuses it in the process, and the client refuses it before sending. So is text with a
 * lone surrogate, which a query string would carry as another character (U+FFFD, or the
 * character of a neighbouring pair), matching other documents: the store refuses it on every
 * other way in.
 */
function refuseUnsendableConditions(context: HookContext): void {
  const find = (value: unknown, path: string, bad: (v: unknown) => boolean): string | undefined => {
    if (bad(value)) return path
    if (Array.isArray(value)) return value.map((v, i) => find(v, `${path}[${i}]`, bad)).find(Boolean)
    if (value === null || typeof value !== 'object') return undefined
    return Object.entries(value)
      .map(([key, v]) => find(v, path ? `${path}.${key}` : key, bad))
      .find(Boolean)
  }
  const { query } = context.params
  if (!query) return
  const undefinedAt = find(query, '', (v) => v === undefined)
  if (undefinedAt) throw new client.errors.BadRequest(`Query value of '${undefinedAt}' is undefined`)
  const halfAt = find(query, '', (v) => typeof v === 'string' && LONE_SURROGATE.test(v))
  if (halfAt) throw new client.errors.BadRequest(`Query value of '${halfAt}' must not hold a lone surrogate`)
}

/**
 * Connects to an agor daemon.
 *
 * @example
 * const { app, close } = connect('http://127.0.0.1:3030')
 * app.service('sessions').on('created', (s) => console.log('created', s.session_id))
 * await app.service('sessions').get('0199b73d')
 */
export function connect(url: string, options: ConnectOptions = {}): AgorClient {
  const transport = options.transport ?? 'socketio'
  const headers = {
    ...options.headers,
    ...(options.apiKey ? { [API_KEY_HEADER]: options.apiKey } : {}),
    ...(options.workspace ? { [WORKSPACE_HEADER]: options.workspace } : {})
  }
  const app = feathers<ClientServices>()
  app.hooks({ before: { all: [refuseUnsendableConditions] } })
  if (transport === 'rest') {
    const connection = rest(url).fetch(fetch, { headers })
    app.configure(connection)
    register(app, connection)
    return { app, transport, close: () => {} }
  }
  // The handshake carries the API key in socket.io's `auth` (which every platform sends, unlike
  // headers), so the server authenticates the connection itself, on every reconnect too.
  // socket.io-client is loaded only for socket connections (REST clients, such as the CLI, start
  // faster without it), and as CommonJS, the build @feathersjs/socketio-client is typed against.
  const { io } = createRequire(import.meta.url)(
    'socket.io-client'
  ) as typeof import('socket.io-client', { with: { 'resolution-mode': 'require' }})
  const socket = io(url, {
    transports: ['websocket'],
    extraHeaders: options.headers,
    // feed: the daemon sends the change feed alone, which the follower turns into events
    auth: {
      feed: true,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      ...(options.workspace ? { workspace: options.workspace } : {})
    },
    reconnectionDelayMax: 2000
  })
  const connection = socketio(socket, { timeout: options.timeout ?? 30_000 })
  app.configure(connection)
  register(app, connection)
  const changes = app.service('changes')
  const follower = new FeedFollower(
    socket,
    {
      newest: async () => (await changes.find({ query: { $sort: { seq: -1 }, $limit: 1 } }))[0]?.seq ?? 0,
      after: (seq, limit) => changes.find({ query: { seq: { $gt: seq }, $limit: limit } })
    },
    options.onGone
  )
  return {
    app,
    transport,
    get lastSeq() {
      return follower.lastSeq
    },
    close: () => {
      follower.close()
      socket.close()
    }
  }
}
