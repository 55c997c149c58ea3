/**
 * Asking a replica's primary whether it answers, without the driver: the driver cannot tell an
 * unreachable primary from a refused token (both look like a 3 s handshake timeout), and its calls
 * block the thread they run on while they wait.
 */
import { FeathersError } from '@feathersjs/errors'
import { DatabaseForbiddenError, DatabaseUnavailableError } from '../errors.js'
import type { ResolvedDatabaseConfig } from './config.js'
import { serverOf, translate } from './driver-errors.js'

/** How long a probe waits for the primary, and how often a replica opened read-only probes it (ms). */
export const replicaTimings = { probeTimeout: 5000, recoveryInterval: 5000 }

/**
 * One HTTP request to the primary that opens and closes an empty stream: it proves that the
 * primary answers and takes the token. Every sync is preceded by it.
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

/**
 * Runs one read on the primary over HTTP, outside the driver: its first column of its first row,
 * or the error the primary reported for the statement (`no such table: …`).
 */
export async function queryPrimary(
  config: ResolvedDatabaseConfig,
  sql: string
): Promise<{ value: unknown } | { error: string }> {
  let body: {
    results?: {
      type?: string
      response?: { result?: { rows?: { value?: unknown }[][] } }
      error?: { message?: string }
    }[]
  }
  try {
    const response = await fetch(`${config.syncUrl}/v2/pipeline`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(config.authToken ? { authorization: `Bearer ${config.authToken}` } : {})
      },
      body: JSON.stringify({ requests: [{ type: 'execute', stmt: { sql } }, { type: 'close' }] }),
      signal: AbortSignal.timeout(replicaTimings.probeTimeout)
    })
    if (!response.ok) throw new Error(`Server returned HTTP status ${response.status}`)
    body = (await response.json()) as typeof body
  } catch (error) {
    throw translate(error, config)
  }
  const first = body.results?.[0]
  if (first?.type === 'error') return { error: String(first.error?.message ?? 'error') }
  return { value: first?.response?.result?.rows?.[0]?.[0]?.value ?? null }
}
