/**
 * Opens the libSQL client for each database mode: an embedded file (the default), memory, a remote
 * server (Turso or sqld), or an embedded replica that syncs with one.
 */
import './quiet-driver.js'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { type Client, createClient } from '@libsql/client'
import { DEFAULT_REQUEST_TIMEOUT, type ResolvedDatabaseConfig } from './config.js'
import { explainOpenError } from './driver-errors.js'
import { prepareLocalFile } from './local-file.js'
import { openNativeClient } from './native-client.js'

export interface OpenClientOptions {
  /**
   * Create a local database file (and its folder) that does not exist (default true). With false a
   * missing file is a NoDatabaseError and nothing is created. A replica's file is always created:
   * syncing fills it.
   */
  create?: boolean
}

/**
 * Opens the driver client for a resolved configuration. A local file (or memory) gets one
 * connection of native-client.ts, which keeps prepared statements: the driver's calls are
 * synchronous, so more connections buy no parallelism inside one process, and with one
 * connection the per-connection settings (see applyLocalPragmas) hold for every statement. The
 * Database class serialises transactions against other work on it. Remote databases and
 * replicas use @libsql/client.
 *
 * A replica's client is returned as the driver opens it: empty if new, not yet synced (see
 * replica.ts, which syncs it). It gets no local settings: the driver sends every statement that
 * is not a plain read, PRAGMAs included, to the primary, which enforces foreign keys itself.
 */
export async function openClient(
  config: ResolvedDatabaseConfig,
  options: OpenClientOptions = {}
): Promise<Client> {
  if (config.mode === 'memory') return openNativeClient(':memory:', { timeout: config.busyTimeout })
  if (config.mode === 'remote') {
    const ms = (config.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT) * 1000
    // the driver's HTTP transport calls fetch(request); a ws:// client does not use it
    const fetchWithTimeout = (request: Request) => fetch(request, { signal: AbortSignal.timeout(ms) })
    return createClient({
      url: config.url,
      authToken: config.authToken,
      ...(ms > 0 ? { fetch: fetchWithTimeout } : {})
    })
  }
  if (config.mode === 'replica') {
    mkdirSync(dirname(config.path!), { recursive: true })
    return createClient({
      url: config.url,
      syncUrl: config.syncUrl,
      authToken: config.authToken,
      syncInterval: config.syncInterval
    })
  }
  const path = config.path!
  prepareLocalFile(path, options.create !== false)
  let client: Client | undefined
  try {
    client = openNativeClient(path, { timeout: config.busyTimeout })
    const mode = await client.execute('PRAGMA journal_mode')
    if (String(mode.rows[0]?.[0]).toLowerCase() !== 'wal') await client.execute('PRAGMA journal_mode = WAL')
    await applyLocalPragmas(client, config)
    return client
  } catch (error) {
    client?.close()
    throw explainOpenError(path, error)
  }
}

/**
 * The per-connection settings of a local database: foreign keys on; the busy timeout (the driver
 * passes `timeout` to a file's connections only when it opens them); and, for a file in WAL mode,
 * synchronous=NORMAL: a commit survives the process being killed, and the file is never corrupted,
 * but it is not fsynced on every commit (a power cut may lose the last commits), which makes a
 * single-document write about four times faster. `readOnly` (a replica's local copy read while its
 * primary is unreachable) makes the connection refuse writes. They are read back to be sure they took.
 */
export async function applyLocalPragmas(
  client: Client,
  config: ResolvedDatabaseConfig,
  options: { readOnly?: boolean } = {}
): Promise<void> {
  const timeout = Math.trunc(config.busyTimeout)
  const statements = ['PRAGMA foreign_keys = ON', `PRAGMA busy_timeout = ${timeout}`]
  if (config.mode === 'file') statements.push('PRAGMA synchronous = NORMAL')
  if (options.readOnly) statements.push('PRAGMA query_only = ON')
  for (const statement of statements) await client.execute(statement)
  const [fk, busy, readOnly] = await Promise.all([
    client.execute('PRAGMA foreign_keys'),
    client.execute('PRAGMA busy_timeout'),
    options.readOnly ? client.execute('PRAGMA query_only') : undefined
  ])
  if (Number(fk.rows[0]?.[0]) !== 1) throw new Error('The database connection did not enable foreign keys')
  if (Number(busy.rows[0]?.[0]) !== timeout)
    throw new Error('The database connection did not take the busy timeout')
  if (readOnly && Number(readOnly.rows[0]?.[0]) !== 1)
    throw new Error('The database connection did not become read-only')
}
