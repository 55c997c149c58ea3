/**
 * A database brought up to this version when it opens (and by `agor db setup`/`migrate`): its
 * migrations (drizzle/), then the write views and triggers (derived from the registry, see
 * feed-triggers.ts). A database already up to date
 * costs one read: one request to a remote server.
 */
import type { Connection } from '../db/connection.js'
import { APPLIED_MIGRATIONS, assertNotNewer, isMissingTable, migrate, standingOf } from '../db/migrate.js'
import { DatabaseBusyError } from '../errors.js'
import { FEED_STATE_TABLE } from '../schema/changes.js'
import { storeObjectDrops, syncStoreTriggers, triggersVersion } from './feed-triggers.js'
import { refuseUpgradeUnder } from './upgrade-guard.js'

/**
 * triggersVersion() as the CLI's bundle computed it when it was built (scripts/built-cli.ts), from
 * the same code and registry: computing it makes every view's and trigger's SQL and hashes it, a
 * few milliseconds of every command. Undefined elsewhere.
 */
declare const AGOR_BUILT_TRIGGERS_VERSION: string | undefined
const builtTriggersVersion =
  typeof AGOR_BUILT_TRIGGERS_VERSION === 'string' ? AGOR_BUILT_TRIGGERS_VERSION : undefined

const currentTriggers = () => builtTriggersVersion ?? triggersVersion()

/** What a database has: its pending migrations and its triggers' version (undefined: none yet). */
async function stateOf(db: Connection): Promise<{ pending: number; triggers: unknown } | undefined> {
  try {
    const [applied, feed] = await db.batch(
      [APPLIED_MIGRATIONS, `SELECT triggers FROM ${FEED_STATE_TABLE} WHERE id = 1`],
      'read'
    )
    const standing = standingOf(applied?.rows ?? [])
    assertNotNewer(standing)
    return { pending: standing.pending, triggers: feed?.rows[0]?.triggers }
  } catch (error) {
    // a new database, or one from before the change feed
    if (!isMissingTable(error)) throw error
    return undefined
  }
}

/** How often a database is looked at again while another process holds it to migrate it. */
const BUSY_ATTEMPTS = 8

/**
 * Returns how many migrations it applied. `remake` makes the views, triggers and derived indexes
 * again even where their version is this one's (`agor db migrate`: another tool may have dropped
 * them). Refuses to change anything of the file at `path` (a
 * local file, a replica's copy) while a daemon of another process serves it (see upgrade-guard.ts).
 * Processes that open a new database at once take turns: while one migrates it, the others wait
 * and look again.
 */
export async function prepareSchema(
  db: Connection,
  path?: string,
  options: { remake?: boolean } = {}
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prepareOnce(db, path, options.remake === true)
    } catch (error) {
      if (!(error instanceof DatabaseBusyError) || attempt >= BUSY_ATTEMPTS) throw error
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** Math.min(attempt, 5) * Math.random()))
    }
  }
}

async function prepareOnce(db: Connection, path: string | undefined, remake: boolean): Promise<number> {
  const current = await stateOf(db)
  const migrating = !current || current.pending > 0
  const triggersDue = remake || current?.triggers !== currentTriggers()
  if (migrating || (triggersDue && !db.readOnly)) refuseUpgradeUnder(path)
  const applied = migrating ? await migrate(db, await storeObjectDrops(db)) : 0
  // a replica that opened without its primary keeps what it has until it can write again
  if (db.readOnly || (applied === 0 && !triggersDue)) return applied
  await syncStoreTriggers(db, remake)
  return applied
}
