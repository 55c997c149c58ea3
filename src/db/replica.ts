/**
 * An embedded replica and its primary: the replica is synced before its first read; when the
 * primary cannot be reached at open, the replica's local copy is opened read-only instead, so that
 * reads keep working, and the Database reconnects it when the primary returns.
 */
import './quiet-driver.js'
import { existsSync } from 'node:fs'
import { FeathersError } from '@feathersjs/errors'
import { type Client, createClient } from '@libsql/client'
import { DatabaseForbiddenError, DatabaseUnavailableError } from '../errors.js'
import { applyLocalPragmas, openClient } from './client.js'
import type { ResolvedDatabaseConfig } from './config.js'
import { serverOf, translate } from './driver-errors.js'
import { databaseLog } from './log.js'

/** How long a probe waits for the primary, and how often a replica opened read-only probes it (ms). */
export const replicaTimings = { probeTimeout: 5000, recoveryInterval: 5000 }

export { databaseLog }

/** What a replica pulled from its primary. */
export interface SyncResult {
  framesSynced: number
  frameNo: number
}

/**
 * One HTTP request to the primary that opens and closes an empty stream: it proves that the
 * primary answers and takes the token. The driver cannot tell these apart (a refused token looks
 * like an unreachable primary after a 3 s handshake timeout), and its sync blocks the event loop
 * while it waits, so every sync is preceded by this probe, which does not.
 */
export async function probePrimary(config: ResolvedDatabaseConfig): Promise<void> {
  let response: Response
  try {
    response = await fetch(`${config.syncUrl}/v2/pipeline`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(config.authToken ? { authorization: `Bearer ${config.authToken}` } : {})
      },
      body: JSON.stringify({ requests: [{ type: 'close' }] }),
      signal: AbortSignal.timeout(replicaTimings.probeTimeout)
    })
    await response.arrayBuffer()
  } catch (error) {
    throw translate(error, config)
  }
  if (response.ok) return
  const server = serverOf(config)
  if (response.status === 403) {
    throw new DatabaseForbiddenError(
      `${server} refused the auth token: it does not allow reading the database`
    )
  }
  const failure = translate(new Error(`Server returned HTTP status ${response.status}`), config)
  if (failure instanceof FeathersError) throw failure
  throw new DatabaseUnavailableError(
    `${server} answered HTTP ${response.status}: is AGOR_DB_SYNC_URL a libSQL server?`
  )
}

/** Opens the replica and syncs it with its primary, which must be reachable. */
export async function openSynced(config: ResolvedDatabaseConfig): Promise<{ client: Client } & SyncResult> {
  await probePrimary(config)
  let client: Client | undefined
  try {
    client = await openClient(config)
    const result = await client.sync()
    return { client, framesSynced: result?.frames_synced ?? 0, frameNo: result?.frame_no ?? 0 }
  } catch (error) {
    client?.close()
    throw translate(error, config)
  }
}

/**
 * Opens a replica for the Database: synced with its primary, or, when the primary is unreachable,
 * its local copy read-only (with a warning). A replica that has no local copy yet cannot open
 * without its primary; nor can one whose primary refuses the token.
 */
export async function openReplica(
  config: ResolvedDatabaseConfig
): Promise<{ client: Client; readOnly: boolean }> {
  try {
    return { client: (await openSynced(config)).client, readOnly: false }
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error
    const client = await openLocalCopy(config, error)
    databaseLog.warn(
      `${error.message}: reading the local replica ${config.path} until it returns; writes fail meanwhile`
    )
    return { client, readOnly: true }
  }
}

/** The replica's file as a read-only local database, if it holds a copy of the primary. */
async function openLocalCopy(config: ResolvedDatabaseConfig, unreachable: Error): Promise<Client> {
  const noCopy = new DatabaseUnavailableError(
    `${unreachable.message}, and the replica ${config.path} has no local copy yet: it needs the primary once to copy the database`
  )
  if (!existsSync(config.path!)) throw noCopy
  const client = createClient({ url: config.url, timeout: config.busyTimeout, concurrency: 1 })
  try {
    const { rows } = await client.execute('SELECT count(*) AS tables FROM sqlite_master')
    if (Number(rows[0]?.tables) === 0) throw noCopy
    await applyLocalPragmas(client, config, { readOnly: true })
    return client
  } catch (error) {
    client.close()
    throw error
  }
}
