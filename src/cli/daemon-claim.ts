/**
 * One daemon per database file, also when several start at the same moment. Looking for a running
 * daemon and then writing a record once listening leaves a gap in which every starter finds none,
 * so `agor serve` first claims the record's places (before it opens the database; in a folder that
does not exist yet, once opening the database has made it) (`<database>.daemon.json`, and its copy under
 * the file's identity when the file exists) by creating them atomically: a hard link of a file
 * that already holds the claim (`{ pid, dbPath, startedAt }`, no `url` yet, so CLIs ignore it and
 * use the file until the daemon listens), which fails when the place is taken. The daemon then
 * writes its full record over its own claim, and removes it when it stops.
 *
 * A claim whose process is gone (a daemon that crashed or was killed) is stale, and so is a full
 * record whose daemon no longer answers: it is taken over under a takeover lock, which makes sure
 * that of several starters that saw the same stale claim, only one removes it, and never the claim
 * that a faster one put in its place.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileIdOf, isAlive, recordPath, registryDir, registryPath } from '../daemon-records.js'
import { findDaemon } from './daemon.js'

/** What a place held when it could not be claimed: the daemon that holds it. */
export interface ClaimHolder {
  pid: number
  /** Where it listens; none while it is starting. */
  url?: string
  dbPath?: string
}

export interface DaemonClaim {
  /** Removes the claims (or the records written over them) that are still this daemon's. */
  release(): void
}

interface Claimed {
  pid: number
  dbPath: string
  startedAt: string
}

/** What `path` holds; undefined when it is not there (it was released meanwhile). */
function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

function holderIn(text: string): (ClaimHolder & { startedAt: string }) | undefined {
  let parsed: { pid?: unknown; url?: unknown; dbPath?: unknown; startedAt?: unknown }
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!Number.isSafeInteger(parsed.pid) || typeof parsed.startedAt !== 'string') return undefined
  return {
    pid: Number(parsed.pid),
    startedAt: parsed.startedAt,
    ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}),
    ...(typeof parsed.dbPath === 'string' ? { dbPath: parsed.dbPath } : {})
  }
}

/** Whether the holder still holds: its process lives and, once it listens, it answers. */
async function holds(holder: ClaimHolder | undefined, dbPath: string): Promise<boolean> {
  if (!holder || !isAlive(holder.pid)) return false
  if (holder.url === undefined) return true
  // a record left by a daemon whose pid another process now has is stale: it does not answer
  return (await findDaemon(holder.dbPath ?? dbPath)).record?.pid === holder.pid
}

/** Creates `path` holding `text`, atomically; false when something is there already. */
function createExclusively(path: string, text: string): boolean {
  const temporary = `${path}.${process.pid}.claim`
  writeFileSync(temporary, text, { mode: 0o600 })
  try {
    linkSync(temporary, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    // no hard links on this file system: exclusive creation, with a moment in which it is empty
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error
    try {
      writeFileSync(path, text, { mode: 0o600, flag: 'wx' })
      return true
    } catch (fallback) {
      if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw fallback
    }
  } finally {
    rmSync(temporary, { force: true })
  }
}

/** Removes the stale claim `seen` at `path`, unless another starter got to it first. */
async function takeOver(path: string, seen: string): Promise<void> {
  const lock = `${path}.takeover`
  if (!createExclusively(lock, `${process.pid}\n`)) {
    const owner = Number.parseInt(read(lock) ?? '', 10)
    // a starter that died while taking over would hold the lock for ever
    if (Number.isSafeInteger(owner) && !isAlive(owner)) rmSync(lock, { force: true })
    else await sleep(5)
    return
  }
  try {
    // only the lock's holder removes a stale claim, so what is still `seen` here stays so
    if (read(path) === seen) rmSync(path, { force: true })
  } finally {
    rmSync(lock, { force: true })
  }
}

/** Claims `path` for `claim`; the holder when a live daemon holds it. */
async function claimPlace(path: string, claim: Claimed): Promise<ClaimHolder | undefined> {
  const text = `${JSON.stringify(claim, null, 2)}\n`
  for (;;) {
    if (createExclusively(path, text)) return undefined
    const seen = read(path)
    if (seen === undefined) continue
    const holder = holderIn(seen)
    if (holder && (await holds(holder, claim.dbPath))) return holder
    await takeOver(path, seen)
  }
}

function releaser(paths: string[], claim: Claimed): () => void {
  return () => {
    for (const path of paths) {
      try {
        const holder = holderIn(read(path) ?? '')
        if (holder?.pid === claim.pid && holder.startedAt === claim.startedAt) rmSync(path, { force: true })
      } catch {
        // a place that cannot be read now is left as it is
      }
    }
  }
}

/**
 * Claims the database file `claim.dbPath` for this daemon, before it opens the database: returns
 * the claim, or the daemon that holds it already (then nothing is claimed).
 */
export async function claimDaemon(claim: Claimed): Promise<DaemonClaim | ClaimHolder> {
  const paths: string[] = []
  const release = releaser(paths, claim)
  const places = [recordPath(claim.dbPath)]
  const fileId = fileIdOf(claim.dbPath)
  if (fileId) {
    try {
      mkdirSync(registryDir(), { recursive: true, mode: 0o700 })
      places.push(registryPath(fileId))
    } catch {
      // without a writable home, the claim next to the database still stands for every path to it
    }
  }
  for (const place of places) {
    let holder: ClaimHolder | undefined
    try {
      holder = await claimPlace(place, claim)
    } catch {
      // a place that cannot be written (a read-only folder): opening the database says why, in words
      continue
    }
    if (holder) {
      release()
      return holder
    }
    paths.push(place)
  }
  return { release }
}
