/**
 * What `agor db check` says about a replica's primary: whether it answers, and whether it is still
 * the database of the local copy. A replica that opened asked already; one whose copy is too
 * damaged for the driver is asked here.
 */
import { FeathersError } from '@feathersjs/errors'
import type { ResolvedDatabaseConfig } from '../db/config.js'
import type { Connection } from '../db/connection.js'
import { PrimaryLostError } from '../errors.js'

/** A replica's primary: the copy's database, one that answers (the copy has no id), another one, or none. */
export type PrimaryState = 'same database' | 'reachable' | 'another database' | 'unreachable'

/**
 * The primary of the replica `d` (none for other modes), and the problems to report about it.
 * `asked`: `d` is a replica connection, which asked the primary as it opened; otherwise `d` is
 * its local copy alone, and the primary is asked now.
 */
export async function primaryOf(
  config: ResolvedDatabaseConfig,
  d: Connection,
  asked: boolean
): Promise<{ primary?: PrimaryState; problems: string[] }> {
  if (config.mode !== 'replica') return { problems: await d.problems() }
  const { checkPrimary, copyIdOf } = await import('../db/identity.js')
  const copyId = await copyIdOf(d)
  const known = (primary: PrimaryState, problems: string[]) => ({
    primary: copyId === undefined && primary === 'same database' ? 'reachable' : primary,
    problems
  })
  if (asked) {
    const problems = await d.problems()
    if (problems.length) return known('another database', problems)
    return known(d.readOnly || d.unreachable ? 'unreachable' : 'same database', problems)
  }
  try {
    await checkPrimary(config, copyId)
    return known('same database', [])
  } catch (error) {
    if (error instanceof PrimaryLostError) return known('another database', [error.message])
    if (error instanceof FeathersError) return known('unreachable', [])
    throw error
  }
}
