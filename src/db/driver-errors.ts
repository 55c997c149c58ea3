/**
 * Turns the driver's failures into what the store and its users can act on. A server or primary
 * that cannot be reached, refuses the token, or allows only reads becomes a short, stable Feathers
 * error that names it; SQLite errors that an embedded replica's primary reports in its own format
 * become ordinary SQLite errors again, so that the store explains them as it does for a local file.
 * The driver's text (Rust debug output, backtraces) never leaves this module.
 */
import './quiet-driver.js'
import { FeathersError } from '@feathersjs/errors'
import {
  DatabaseAuthError,
  DatabaseBusyError,
  DatabaseFileError,
  DatabaseForbiddenError,
  DatabaseUnavailableError
} from '../errors.js'
import { type ResolvedDatabaseConfig, redact } from './config.js'
import { SqliteError } from './sqlite-codes.js'

/**
 * The SQLite code of a failure, if it has one (`SQLITE_CONSTRAINT_UNIQUE`, …): from the local
 * engine (SqliteError) or from @libsql/client (LibsqlError), which carry it the same way.
 */
export function driverCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const { code, extendedCode } = error as { code?: unknown; extendedCode?: unknown }
  if (typeof extendedCode === 'string' && extendedCode.startsWith('SQLITE_')) return extendedCode
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

/** Who answers for a database: the server of a remote database, or a replica's primary. */
export function serverOf(config: ResolvedDatabaseConfig): string {
  if (config.mode === 'replica') return `The primary database at ${config.syncUrl}`
  return `The database server at ${redact(config.url)}`
}

