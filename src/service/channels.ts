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

type LoginEvent = [unknown, { connection?: RealTimeConnection }]

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
    app.on('connection', (connection: RealTimeConnection) => app.channel(EVERYONE).join(connection))
  } else {
    app.on('login', (...[, { connection }]: LoginEvent) => {
      if (connection) app.channel(EVERYONE).join(connection)
    })
    app.on('logout', (...[, { connection }]: LoginEvent) => {
      if (connection) app.channel(EVERYONE).leave(connection)
    })
  }
  app.publish((data, context) =>
    app
      .channel(EVERYONE)
      .filter((connection) => receives(context.event, connection))
      .send(data)
  )
}
