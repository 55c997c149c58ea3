/**
 * A database brought up to this version when it opens: its migrations (drizzle/), then the change
 * feed's triggers (derived from the registry, see feed-triggers.ts). A database already up to date
 * costs one read: one request to a remote server.
 */
import type { Connection } from '../db/connection.js'
import { APPLIED_MIGRATIONS, assertNotNewer, isMissingTable, migrate, standingOf } from '../db/migrate.js'
import { FEED_STATE_TABLE } from '../schema/changes.js'
import { syncStoreTriggers, triggersVersion } from './feed-triggers.js'

/**
 * triggersVersion() as the CLI's bundle computed it when it was built (scripts/built-cli.ts), from
 * the same code and registry: computing it makes every view's and trigger's SQL and hashes it, a
 * few milliseconds of every command. Undefined elsewhere.
 */
declare const AGOR_BUILT_TRIGGERS_VERSION: string | undefined
const builtTriggersVersion =
  typeof AGOR_BUILT_TRIGGERS_VERSION === 'string' ? AGOR_BUILT_TRIGGERS_VERSION : undefined

export async function prepareSchema(db: Connection): Promise<void> {
  let current: { pending: number; triggers: unknown } | undefined
  try {
    const [applied, feed] = await db.batch(
      [APPLIED_MIGRATIONS, `SELECT triggers FROM ${FEED_STATE_TABLE} WHERE id = 1`],
      'read'
    )
    const standing = standingOf(applied?.rows ?? [])
    assertNotNewer(standing)
    current = { pending: standing.pending, triggers: feed?.rows[0]?.triggers }
  } catch (error) {
    // a new database, or one from before the change feed
    if (!isMissingTable(error)) throw error
  }
  if (!current || current.pending > 0) await migrate(db)
  // a replica that opened without its primary keeps what it has until it can write again
  if (db.readOnly || current?.triggers === (builtTriggersVersion ?? triggersVersion())) return
  await syncStoreTriggers(db)
}
