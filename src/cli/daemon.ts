/**
 * Finding the daemon that serves a database file (its record, see daemon-records.ts) and calling
 * it: a CLI's writes go through it, so that its websocket clients see them. A record whose daemon
 * does not answer `GET /health` quickly is passed over.
 */

import { type DaemonRecord, isAlive, readDaemonRecords } from '../daemon-records.js'
import { API_KEY_HEADER, CLI_PROVIDER, CLIENT_HEADER } from '../protocol.js'
import { namedKey } from '../service/auth-options.js'
import { restRequest } from './rest.js'

/** How long a daemon may take to answer the health check before the CLI goes to the file itself. */
export const HEALTH_TIMEOUT_MS = 2000

async function answers(url: string, timeout: number): Promise<boolean> {
  try {
    const { status } = await restRequest(new URL('/health', url), { method: 'GET', timeout })
    return status >= 200 && status < 300
  } catch {
    return false
  }
}

export interface DaemonLookup {
  /** A live daemon that serves the file. */
  record?: DaemonRecord
  /** Why a record that exists was not used, when its process is alive (worth a warning). */
  unresponsive?: DaemonRecord
}

/** Finds a live daemon serving the database file `dbPath`. Never throws. */
export async function findDaemon(dbPath: string, timeout = HEALTH_TIMEOUT_MS): Promise<DaemonLookup> {
  const record = readDaemonRecords(dbPath).find((r) => isAlive(r.pid))
  if (!record) return {}
  return (await answers(record.url, timeout)) ? { record } : { unresponsive: record }
}

/** The first key of AGOR_API_KEY (which may list several, comma-separated, each maybe `name:key`). */
export function apiKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const first = env.AGOR_API_KEY?.split(',')[0]?.trim()
  return first ? namedKey(first).key : undefined
}

/**
 * The headers of every request the CLI makes to a daemon: the one that has the change feed record
 * its writes as the CLI's, and an API key: AGOR_API_KEY's, else the one in the daemon's record. A
 * key the user sets says who writes (the feed's actor), so it wins.
 */
export function daemonHeaders(
  record?: DaemonRecord,
  env: NodeJS.ProcessEnv = process.env
): Record<string, string> {
  const apiKey = apiKeyFromEnv(env) ?? record?.apiKey
  return { [CLIENT_HEADER]: CLI_PROVIDER, ...(apiKey ? { [API_KEY_HEADER]: apiKey } : {}) }
}