const BUSY = /^SQLITE_(BUSY|LOCKED)/
/** Node's and undici's codes for a connection that could not be made or was lost. */
const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_\w+)$/
/** How a replica's driver reports a primary it cannot reach. */
const REPLICA_UNREACHABLE =
  /^WriteDelegation\(status: (Unavailable|DeadlineExceeded|Cancelled)|^Replication\(PrimaryHandshakeTimeout\)|^sync error: error trying to connect|error trying to connect: (tcp connect|dns)/
/**
 * How a replica's driver reports a connection to the primary that broke while a call was under way
 * (the primary stopped or restarted): the write may have been committed or not.
 */
const REPLICA_LOST =
  /^(WriteDelegation\(status: Unknown|Replication\(Client\()[\s\S]*(connection closed|connection reset|IncompleteMessage|broken pipe|os error (32|103|104))/i
const TLS_MISMATCH = /corrupt message of type InvalidContentType|^ERR_SSL_|wrong version number/i
/** An SQL error that a replica's primary reported for a forwarded write. */
const REMOTE_SQLITE = /RemoteSqliteFailure\((-?\d+), (-?\d+), "((?:[^"\\]|\\.)*)"\)/
const HTTP_STATUS = /Server returned HTTP status (\d{3})/
/** How a replica's driver reports its local copy as damaged, or as no database, when it applies frames to it. */
const LOCAL_DAMAGE = /database disk image is malformed|SQLITE_CORRUPT/
const LOCAL_NOT_A_DATABASE = /file is not a database|SQLITE_NOTADB/

/** A call on a client that was closed meanwhile (the store was closed, or the connection replaced). */
const CLOSED = /(Client|Stream) was manually closed|client is closed/i

/** What a write that got no answer says: it may have been applied. */
export const WRITE_IN_DOUBT = ': a write may or may not have been applied; read it back before trying again'

/**
 * The error to throw for a driver failure: a Feathers error for what is not the request's fault,
 * an ordinary SQLite error for what a replica's primary refused, the error itself otherwise.
 * `write`: the call may have written, so a connection lost under it leaves the write in doubt.
 */
export function translate(error: unknown, config: ResolvedDatabaseConfig, write = true): unknown {
  const code = driverCode(error)
  if (code && BUSY.test(code)) return new DatabaseBusyError()
  if (!(error instanceof Error) || error instanceof FeathersError) return error
  if (config.mode === 'file') return explainOpenError(config.path!, error)
  if (config.mode === 'memory') return error
  const server = serverOf(config)
  const message = error.message
  const status = Number(HTTP_STATUS.exec(message)?.[1] ?? 0)
  const grpc = /^WriteDelegation\(status: (\w+)/.exec(message)?.[1]
  if (status === 401 || grpc === 'Unauthenticated') {
    return new DatabaseAuthError(
      `${server} refused the auth token (AGOR_DB_AUTH_TOKEN is missing, invalid or expired)`
    )
  }
  if (status === 403 || grpc === 'PermissionDenied') {
    return new DatabaseForbiddenError(
      `${server} refused a write: the auth token (AGOR_DB_AUTH_TOKEN) only allows reads`
    )
  }
  if (causes(error).some((c) => TLS_MISMATCH.test(c))) {
    return new DatabaseUnavailableError(
      `${server} did not answer over TLS; for a server without TLS use http://host:port or libsql://host:port?tls=0`
    )
  }
  if (error.name === 'TimeoutError' && config.requestTimeout) {
    return new DatabaseUnavailableError(
      `${server} did not answer within ${config.requestTimeout} s (AGOR_DB_TIMEOUT)${write ? WRITE_IN_DOUBT : ''}`
    )
  }
  if (isUnreachable(error, status)) return new DatabaseUnavailableError(`${server} is unreachable`)
  if (REPLICA_LOST.test(message)) {
    return new DatabaseUnavailableError(`${server} went away during the call${write ? WRITE_IN_DOUBT : ''}`)
  }
  if (CLOSED.test(message))
    return new DatabaseUnavailableError(`${server}: the connection was closed during the call`)
  const remote = REMOTE_SQLITE.exec(message)
  if (remote) return new SqliteError(remote[3]!.replace(/\\(.)/g, '$1'), Number(remote[2]))
  // the primary's own damage arrives as a RemoteSqliteFailure above: this is the local copy's
  if (config.mode === 'replica') {
    if (LOCAL_NOT_A_DATABASE.test(message)) return new DatabaseFileError(config.path!, 'not-a-database')
    if (LOCAL_DAMAGE.test(message)) return new DatabaseFileError(config.path!, 'damaged')
  }
  return withoutBacktrace(error)
}

/**
 * What a failure of the local database file `path` means, in words: a file that is not a
 * database, a damaged one, or one (or a folder) this process may not write. Other errors pass
 * unchanged.
 */
export function explainOpenError(path: string, error: unknown): unknown {
  const damage = explainDamage(path, error)
  if (damage !== error) return damage
  const code = error instanceof SqliteError ? error.code : ''
  if (/^SQLITE_(CANTOPEN|PERM|READONLY|AUTH)/.test(code)) return new DatabaseFileError(path, 'permission')
  if (error instanceof Error && /^ConnectionFailed\(.*: 14\)$/.test(error.message)) {
    // SQLITE_CANTOPEN at open, after prepareLocalFile found the file usable: the folder refuses
    // the -wal and -shm files next to it
    return new DatabaseFileError(path, 'permission')
  }
  return error
}

/**
 * A failure that says the local file `path` is damaged, or is no database, as a DatabaseFileError;
 * other errors pass unchanged. (A replica's read-only copy refuses writes as SQLITE_READONLY, which
 * means "send it to the primary" there, not a permission problem: it gets this, not explainOpenError.)
 */
export function explainDamage(path: string, error: unknown): unknown {
  // the primary code: the engine's extended codes are not always named (UNKNOWN_SQLITE_ERROR_1544)
  const code = error instanceof SqliteError ? error.code : ''
  if (code.startsWith('SQLITE_NOTADB')) return new DatabaseFileError(path, 'not-a-database')
  if (code.startsWith('SQLITE_CORRUPT')) return new DatabaseFileError(path, 'damaged')
  return error
}

/** True for an SQL error that a replica's primary reported (the replica's copy may be behind). */
export function refusedByPrimary(error: unknown): boolean {
  return error instanceof Error && REMOTE_SQLITE.test(error.message)
}

function isUnreachable(error: Error, status: number): boolean {
  if (status === 502 || status === 503 || status === 504) return true
  if (REPLICA_UNREACHABLE.test(error.message)) return true
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true
  if ((error as { code?: unknown }).code === 'HRANA_WEBSOCKET_ERROR') return true
  return causes(error).some((c) => NETWORK_CODES.test(c)) || error.message === 'fetch failed'
}

/** The codes and messages along an error's `cause` chain. */
function causes(error: Error): string[] {
  const found: string[] = []
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') found.push(code)
    found.push(current.message)
    current = current.cause
  }
  return found
}

/** The error without the cause chain and Rust backtrace that a replica's driver appends to its message. */
function withoutBacktrace(error: Error): Error {
  const cut = error.message.search(/\n\s*(Caused by:|Stack backtrace:)/)
  return cut < 0 ? error : new Error(error.message.slice(0, cut))
}
