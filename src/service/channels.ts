/**
 * Which connections receive service events: every connected client when authentication is off
 * (the daemon then listens on loopback only), only authenticated ones when it is on; and of those,
 * a workspace key's only the events of its workspace's documents and changes.
 *
 * Each event's channel carries the event's own item (`send(data)`): without it, the socket
 * transport looks each item of a multi operation up in the whole result with a deep comparison,
 * so an array create of n documents costs n² comparisons (2,000 documents: 37 ms without a
 * listener, 1.3 s with one).
 */
import type { Application, HookContext, RealTimeConnection } from '@feathersjs/feathers'
import type { users as UsersCollection } from '../schema/users.js'
import { DEFAULT_WORKSPACE } from '../schema/workspaces.js'
import type { Collection } from '../store/collection.js'
import type { Database } from '../store/database.js'
import { isPlainObject } from '../store/plain-json.js'
import type { Workspaces } from '../store/workspaces.js'
import { askedWorkspace, callWorkspace, type KeyHolder, type ScopeParams, workspaceKey } from './scope.js'
import { roleIn } from './user-rules.js'

/** Every connection that may receive events (authenticated ones, with authentication on). */
export const EVERYONE = 'everyone'

type LoginEvent = [KeyHolder & { user?: unknown }, { connection?: RealTimeConnection }]

/** Where a connection keeps the workspace and the digest of the workspace key it logged in with. */
const KEY_WORKSPACE = 'agorKeyWorkspace'
const KEY_DIGEST = 'agorKeyDigest'
/** Where a connection keeps the user who logged in on it, if a user did. */
const USER = 'agorUser'

/**
 * Which of the workspace keys of `connections` still exist. Asked for every event that any such
 * connection could receive, after the change it is about was read: a key revoked before a write
 * hears nothing of it (its calls fail from the revocation on, see auth.ts).
 */
async function liveKeys(
  workspaces: Workspaces,
  connections: readonly RealTimeConnection[]
): Promise<Set<string>> {
  const digests = connections.map((c) => c[KEY_DIGEST]).filter((d): d is string => typeof d === 'string')
  const live = new Set<string>()
  for (const digest of new Set(digests)) if (await workspaces.keyByDigest(digest)) live.add(digest)
  return live
}

/**
 * Whether a connection receives the events of `workspace`'s documents (unknown: admins only): a
 * workspace key's, its workspace's; any other, those of the workspace its handshake names, or of
 * every workspace. (Read when publishing: the handshake's workspace may be set after the login.)
 */
function sees(connection: RealTimeConnection, workspace: string | undefined): boolean {
  const own: unknown = connection[KEY_WORKSPACE]
  // a user's: the workspace its handshake names (or the default one); whether the user (still)
  // belongs to it is asked when the event goes out (see liveUsers)
  if (typeof connection[USER] === 'string')
    return (askedWorkspace(connection.headers) ?? DEFAULT_WORKSPACE) === workspace
  const scope = typeof own === 'string' ? own : askedWorkspace(connection.headers)
  return scope === undefined || scope === workspace
}

/**
 * The users of `connections` as they are now, by id: asked for every event that such a connection
 * could receive, so that a removed user hears nothing more, and one whose roles changed hears what
 * the new ones allow.
 */
async function liveUsers(
  users: Collection<typeof UsersCollection>,
  connections: readonly RealTimeConnection[]
): Promise<Map<string, Record<string, unknown>>> {
  const ids = [
    ...new Set(connections.map((c) => c[USER]).filter((id): id is string => typeof id === 'string'))
  ]
  if (ids.length === 0) return new Map()
  const found = await users.find({ query: { user_id: { $in: ids }, $limit: ids.length } })
  return new Map(found.map((user) => [String(user.user_id), user]))
}

/** Whether a user's connection may receive an event of `workspace`, the user being as `users` has it now. */
function userSees(
  connection: RealTimeConnection,
  users: ReadonlyMap<string, Record<string, unknown>>,
  workspace: string | undefined
): boolean {
  const id: unknown = connection[USER]
  if (typeof id !== 'string') return true
  const user = users.get(id)
  return user !== undefined && workspace !== undefined && roleIn(user, workspace) !== undefined
}

/** Whether a change (or a list of them) of the feed is about users. */
function aboutUsers(data: unknown): boolean {
  const changes: unknown[] = Array.isArray(data) ? data : [data]
  return changes.some((change) => isPlainObject(change) && change.collection === 'users')
}

/** The workspace of the document an event is about: its change's, or the call's that wrote it. */
function eventWorkspace(context: HookContext): string | undefined {
  try {
    return callWorkspace(context.params as ScopeParams)
  } catch {
    // a call whose workspace cannot be told wrote nothing; if it did, no workspace hears of it
    return undefined
  }
}

/**
 * Whether a connection receives an event. Clients that follow the change feed (connect() does)
 * receive `changes feed` alone, and make the other events from it, in seq order, without gaps
 * across reconnects; every other client receives the document services' events and
 * `changes created`. (Decided when publishing: a connection says it follows the feed in its
 * handshake, which is read after authentication has joined it.)
 */
function receives(event: unknown, connection: RealTimeConnection): boolean {
  return (event === 'feed') === (connection.feed === true)
}

export function configureChannels(app: Application, database: Database | undefined): void {
  const workspaces = database?.workspaces
  const authentication = workspaces !== undefined
  if (!authentication) {
    app.on('connection', (connection: RealTimeConnection) => app.channel(EVERYONE).join(connection))
  } else {
    app.on('login', (...[result, { connection }]: LoginEvent) => {
      if (!connection) return
      const key = workspaceKey(result)
      connection[KEY_WORKSPACE] = key?.workspace
      connection[KEY_DIGEST] = key?.digest
      connection[USER] = isPlainObject(result.user) ? result.user.user_id : undefined
      app.channel(EVERYONE).join(connection)
    })
    app.on('logout', (...[, { connection }]: LoginEvent) => {
      if (connection) app.channel(EVERYONE).leave(connection)
    })
  }
  // events are published one after another, each once the keys it goes to are checked: in order
  let published: Promise<unknown> = Promise.resolve()
  app.publish((data, context) => {
    const workspace = eventWorkspace(context)
    // the accounts are the database's: a workspace's key hears nothing of users
    const ofUsers = context.path === 'users' || aboutUsers(data)
    const channel = app
      .channel(EVERYONE)
      .filter((connection) => receives(context.event, connection) && sees(connection, workspace))
      .filter((connection) => !ofUsers || typeof connection[KEY_WORKSPACE] !== 'string')
    if (!database || !workspaces) return channel.send(data)
    const sent = published.then(async () => {
      const live = await liveKeys(workspaces, channel.connections)
      const users = await liveUsers(database.collection('users'), channel.connections)
      const keyOf = (connection: RealTimeConnection): unknown => connection[KEY_DIGEST]
      return channel
        .filter((connection) => typeof keyOf(connection) !== 'string' || live.has(String(keyOf(connection))))
        .filter((connection) => userSees(connection, users, workspace))
        .send(data)
    })
    published = sent.catch(() => undefined)
    return sent
  })
}
