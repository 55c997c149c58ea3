/**
 * Opens the connection of a database configuration. Each mode's implementation loads only when
 * it is used: a local file needs neither @libsql/client nor its network transports.
 */
import type { ResolvedDatabaseConfig } from './config.js'
import type { Connection } from './connection.js'
import { LocalConnection } from './local.js'

export interface OpenConnectionOptions {
  /**
   * Create a local database file that does not exist, and its folder (default true). With false, a
   * missing file is a NoDatabaseError and nothing is created. A replica's file is always created:
   * syncing fills it.
   */
  create?: boolean
}

/**
 * Opens a local file, memory, a remote server, or an embedded replica synced with its primary (or
 * its local copy read-only while the primary is unreachable).
 */
export async function openConnection(
  config: ResolvedDatabaseConfig,
  options: OpenConnectionOptions = {}
): Promise<Connection> {
  switch (config.mode) {
    case 'file':
    case 'memory':
      return LocalConnection.open(config, { create: options.create })
    case 'remote': {
      const { RemoteConnection } = await import('./remote.js')
      return new RemoteConnection(config)
    }
    case 'replica': {
      const { ReplicaConnection } = await import('./replica.js')
      return ReplicaConnection.open(config)
    }
  }
}
