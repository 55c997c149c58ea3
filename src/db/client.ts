/**
 * Opens the libSQL client for each database mode: an embedded file (the default), memory, a remote
 * server (Turso or sqld), or an embedded replica that syncs with one.
 */
import './quiet-driver.js'
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, resolve } from 'node:path'
import { type Client, createClient } from '@libsql/client'

/** The default database: a file in the user's home folder. */
export const DEFAULT_DB_URL = 'file:~/.agor/agor.db'
/** How long a write waits for another connection's lock before it fails (ms). */
export const DEFAULT_BUSY_TIMEOUT = 10_000
/** Seconds between a replica's background syncs when AGOR_DB_SYNC_INTERVAL is not set (0 turns them off). */
export const DEFAULT_SYNC_INTERVAL = 60

/** Where the data lives. Every field falls back to its environment variable. */
export interface DatabaseConfig {
  /** `file:path`, a plain path, `:memory:`, or `libsql://`, `http(s)://`, `ws(s)://` (AGOR_DB_URL). */
  url?: string
  /** The token for a remote server or a replica's primary (AGOR_DB_AUTH_TOKEN). */
  authToken?: string
  /**
   * Makes `url` (a file) an embedded replica of this primary (AGOR_DB_SYNC_URL): `libsql://`,
   * `https://` or `http://` (`libsql://host:port?tls=0` for a server without TLS).
   */
  syncUrl?: string
  /** Seconds between background syncs of a replica (AGOR_DB_SYNC_INTERVAL, default 60; 0: none). */
  syncInterval?: number
  /** Busy timeout in ms for local files. */
  busyTimeout?: number
}

export type DatabaseMode = 'file' | 'memory' | 'remote' | 'replica'

/** A configuration with defaults and environment applied. */
export interface ResolvedDatabaseConfig {
  mode: DatabaseMode
  /** The URL handed to the driver (`~` expanded, paths absolute). */
  url: string
  /** The absolute path of the local file, for file and replica modes. */
  path?: string
  authToken?: string
  /** A replica's primary, always `http(s)://` (the driver syncs over HTTP only). */
  syncUrl?: string
  syncInterval?: number
  busyTimeout: number
}

const REMOTE = /^(libsql|https?|wss?):\/\//i

/** Applies environment variables and defaults, and normalises local paths. */
export function resolveDatabaseConfig(
  config: DatabaseConfig = {},
  env: NodeJS.ProcessEnv = process.env
): ResolvedDatabaseConfig {
  const url = config.url ?? env.AGOR_DB_URL ?? DEFAULT_DB_URL
  const authToken = config.authToken ?? env.AGOR_DB_AUTH_TOKEN ?? undefined
  const syncUrl = config.syncUrl ?? env.AGOR_DB_SYNC_URL ?? undefined
  const interval = config.syncInterval ?? numberOrUndefined(env.AGOR_DB_SYNC_INTERVAL)
  const busyTimeout = config.busyTimeout ?? DEFAULT_BUSY_TIMEOUT
  if (url === ':memory:' || url === 'file::memory:') {
    if (syncUrl) throw new Error('An embedded replica needs a local file, not :memory:')
    return { mode: 'memory', url: ':memory:', busyTimeout }
  }
  if (REMOTE.test(url)) {
    if (syncUrl) throw new Error(`An embedded replica needs a local file URL, got ${redact(url)}`)
    return { mode: 'remote', url, authToken, busyTimeout }
  }
  const path = localPath(url)
  if (!syncUrl) return { mode: 'file', url: `file:${path}`, path, authToken, busyTimeout }
  return {
    mode: 'replica',
    url: `file:${path}`,
    path,
    authToken,
    syncUrl: httpSyncUrl(syncUrl),
    syncInterval: interval ?? DEFAULT_SYNC_INTERVAL,
    busyTimeout
  }
}

/**
 * The primary's URL as the driver's replication wants it. It syncs over HTTP only: it refuses
 * `ws(s)://`, and it ignores `?tls=0`, so `libsql://host:port?tls=0` (a server without TLS, as
 * remote clients write it) becomes `http://host:port`, and `libsql://host` becomes `https://host`.
 */
export function httpSyncUrl(syncUrl: string): string {
  let url: URL
  try {
    url = new URL(syncUrl)
  } catch {
    throw new Error(`AGOR_DB_SYNC_URL must be a libsql://, https:// or http:// URL, got ${redact(syncUrl)}`)
  }
  const tls = url.searchParams.get('tls')
  const scheme = url.protocol.toLowerCase()
  let secure: boolean
  if (scheme === 'libsql:') secure = tls !== '0'
  else if (scheme === 'https:' || scheme === 'wss:') secure = true
  else if (scheme === 'http:' || scheme === 'ws:') secure = false
  else
    throw new Error(`AGOR_DB_SYNC_URL must be a libsql://, https:// or http:// URL, got ${redact(syncUrl)}`)
  const rest = [...url.searchParams.keys()].filter((key) => key !== 'tls')
  if (rest.length > 0) {
    throw new Error(`AGOR_DB_SYNC_URL takes no query parameters but tls=0 (got ${rest.join(', ')})`)
  }
  return `${secure ? 'https' : 'http'}://${url.host}${url.pathname === '/' ? '' : url.pathname}`
}

function numberOrUndefined(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`AGOR_DB_SYNC_INTERVAL must be a number of seconds, got ${value}`)
  return n
}

/** The absolute path of a `file:` URL or a plain path, with `~` expanded. */
export function localPath(url: string): string {
  let path = url.startsWith('file://') ? url.slice('file://'.length) : url.replace(/^file:/, '')
  if (path === '~' || path.startsWith('~/')) path = homedir() + path.slice(1)
  return resolve(path)
}

/** A URL safe to print: no credentials or query parameters. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '')
}

/**
 * Opens the driver client for a resolved configuration. A local file gets one connection: the
 * driver's calls are synchronous, so more connections buy no parallelism inside one process, and
 * with one connection the per-connection settings (see localPragmas) hold for every statement.
 * The Database class serialises transactions against other work on it.
 *
 * A replica's client is returned as the driver opens it: empty if new, not yet synced (see
 * replica.ts, which syncs it). It gets no local settings: the driver sends every statement that
 * is not a plain read, PRAGMAs included, to the primary, which enforces foreign keys itself.
 */
export async function openClient(config: ResolvedDatabaseConfig): Promise<Client> {
  if (config.mode === 'memory') return createClient({ url: ':memory:' })
  if (config.mode === 'remote') return createClient({ url: config.url, authToken: config.authToken })
  mkdirSync(dirname(config.path!), { recursive: true })
  if (config.mode === 'replica') {
    return createClient({
      url: config.url,
      syncUrl: config.syncUrl,
      authToken: config.authToken,
      syncInterval: config.syncInterval
    })
  }
  const client = createClient({ url: config.url, timeout: config.busyTimeout, concurrency: 1 })
  const mode = await client.execute('PRAGMA journal_mode')
  if (String(mode.rows[0]?.[0]).toLowerCase() !== 'wal') await client.execute('PRAGMA journal_mode = WAL')
  await applyLocalPragmas(client, config)
  return client
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
