/**
 * Which connections receive service events: every connected client when authentication is off
 * (the daemon then listens on loopback only), only authenticated ones when it is on.
 *
 * Each event's channel carries the event's own item (`send(data)`): without it, the socket
 * transport looks each item of a multi operation up in the whole result with a deep comparison,
 * so an array create of n documents costs n² comparisons (2,000 documents: 37 ms without a
 * listener, 1.3 s with one).
 */
import type { Application, RealTimeConnection } from '@feathersjs/feathers'

/** Every connection that may receive events (authenticated ones, with authentication on). */
export const EVERYONE = 'everyone'
/**
 * Connections that receive the document services' events. A client that follows the change feed
 * (connect() does) leaves it: it makes those events from the `changes` ones, in seq order, and
 * would see each twice.
 */
export const DOCUMENT_EVENTS = 'document-events'

type LoginEvent = [unknown, { connection?: RealTimeConnection }]

function join(app: Application, connection: RealTimeConnection): void {
  app.channel(EVERYONE).join(connection)
  if (connection.feed !== true) app.channel(DOCUMENT_EVENTS).join(connection)
}

export function configureChannels(app: Application, authentication: boolean): void {
  if (!authentication) {
    app.on('connection', (connection: RealTimeConnection) => join(app, connection))
  } else {
    app.on('login', (...[, { connection }]: LoginEvent) => {
      if (connection) join(app, connection)
    })
    app.on('logout', (...[, { connection }]: LoginEvent) => {
      if (connection) app.channel(EVERYONE, DOCUMENT_EVENTS).leave(connection)
    })
  }
  app.publish((data, context) =>
    app.channel(context.path === 'changes' ? EVERYONE : DOCUMENT_EVENTS).send(data)
  )
}
