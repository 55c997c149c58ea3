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
import { askedWorkspace, callWorkspace, type ScopeParams } from './scope.js'

/** Every connection that may receive events (authenticated ones, with authentication on). */
export const EVERYONE = 'everyone'

type LoginEvent = [AuthResult, { connection?: RealTimeConnection }]

/** What a login answers: the key of the apiKey strategy, or an access token's payload. */
interface AuthResult {
  apiKey?: ScopeParams['apiKey']
  authentication?: { payload?: { workspace?: unknown } }
}

/** Where a connection keeps the one workspace whose events it receives (none: every one). */
const SCOPE = 'agorWorkspace'

/** The workspace of a workspace key's login; undefined for an administrative key's. */
function loginWorkspace(result: AuthResult): string | undefined {
  const workspace = result.apiKey ? result.apiKey.workspace : result.authentication?.payload?.workspace
  return typeof workspace === 'string' ? workspace : undefined
}

/** Whether a connection receives the events of `workspace`'s documents (unknown: admins only). */
function sees(connection: RealTimeConnection, workspace: string | undefined): boolean {
  const scope: unknown = connection[SCOPE]
  return scope === undefined || scope === workspace
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

export function configureChannels(app: Application, authentication: boolean): void {
  if (!authentication) {
    app.on('connection', (connection: RealTimeConnection) => {
      // without authentication a client may name the workspace it follows in its handshake
      connection[SCOPE] = askedWorkspace(connection.headers)
      app.channel(EVERYONE).join(connection)
    })
  } else {
    app.on('login', (...[result, { connection }]: LoginEvent) => {
      if (!connection) return
      // a workspace key's connection follows its workspace; an administrative one, the one it names
      connection[SCOPE] = loginWorkspace(result) ?? askedWorkspace(connection.headers)
      app.channel(EVERYONE).join(connection)
    })
    app.on('logout', (...[, { connection }]: LoginEvent) => {
      if (connection) app.channel(EVERYONE).leave(connection)
    })
  }
  app.publish((data, context) => {
    const workspace = eventWorkspace(context)
    return app
      .channel(EVERYONE)
      .filter((connection) => receives(context.event, connection) && sees(connection, workspace))
      .send(data)
  })
}
