/**
 * A newer agor does not upgrade the schema of a file that a running daemon serves: that daemon is
 * of the version before, and would fail on the new schema (its writes and its change feed). A
 * daemon of this version brought the file up to date when it started, and nothing is refused.
 */
import { type DaemonRecord, isAlive, readDaemonRecords } from '../daemon-records.js'
import type { Connection } from '../db/connection.js'
import { UpgradeUnderDaemonError } from '../errors.js'

/** The live daemon, of another process than this one, that serves the file at `path`, answering or not. */
export function servingDaemon(path: string | undefined): DaemonRecord | undefined {
  if (!path) return undefined
  return readDaemonRecords(path).find((record) => record.pid !== process.pid && isAlive(record.pid))
}

/** Throws, when a daemon serves the database, unless it is at this version's schema already. */
export async function refuseUpgradeUnder(
  connection: Connection,
  served: DaemonRecord | undefined
): Promise<void> {
  if (!served) return
  const { schemaIsCurrent } = await import('./schema-sync.js')
  if (await schemaIsCurrent(connection)) return
  throw new UpgradeUnderDaemonError(
    `This version of agor would upgrade the database, which a daemon of another version serves (pid ${served.pid}, ${served.url}): stop it first`
  )
}
