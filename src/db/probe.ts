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

interface PipelineBody {
  results?: {
    type?: string
    response?: { result?: { rows?: { value?: unknown }[][] } }
    error?: { message?: string }
  }[]
}

/**
 * How long one request to the primary may take (ms), and the words for that limit: the probe's
 * bound, or AGOR_DB_TIMEOUT if shorter, or what is left until `expires` (ms since the epoch, the
 * end of the AGOR_DB_TIMEOUT of the call it is part of) if less.
 */
function probeLimit(config: ResolvedDatabaseConfig, expires?: number): { ms: number; words: string } {
  const seconds = config.requestTimeout ?? 0
  const probe = replicaTimings.probeTimeout
  const timeout = seconds > 0 ? seconds * 1000 : Number.POSITIVE_INFINITY
  const setting = seconds > 0 ? `AGOR_DB_TIMEOUT is ${seconds} s` : 'AGOR_DB_TIMEOUT is 0: no limit'
  let limit =
    timeout <= probe
      ? { ms: timeout, words: `within ${seconds} s (AGOR_DB_TIMEOUT)` }
      : { ms: probe, words: `within ${probe / 1000} s (the limit of a reachability check; ${setting})` }
  if (expires !== undefined && expires - Date.now() < limit.ms) {
    limit = { ms: Math.max(1, expires - Date.now()), words: `within ${seconds} s (AGOR_DB_TIMEOUT)` }
  }
  return limit
}

/** The primary did not answer a probe (or an identity check) in time: nothing else was sent. */
export class ProbeTimeoutError extends DatabaseUnavailableError {}

/** One Hrana pipeline request to the primary over HTTP: its body, or why the primary did not answer. */
async function pipeline(
  config: ResolvedDatabaseConfig,
  requests: unknown[],
  expires?: number
): Promise<PipelineBody> {
  let response: Response
  let body: PipelineBody
  const limit = probeLimit(config, expires)
  try {
    response = await fetch(`${config.syncUrl}/v2/pipeline`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(config.authToken ? { authorization: `Bearer ${config.authToken}` } : {})
      },
      body: JSON.stringify({ requests }),
      signal: AbortSignal.timeout(limit.ms)
    })
    const text = await response.text()
    body = response.ok ? (JSON.parse(text) as PipelineBody) : {}
  } catch (error) {
    // the limit that ended the wait, which is not always AGOR_DB_TIMEOUT
    if (error instanceof Error && error.name === 'TimeoutError')
      throw new ProbeTimeoutError(`${serverOf(config)} did not answer ${limit.words}`)
    throw translate(error, config)
  }
  if (response.ok) return body
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
 * One HTTP request to the primary that opens and closes an empty stream: it proves that the
 * primary answers and takes the token.
 */
export async function probePrimary(config: ResolvedDatabaseConfig, expires?: number): Promise<void> {
  await pipeline(config, [{ type: 'close' }], expires)
}

/**
 * Runs one read on the primary over HTTP, outside the driver: its first column of its first row,
 * or the error the primary reported for the statement (`no such table: …`).
 */
export async function queryPrimary(
  config: ResolvedDatabaseConfig,
  sql: string,
  expires?: number
): Promise<{ value: unknown } | { error: string }> {
  const body = await pipeline(config, [{ type: 'execute', stmt: { sql } }, { type: 'close' }], expires)
  const first = body.results?.[0]
  if (first?.type === 'error') return { error: String(first.error?.message ?? 'error') }
  return { value: first?.response?.result?.rows?.[0]?.[0]?.value ?? null }
}
