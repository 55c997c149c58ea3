/**
 * Starting an embedded replica over from its primary, for a replica whose primary lost its data
 * or was replaced: the local copy is backed up next to it first.
 */
import { existsSync, rmSync } from 'node:fs'
import { BadRequest } from '@feathersjs/errors'
import { backupDatabase, backupName } from './admin.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { SyncResult } from './connection.js'
import { ReplicaConnection } from './replica.js'

/** The files of an embedded replica besides the database itself: the driver's own bookkeeping. */
const REPLICA_FILES = ['', '-wal', '-shm', '-info', '-client_wal_index']

export interface Rebootstrap extends SyncResult {
  /** Where the old local copy was backed up (none if there was none). */
  backup?: string
}

/**
 * Backs the replica's local copy up (`<file>.<time>.bak`), removes it, and copies the primary anew.
 * Nothing may have the replica open meanwhile.
 *
 * @example
 * const { backup } = await rebootstrapReplica(resolveDatabaseConfig()) // AGOR_DB_URL + AGOR_DB_SYNC_URL
 */
export async function rebootstrapReplica(config: ResolvedDatabaseConfig): Promise<Rebootstrap> {
  if (config.mode !== 'replica')
    throw new BadRequest('Only an embedded replica can be rebootstrapped (set AGOR_DB_SYNC_URL)')
  const path = config.path!
  let backup: string | undefined
  if (existsSync(path)) {
    backup = backupName(path)
    await backupDatabase(path, backup)
    for (const suffix of REPLICA_FILES) rmSync(path + suffix, { force: true })
  }
  const replica = await ReplicaConnection.open(config)
  try {
    // the open copied the primary; one more sync reports where it stands
    return { ...(await replica.sync()), ...(backup ? { backup } : {}) }
  } finally {
    replica.close()
  }
}
