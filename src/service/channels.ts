/**
 * Which connections receive service events: every connected client, until authentication comes.
 */
import type { Application, RealTimeConnection } from '@feathersjs/feathers'

export const EVERYONE = 'everyone'

export function configureChannels(app: Application): void {
  app.on('connection', (connection: RealTimeConnection) => {
    app.channel(EVERYONE).join(connection)
  })
  app.publish(() => app.channel(EVERYONE))
}
