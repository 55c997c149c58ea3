/**
 * A local database file as the file system sees it, before the driver opens it: whether it is
 * there, and why it cannot be used, in words. The driver reports a folder, a missing folder and a
 * file it may not open alike (`ConnectionFailed(… 14)`); see explainOpenError for what it reports
 * once the file is open.
 */
import { accessSync, constants, mkdirSync, realpathSync, type Stats, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { DatabaseFileError, NoDatabaseError } from '../errors.js'
import type { ResolvedDatabaseConfig } from './config.js'

function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/** The problem a file system error code means for a database path, if it is one of those we name. */
function fileProblem(path: string, errno: string | undefined): DatabaseFileError | undefined {
  if (errno === 'EACCES' || errno === 'EPERM' || errno === 'EROFS')
    return new DatabaseFileError(path, 'permission')
  if (errno === 'ENOTDIR' || errno === 'EEXIST') return new DatabaseFileError(path, 'not-a-folder')
  if (errno === 'EISDIR') return new DatabaseFileError(path, 'folder')
  return undefined
}

/**
 * Makes sure a local database file can be opened: it is a readable and writable file, or, when it
 * does not exist, `create` is true and its folder is made (nothing is made otherwise). Throws
 * NoDatabaseError for a missing or empty file that must not be created, DatabaseFileError for one that
 * cannot be used.
 */
export function prepareLocalFile(path: string, create: boolean): void {
  let stat: Stats
  try {
    stat = statSync(path)
  } catch (error) {
    const errno = errnoOf(error)
    if (errno !== 'ENOENT') throw fileProblem(path, errno) ?? error
    if (!create) throw new NoDatabaseError(path)
    try {
      mkdirSync(dirname(path), { recursive: true })
    } catch (mkdir) {
      throw fileProblem(path, errnoOf(mkdir)) ?? mkdir
    }
    return
  }
  if (stat.isDirectory()) throw new DatabaseFileError(path, 'folder')
  try {
    accessSync(path, constants.R_OK | constants.W_OK)
  } catch (error) {
    throw fileProblem(path, errnoOf(error)) ?? error
  }
  // SQLite takes an empty file for an empty database: a slip (--db notes.txt) would become one
  if (stat.size === 0 && !create) throw new NoDatabaseError(path, true)
  refuseOtherNames(path, stat)
}

/**
 * A second name of a file gets a -wal of its own: two processes would each commit into their own
 * log, and whichever log is checkpointed last overwrites the other's pages.
 */
function refuseOtherNames(path: string, stat: Stats): void {
  if (stat.isFile() && stat.nlink > 1) throw new DatabaseFileError(path, 'hard-links')
}

/**
 * A replica's config with its file by its real name. The driver keeps the replica's companions
 * (`-wal`, `-client_wal_index`) beside the name it opens, so through a symlink it would not find
 * the file's own and refuse to sync; through a hard link it would start a second set beside the
 * link. A file with other names is refused, as a local database is.
 */
export function byRealPath(config: ResolvedDatabaseConfig): ResolvedDatabaseConfig {
  const path = realReplicaPath(config.path!)
  return path === config.path ? config : { ...config, path, url: `file:${path}` }
}

function realReplicaPath(path: string): string {
  let stat: Stats
  try {
    stat = statSync(path)
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw fileProblem(path, errnoOf(error)) ?? error
    // not copied yet: its folder by its real name, if there is one already
    try {
      return join(realpathSync(dirname(path)), basename(path))
    } catch {
      return path
    }
  }
  refuseOtherNames(path, stat)
  return realpathSync(path)
}
