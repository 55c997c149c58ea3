/**
 * The daemon record: how a process finds a daemon that serves the same database file (a CLI, to go
 * through it; a library, not to upgrade the file under it).
 *
 * `agor serve` writes `<absolute database path>.daemon.json` (mode 0600) once it listens, holding
 * `{ pid, url, dbPath, fileId, startedAt }` (and `apiKey` when the daemon requires one), and removes
 * it when it stops. One file can have several names that no path arithmetic relates (hard links),
 * so the record is also kept under the file's identity (device and inode, `fileId`) in the user's
 * `~/.agor/daemons/`: any name of the file finds it there. A record whose process is gone is
 * ignored; so is one copied along with its database to another place (another inode).
 */
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, dirname, join } from 'node:path'

export interface DaemonRecord {
  pid: number
  /** Where the daemon listens: `http://127.0.0.1:3030`. */
  url: string
  /** The absolute path of the database file it serves, as the daemon names it (for messages). */
  dbPath: string
  /** The file's device and inode (`<dev>:<ino>`): what makes two paths one database. */
  fileId?: string
  startedAt: string
  /** An API key of the daemon when it requires one (AGOR_API_KEY), for CLIs of the same user. */
  apiKey?: string
}

/**
 * The real path of a database file, whatever path names it (a symlink, `./x/../agor.db`, a
 * symlinked folder): where its record lives next to it, and what messages name.
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

/** The device and inode of a file, which every name of it shares (hard links too); none when it is not there. */
export function fileIdOf(path: string): string | undefined {
  try {
    const { dev, ino } = statSync(path, { bigint: true })
    return `${dev}:${ino}`
  } catch {
    return undefined
  }
}

/** The user's folder of records kept by file identity. */
export function registryDir(): string {
  return join(homedir(), '.agor', 'daemons')
}

export function registryPath(fileId: string): string {
  return join(registryDir(), `${fileId.replace(':', '-')}.json`)
}

export function recordPath(dbPath: string): string {
  return `${realDbPath(dbPath)}.daemon.json`
}

function writeAtomically(path: string, record: DaemonRecord): void {
  // a reader never sees half of it; readable by its owner only (it may hold an API key)
  const temporary = `${path}.${record.pid}.tmp`
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
  renameSync(temporary, path)
}

/**
 * Writes the record next to the database, and under the file's identity in the user's registry
 * (best effort: without a writable home, only names that lead to the same real path find it).
 * Returns what removes them both, if they are still this record's.
 */
export function writeDaemonRecord(record: Omit<DaemonRecord, 'fileId'>): () => void {
  const fileId = fileIdOf(record.dbPath)
  const written: DaemonRecord = { ...record, ...(fileId ? { fileId } : {}) }
  const paths = [recordPath(record.dbPath)]
  writeAtomically(paths[0]!, written)
  if (fileId) {
    try {
      mkdirSync(registryDir(), { recursive: true, mode: 0o700 })
      writeAtomically(registryPath(fileId), written)
      paths.push(registryPath(fileId))
    } catch {
      // the record next to the database still serves every path that resolves to it
    }
  }
  return () => {
    for (const path of paths) {
      const found = recordAt(path)
      if (found?.pid === record.pid && found.startedAt === record.startedAt) rmSync(path, { force: true })
    }
  }
}

/** The record a file holds, if it is one. */
function recordAt(path: string): DaemonRecord | undefined {
  let parsed: Partial<DaemonRecord>
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
  const valid =
    Number.isSafeInteger(parsed.pid) &&
    typeof parsed.url === 'string' &&
    typeof parsed.dbPath === 'string' &&
    (parsed.fileId === undefined || typeof parsed.fileId === 'string') &&
    typeof parsed.startedAt === 'string' &&
    (parsed.apiKey === undefined || typeof parsed.apiKey === 'string')
  return valid ? (parsed as DaemonRecord) : undefined
}

/**
 * The records of daemons on the file `dbPath` names (next to it, then under its identity), each
 * for this very file: a record copied with its database elsewhere names another inode.
 */
export function readDaemonRecords(dbPath: string): DaemonRecord[] {
  const fileId = fileIdOf(dbPath)
  const places = [recordPath(dbPath), ...(fileId ? [registryPath(fileId)] : [])]
  const records: DaemonRecord[] = []
  for (const place of places) {
    const record = recordAt(place)
    if (!record || records.some((r) => r.pid === record.pid && r.startedAt === record.startedAt)) continue
    const same = record.fileId
      ? record.fileId === fileId
      : record.dbPath === dbPath || realDbPath(record.dbPath) === realDbPath(dbPath)
    if (same) records.push(record)
  }
  return records
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
