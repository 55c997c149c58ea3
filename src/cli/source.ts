/**
 * Which daemon or database a command names: --url (or AGOR_URL when --db is not given) a daemon,
 * else --db (or AGOR_DB_URL, or the default file). Both are judged before anything is opened.
 */
import { DatabaseUrlError, type ResolvedDatabaseConfig, redact, resolveDatabaseConfig } from '../db/config.js'
import { setting } from '../env.js'
import { UsageError } from './errors.js'

export interface SourceOptions {
  /** --db: a database URL or path. */
  db?: string
  /** --url: a daemon's URL. */
  url?: string
  /** false with --no-daemon: never look for a daemon. */
  daemon?: boolean
  /** --workspace: the workspace to work in (default: `default`, or an API key's own). */
  workspace?: string
}

const DAEMON_SCHEMES = ['http:', 'https:', 'ws:', 'wss:']

/**
 * The URL of the daemon the options name, as the CLI's REST client wants it, or undefined when
 * they name a database. A socket.io URL (`ws://…`) names the same server over HTTP.
 */
export function daemonUrl(options: SourceOptions): string | undefined {
  const given = options.url ?? (options.db === undefined ? setting('AGOR_URL') : undefined)
  if (given === undefined) return undefined
  const source = options.url !== undefined ? '--url' : 'AGOR_URL'
  let url: URL | undefined
  try {
    url = new URL(given)
  } catch {}
  if (!url || !DAEMON_SCHEMES.includes(url.protocol) || !url.host) {
    const database = /^(libsql|file):/i.test(given) ? ' (a database goes to --db)' : ''
    throw new UsageError(
      `Invalid ${source} '${redact(given)}': expected a daemon's http(s):// or ws(s):// URL, such as http://127.0.0.1:3030${database}`
    )
  }
  // the REST client appends the service path and sends no credentials from a URL
  if (url.username || url.password || url.search || url.hash) {
    throw new UsageError(
      `Invalid ${source} '${redact(given)}': a daemon's URL takes no credentials or query (an API key goes in AGOR_API_KEY)`
    )
  }
  // the services live at the server's root: a path would be taken for a service and its id
  // (`/sessions` → `Invalid id "sessions"`)
  if (url.pathname.replace(/\/+$/, '') !== '') {
    throw new UsageError(
      `Invalid ${source} '${redact(given)}': a daemon's URL has no path, only its address, such as http://127.0.0.1:3030`
    )
  }
  const secure = url.protocol === 'https:' || url.protocol === 'wss:'
  return `${secure ? 'https' : 'http'}://${url.host}`
}

/**
 * A database URL that names no database as meant (a `file:` URL with a query), refused by the
 * library wherever the CLI hands it over, as the usage error of the flag (`--db` unless told) or
 * variable that gave it; any other error as it is.
 */
export function asSourceUsage(error: unknown, flag = '--db'): unknown {
  if (!(error instanceof DatabaseUrlError)) return error
  const named = error.source === 'url' ? flag : error.source
  return new UsageError(`Invalid ${named} '${error.shown}': ${error.problem}`, { brief: true })
}

/**
 * The database the options name. A memory database is refused: it would live as long as the
 * command, and everything written to it would be lost with it (`agor serve` alone may serve one).
 */
export function databaseConfig(db: string | undefined, flag = '--db'): ResolvedDatabaseConfig {
  let config: ResolvedDatabaseConfig
  try {
    config = resolveDatabaseConfig({ url: db })
  } catch (error) {
    throw asSourceUsage(error, flag)
  }
  if (config.mode === 'memory') {
    const named = db !== undefined ? `${flag} ${db}` : `AGOR_DB_URL=${setting('AGOR_DB_URL')}`
    throw new UsageError(
      `${named} is a memory database, gone when the command ends: give a database file or server (only agor serve takes a memory database)`
    )
  }
  return config
}

/**
 * The daemon or database the options name, and the workspace, as a key (the shell completion's
 * memory of the last lists is kept per database and workspace): a daemon's URL, a local file's
 * path, or a server's URL without credentials; ` workspace <name>` after it unless in `default`.
 */
export function sourceKey(options: SourceOptions): string {
  const url = daemonUrl(options)
  const config = url ? undefined : databaseConfig(options.db)
  const source = url ?? config?.path ?? redact(config!.url)
  return options.workspace === undefined ? source : `${source} workspace ${options.workspace}`
}
