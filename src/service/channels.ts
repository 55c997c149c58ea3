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

/**
 * Connections that receive the document services' events and `changes created`: every client but
 * those that follow the change feed.
 */
export const DOCUMENT_EVENTS = 'document-events'
/**
 * Connections that follow the change feed (connect() does): they receive `changes feed` alone, and
 * make the other events from it, in seq order, without gaps across reconnects.
 */
export const FEED = 'feed'

type LoginEvent = [unknown, { connection?: RealTimeConnection }]

function join(app: Application, connection: RealTimeConnection): void {
  app.channel(connection.feed === true ? FEED : DOCUMENT_EVENTS).join(connection)
}

export function configureChannels(app: Application, authentication: boolean): void {
  if (!authentication) {
    app.on('connection', (connection: RealTimeConnection) => join(app, connection))
  } else {
    app.on('login', (...[, { connection }]: LoginEvent) => {
      if (connection) join(app, connection)
    })
    app.on('logout', (...[, { connection }]: LoginEvent) => {
      if (connection) app.channel(FEED, DOCUMENT_EVENTS).leave(connection)
    })
  }
  app.publish((data, context) => app.channel(context.event === 'feed' ? FEED : DOCUMENT_EVENTS).send(data))
}
