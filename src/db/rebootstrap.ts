/**
 * Starting an embedded replica over from its primary: for a replica whose primary lost its data or
 * was replaced, and for a damaged local copy. The old copy is backed up next to it first, and put
 * back in place when the new one cannot be made, so that the replica keeps serving reads.
 */
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs'
import { BadRequest, FeathersError } from '@feathersjs/errors'
import { DatabaseUnavailableError } from '../errors.js'
import { backupDatabase, backupName } from './admin.js'
import { isDamage } from './check.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { SyncResult } from './connection.js'
import { byRealPath } from './local-file.js'
import { probePrimary } from './probe.js'
import { ReplicaProcess } from './replica-process.js'

/** The files of an embedded replica besides the database itself: the driver's own bookkeeping. */
const REPLICA_FILES = ['', '-wal', '-shm', '-info', '-client_wal_index']

export interface Rebootstrap extends SyncResult {
  /** Where the old local copy was backed up (none if there was none). */
  backup?: string
}

/**
 * A copy of the local copy at `backup`: a consistent, compact one (VACUUM INTO), or, for a copy too
 * damaged to be read whole, its file as it is (with its write-ahead log beside it, under the name
 * SQLite looks for). Nothing is left at `backup` when it fails.
 */
async function backUp(path: string, backup: string): Promise<void> {
  try {
    await backupDatabase(path, backup)
  } catch (error) {
    for (const suffix of [...REPLICA_FILES, '-journal']) rmSync(backup + suffix, { force: true })
    if (!isDamage(error)) throw error
    copyFileSync(path, backup)
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${backup}-wal`)
  }
}

/** Moves the replica's files from `from` to `to` (suffixes kept); the ones missing are skipped. */
function move(from: string, to: string): void {
  for (const suffix of REPLICA_FILES) {
    if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix)
  }
}

/** `error` with `note` added to its message, as the same kind of error (its status code kept). */
function withNote(error: unknown, note: string): Error {
  const message = `${error instanceof Error ? error.message : String(error)}${note}`
  if (error instanceof DatabaseUnavailableError) return new DatabaseUnavailableError(message)
  if (error instanceof FeathersError)
    return new FeathersError(message, error.name, error.code, error.className, error.data)
  return new Error(message)
}

/**
 * Backs the replica's local copy up (`<file>.<time>.bak`), and replaces it with a new copy of the
 * primary. The primary is asked first: while it does not answer, nothing is touched. If the new
 * copy cannot be made, the old one is put back, and the error says so and where the backup is.
 * Nothing may have the replica open meanwhile.
 *
 * @example
 * const { backup } = await rebootstrapReplica(resolveDatabaseConfig()) // AGOR_DB_URL + AGOR_DB_SYNC_URL
 */
export async function rebootstrapReplica(given: ResolvedDatabaseConfig): Promise<Rebootstrap> {
  if (given.mode !== 'replica')
    throw new BadRequest('Only an embedded replica can be rebootstrapped (set AGOR_DB_SYNC_URL)')
  // the file by its real name: through a symlink, the link would be moved aside, not the file
  const config = byRealPath(given)
  const path = config.path!
  const had = existsSync(path)
  try {
    await probePrimary(config)
  } catch (error) {
    throw had && error instanceof DatabaseUnavailableError
      ? withNote(error, `: nothing was changed, the local copy ${path} is as it was`)
      : error
  }
  if (!had) return copyAnew(config)
  const backup = backupName(path)
  await backUp(path, backup)
  // the old files stay whole beside the new copy until it is made: putting them back is a rename
  const aside = `${backup}.old`
  move(path, aside)
  try {
    const result = await copyAnew(config)
    for (const suffix of REPLICA_FILES) rmSync(aside + suffix, { force: true })
    return { ...result, backup }
  } catch (error) {
    for (const suffix of REPLICA_FILES) rmSync(path + suffix, { force: true })
    move(aside, path)
    throw withNote(
      error,
      `: the primary could not be copied, so the old local copy is back in place at ${path} (a backup of it is at ${backup})`
    )
  }
}

/** Copies the primary into the missing local copy: where it stands then. */
async function copyAnew(config: ResolvedDatabaseConfig): Promise<SyncResult> {
  // the worker alone: a replica connection would explain a failure as a missing copy
  const { worker, synced } = await ReplicaProcess.start(config, undefined)
  worker.close()
  return synced
}
