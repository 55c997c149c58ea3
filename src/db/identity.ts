/**
 * Whether a replica's primary is still the database its local copy is a copy of. Every database
 * has an id (schema/database-id.ts). A primary that lost its data (restarted empty) or was replaced
 * by another database answers without that id, or with another, and syncing from it would replace
 * the local copy with whatever it holds now: the driver starts over from a primary whose
 * replication log is not the one it followed, without a word. So a replica asks before every sync
 * and every write, and does neither when the ids differ.
 */
import { existsSync } from 'node:fs'
import { PrimaryLostError } from '../errors.js'
import { DATABASE_ID_TABLE } from '../schema/database-id.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { Executor } from './connection.js'
import { serverOf } from './driver-errors.js'
import { LocalConnection } from './local.js'
import { probePrimary, queryPrimary } from './probe.js'

const ID_SQL = `SELECT id FROM ${DATABASE_ID_TABLE}`

/**
 * The database id of a local copy: undefined for a copy that has none (a new replica, or a copy
 * from before database ids), which has nothing to compare.
 */
export async function copyIdOf(copy: Executor): Promise<string | undefined> {
  try {
    const id = (await copy.execute(ID_SQL)).rows[0]?.id
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}

/**
 * The database id of a replica's local copy, read from its file without the driver, which could
 * sync as it opens it: undefined when there is no copy yet.
 */
export async function copyIdOfFile(config: ResolvedDatabaseConfig): Promise<string | undefined> {
  if (!existsSync(config.path!)) return undefined
  let copy: LocalConnection | undefined
  try {
    copy = await LocalConnection.open(config, { create: false, readOnly: true })
    return await copyIdOf(copy)
  } catch {
    return undefined
  } finally {
    copy?.close()
  }
}

/**
 * Asks the primary for its database id and throws a PrimaryLostError unless it is `copyId`; a
 * copy without an id only needs the primary to answer. Throws the primary's failure when it cannot
 * be asked (unreachable, token refused), or has not answered by `expires` (ms since the epoch).
 */
export async function checkPrimary(
  config: ResolvedDatabaseConfig,
  copyId: string | undefined,
  expires?: number
): Promise<void> {
  if (copyId === undefined) return probePrimary(config, expires)
  const answer = await queryPrimary(config, ID_SQL, expires)
  const primaryId = 'value' in answer ? answer.value : undefined
  if (primaryId === copyId) return
  throw new PrimaryLostError(
    `${serverOf(config)} lost its data or is another database (its database id is ${typeof primaryId === 'string' ? primaryId : 'missing'}; this replica is a copy of ${copyId}): this replica serves reads from its copy and refuses writes. To start again from the primary: agor db sync --rebootstrap (the copy is kept as a backup); to keep the copy's data, export it first (agor db export) and import it into the primary`
  )
}
