/**
 * Where the data lives: the database configuration with its defaults and environment variables
 * applied. Plain data, so that reading it loads no driver (the CLI needs it to find a daemon).
 */
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { setting } from '../env.js'

/** The default database: a file in the user's home folder. */
export const DEFAULT_DB_URL = 'file:~/.agor/agor.db'
/** How long a write waits for another connection's lock before it fails (ms). */
export const DEFAULT_BUSY_TIMEOUT = 10_000
/** Seconds between a replica's background syncs when AGOR_DB_SYNC_INTERVAL is not set (0 turns them off). */
export const DEFAULT_SYNC_INTERVAL = 60
/** Seconds a server or primary has to answer one call when AGOR_DB_TIMEOUT is not set. */
export const DEFAULT_REQUEST_TIMEOUT = 30

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
  /**
   * Seconds a remote server or a replica's primary has to answer one call (a request, a forwarded
   * write, a sync) before it fails with a 503 (AGOR_DB_TIMEOUT, default 30; 0: none): a server
   * that accepts connections but never answers would otherwise hold every call.
   */
  requestTimeout?: number
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
  /** Remote and replica modes: seconds a call to the server or primary may take. */
  requestTimeout?: number
}

const REMOTE = /^(libsql|https?|wss?):\/\//i

/**
 * A database URL that names no database this store would open as meant: refused before anything
 * is opened, so that a slip never makes a new file somewhere else. `source` is where it was given:
 * `url` (openStore's option, the CLI's --db) or `AGOR_DB_URL`.
 */
export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError'

  constructor(
    readonly source: 'url' | 'AGOR_DB_URL',
    readonly shown: string,
    readonly problem: string
  ) {
    super(`Invalid ${source} '${shown}': ${problem}`)
  }
}

/** Applies environment variables and defaults, and normalises local paths. */
export function resolveDatabaseConfig(
  config: DatabaseConfig = {},
  env: NodeJS.ProcessEnv = process.env
): ResolvedDatabaseConfig {
  const source = config.url !== undefined ? 'url' : 'AGOR_DB_URL'
  const url = config.url ?? setting('AGOR_DB_URL', env) ?? DEFAULT_DB_URL
  const authToken = config.authToken ?? setting('AGOR_DB_AUTH_TOKEN', env)
  const syncUrl = config.syncUrl ?? setting('AGOR_DB_SYNC_URL', env)
  const interval = config.syncInterval ?? seconds(env.AGOR_DB_SYNC_INTERVAL, 'AGOR_DB_SYNC_INTERVAL')
  const busyTimeout = config.busyTimeout ?? DEFAULT_BUSY_TIMEOUT
  if (url === ':memory:' || /^file::memory:$/i.test(url)) {
    if (syncUrl) throw new Error('An embedded replica needs a local file, not :memory:')
    return { mode: 'memory', url: ':memory:', busyTimeout }
  }
  const requestTimeout =
    config.requestTimeout ?? seconds(env.AGOR_DB_TIMEOUT, 'AGOR_DB_TIMEOUT') ?? DEFAULT_REQUEST_TIMEOUT
  if (REMOTE.test(url)) {
    if (syncUrl) throw new Error(`An embedded replica needs a local file URL, got ${redact(url)}`)
    return { mode: 'remote', url, authToken, busyTimeout, requestTimeout }
  }
  const path = localPathOf(url, source)
  if (!syncUrl) return { mode: 'file', url: `file:${path}`, path, authToken, busyTimeout }
  return {
    mode: 'replica',
    url: `file:${path}`,
    path,
    authToken,
    syncUrl: httpSyncUrl(syncUrl),
    syncInterval: interval ?? DEFAULT_SYNC_INTERVAL,
    busyTimeout,
    requestTimeout
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

function seconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of seconds, got ${value}`)
  return n
}

/**
 * The absolute path of a `file:` URL or a plain path, with `~` expanded. A plain path is taken as
 * it is. A `file:` URL is its path alone: no query or fragment (SQLite's `?mode=rw` would become
 * part of the file's name, a new file that no daemon claim or lookup knows as this database's) and
 * no host but `localhost` (`file://db/x` is not `./db/x`); either is a DatabaseUrlError.
 */
export function localPath(url: string): string {
  return localPathOf(url, 'url')
}

function localPathOf(url: string, source: DatabaseUrlError['source']): string {
  // a blank at either end is a slip of a copy or a quote (`AGOR_DB_URL=$'x.db\n'`), never a name
  if (url.trim() !== url)
    throw new DatabaseUrlError(
      source,
      redact(url.trim()),
      'it begins or ends with a blank: give the path alone'
    )
  let path = url
  const scheme = /^file:/i.exec(url)
  if (scheme) {
    path = url.slice(scheme[0].length)
    if (/[?#]/.test(path)) {
      throw new DatabaseUrlError(
        source,
        redact(url),
        "a file: URL takes no query or fragment (no parameter is read from it): give the file's path alone"
      )
    }
    if (path.startsWith('//')) {
      const end = path.indexOf('/', 2)
      const host = path.slice(2, end === -1 ? path.length : end)
      if (host !== '' && host.toLowerCase() !== 'localhost') {
        throw new DatabaseUrlError(
          source,
          redact(url),
          `a file: URL names a file of this machine, not of '${host}': file:/absolute/path, file:///absolute/path or file:relative/path`
        )
      }
      path = end === -1 ? '/' : path.slice(end)
    }
  }
  if (path === '~' || path.startsWith('~/')) path = homedir() + path.slice(1)
  return resolve(path)
}

/** A URL safe to print: no credentials or query parameters. */
export function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//').replace(/\?.*$/, '')
}
