/**
 * The daemon record: how a CLI finds a daemon that serves the same database file, so that its
 * writes go through the daemon and its websocket clients see them.
 *
 * `agor serve` writes `<absolute database path>.daemon.json` (mode 0600) once it listens, holding
 * `{ pid, url, dbPath, startedAt }` (and `apiKey` when the daemon requires one), and removes it when
 * it stops. A record whose process is gone, or whose daemon does not answer `GET /health` quickly,
 * is ignored; so is one copied along with its database to another place.
 */
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { AgorClient, ConnectOptions } from '../client.js'
import { namedKey } from '../service/auth-options.js'

export interface DaemonRecord {
  pid: number
  /** Where the daemon listens: `http://127.0.0.1:3030`. */
  url: string
  /** The absolute path of the database file it serves. */
  dbPath: string
  startedAt: string
  /** An API key of the daemon when it requires one (AGOR_API_KEY), for CLIs of the same user. */
  apiKey?: string
}

/** How long a daemon may take to answer the health check before the CLI goes to the file itself. */
export const HEALTH_TIMEOUT_MS = 2000

/**
 * The real path of a database file, whatever path names it (a symlink, `./x/../agor.db`, a
 * symlinked folder): one file has one daemon record, so a second daemon on it is noticed.
 */
export function realDbPath(dbPath: string): string {
  try {
    return realpathSync(dbPath)
  } catch {
    try {
      return join(realpathSync(dirname(dbPath)), basename(dbPath))
    } catch {
      return dbPath
    }
  }
}

export function recordPath(dbPath: string): string {
  return `${realDbPath(dbPath)}.daemon.json`
}

/** Writes the record atomically (a reader never sees half of it), readable by its owner only. */
export function writeDaemonRecord(record: DaemonRecord): string {
  const path = recordPath(record.dbPath)
  const temporary = `${path}.${record.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
  renameSync(temporary, path)
  return path
}

export function readDaemonRecord(dbPath: string): DaemonRecord | undefined {
  let parsed: Partial<DaemonRecord>
  try {
    parsed = JSON.parse(readFileSync(recordPath(dbPath), 'utf8'))
  } catch {
    return undefined
  }
  const valid =
    Number.isSafeInteger(parsed.pid) &&
    typeof parsed.url === 'string' &&
    typeof parsed.dbPath === 'string' &&
    sameFile(parsed.dbPath, dbPath) &&
    typeof parsed.startedAt === 'string' &&
    (parsed.apiKey === undefined || typeof parsed.apiKey === 'string')
  return valid ? (parsed as DaemonRecord) : undefined
}

function sameFile(a: string, b: string): boolean {
  return a === b || realDbPath(a) === realDbPath(b)
}

/** Removes the record of `dbPath` if it is the one process `pid` wrote. */
export function removeDaemonRecord(dbPath: string, pid = process.pid): void {
  if (readDaemonRecord(dbPath)?.pid === pid) rmSync(recordPath(dbPath), { force: true })
}

/** True while process `pid` exists (EPERM: it exists, but belongs to someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function answers(url: string, timeout: number): Promise<boolean> {
  try {
    const response = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(timeout) })
    await response.body?.cancel()
    return response.ok
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
  const record = readDaemonRecord(dbPath)
  if (!record || !isAlive(record.pid)) return {}
  return (await answers(record.url, timeout)) ? { record } : { unresponsive: record }
}

/** The first key of AGOR_API_KEY (which may list several, comma-separated, each maybe `name:key`). */
export function apiKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const first = env.AGOR_API_KEY?.split(',')[0]?.trim()
  return first ? namedKey(first).key : undefined
}

/**
 * The options of every connection the CLI makes to a daemon: REST (one-shot commands need no
 * socket; the daemon publishes events to its websocket clients either way) and an API key: the
 * one in the daemon's record, else AGOR_API_KEY's.
 */
export function connectOptions(record?: DaemonRecord, env: NodeJS.ProcessEnv = process.env): ConnectOptions {
  const apiKey = record?.apiKey ?? apiKeyFromEnv(env)
  return { transport: 'rest', ...(apiKey ? { apiKey } : {}) }
}

/** Connects to the daemon at `url` (found through a record, or named by --url / AGOR_URL). */
export async function connectDaemon(url: string, options: ConnectOptions): Promise<AgorClient> {
  const { connect } = await import('../client.js')
  return connect(url, options)
}
