/**
 * Which connections receive service events: every connected client when authentication is off
 * (the daemon then listens on loopback only), only authenticated ones when it is on.
 */
import type { Application, RealTimeConnection } from '@feathersjs/feathers'

export const EVERYONE = 'everyone'
export const AUTHENTICATED = 'authenticated'

type LoginEvent = [unknown, { connection?: RealTimeConnection }]

export function configureChannels(app: Application, authentication: boolean): void {
  if (!authentication) {
    app.on('connection', (connection: RealTimeConnection) => app.channel(EVERYONE).join(connection))
    app.publish(() => app.channel(EVERYONE))
    return
  }
  app.on('login', (...[, { connection }]: LoginEvent) => {
    if (connection) app.channel(AUTHENTICATED).join(connection)
  })
  app.on('logout', (...[, { connection }]: LoginEvent) => {
    if (connection) app.channel(AUTHENTICATED).leave(connection)
  })
  app.publish(() => app.channel(AUTHENTICATED))
}
