/**
 * Opens the libSQL client for each database mode: an embedded file (the default), memory, a remote
 * server (Turso or sqld), or an embedded replica that syncs with one.
 */
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, resolve } from 'node:path'
import { type Client, createClient } from '@libsql/client'

/** The default database: a file in the user's home folder. */
export const DEFAULT_DB_URL = 'file:~/.agor/agor.db'
/** How long a write waits for another connection's lock before it fails (ms). */
export const DEFAULT_BUSY_TIMEOUT = 10_000

/** Where the data lives. Every field falls back to its environment variable. */
export interface DatabaseConfig {
  /** `file:path`, a plain path, `:memory:`, or `libsql://`, `http(s)://`, `ws(s)://` (AGOR_DB_URL). */
  url?: string
  /** The token for a remote server or a replica's primary (AGOR_DB_AUTH_TOKEN). */
  authToken?: string
  /** Makes `url` (a file) an embedded replica of this primary (AGOR_DB_SYNC_URL). */
  syncUrl?: string
  /** Seconds between background syncs of a replica (AGOR_DB_SYNC_INTERVAL). */
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
  return {
    mode: syncUrl ? 'replica' : 'file',
    url: `file:${path}`,
    path,
    authToken,
    syncUrl: syncUrl || undefined,
    syncInterval: interval,
    busyTimeout
  }
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
 * Opens the driver client for a resolved configuration and puts the local settings in force:
 * WAL and the busy timeout on every connection of a file's pool (the driver's `timeout` option
 * is applied to each connection it opens, including the fresh ones after a transaction).
 */
export async function openClient(config: ResolvedDatabaseConfig): Promise<Client> {
  if (config.mode === 'memory') return createClient({ url: ':memory:' })
  if (config.mode === 'remote') return createClient({ url: config.url, authToken: config.authToken })
  mkdirSync(dirname(config.path!), { recursive: true })
  if (config.mode === 'replica') {
    const client = createClient({
      url: config.url,
      syncUrl: config.syncUrl,
      authToken: config.authToken,
      syncInterval: config.syncInterval
    })
    // A replica has one connection and the driver does not pass `timeout` to it: set it there.
    await client.execute(`PRAGMA busy_timeout = ${Math.trunc(config.busyTimeout)}`)
    return client
  }
  const client = createClient({ url: config.url, timeout: config.busyTimeout })
  const mode = await client.execute('PRAGMA journal_mode')
  if (String(mode.rows[0]?.[0]).toLowerCase() !== 'wal') await client.execute('PRAGMA journal_mode = WAL')
  await assertPragmas(client, config.busyTimeout)
  return client
}

/**
 * Reads back the per-connection settings the store relies on. libSQL enables foreign keys on every
 * connection it opens; a build that did not would silently drop our cascades, so refuse it.
 */
export async function assertPragmas(client: Client, busyTimeout: number): Promise<void> {
  const [fk, timeout] = await client.batch(['PRAGMA foreign_keys', 'PRAGMA busy_timeout'], 'read')
  if (Number(fk?.rows[0]?.[0]) !== 1) throw new Error('This libSQL build does not enable foreign keys')
  if (Number(timeout?.rows[0]?.[0]) !== Math.trunc(busyTimeout)) {
    throw new Error('The database connection did not take the busy timeout')
  }
}
