/**
 * A newer agor does not upgrade the schema of a file that a running daemon serves: that daemon is
 * of the version before, and would fail on the new schema (its writes and its change feed). A
 * daemon of this version brought the file up to date when it started, and nothing is refused.
 */
import { type DaemonRecord, isAlive, readDaemonRecords } from '../daemon-records.js'
import { UpgradeUnderDaemonError } from '../errors.js'

/** The live daemon, of another process than this one, that serves the file at `path`, answering or not. */
function servingDaemon(path: string | undefined): DaemonRecord | undefined {
  if (!path) return undefined
  return readDaemonRecords(path).find((record) => record.pid !== process.pid && isAlive(record.pid))
}

/**
 * Throws when a daemon of another process serves the file at `path`: called by prepareSchema just
 * before it would change the schema, which the daemon's version would fail on.
 */
export function refuseUpgradeUnder(path: string | undefined): void {
  const served = servingDaemon(path)
  if (!served) return
  throw new UpgradeUnderDaemonError(
    `This version of agor would upgrade the database, which a daemon of another version serves (pid ${served.pid}, ${served.url}): stop it first`
  )
}
