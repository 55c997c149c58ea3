/**
 * Benchmark data sets: `sessions` tables of about 1 KB documents (documents.ts) whose ids are
 * canonical UUIDv7s spread over 90 days, a tenth of them made by array creates (one created_at per
 * array), plus a burst of array creates within one second (dataset-ids.ts). Rows are written with
 * prepared multi-row INSERTs straight through the engine (`libsql`), never through the store under
 * test; only the schema comes from our migrations, so that the store opens the file as one of its
 * own. Built files are cached by content hash, so a second run (and every scenario) reuses them.
 */
import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Client, createClient } from '@libsql/client'
import Database from 'libsql'
import { migrate } from '../../src/db/migrate.js'
import {
  BURST_SIZE,
  chooseSamples,
  type DatasetIds,
  datasetIds,
  randomBelow,
  type Samples,
  seededRandom
} from './dataset-ids.js'
import { STATUSES, sessionFields } from './documents.js'
import { COLUMN_LIST, COLUMNS, rowValues } from './sides/side.js'

const ROWS_PER_INSERT = 1000
const ROWS_PER_TRANSACTION = 20_000

export const CACHE_DIR = join(tmpdir(), 'agor-bench-cache')

/** A `sessions` row for `id`, in the benchmark's column order (sides/side.ts, the store's). */
export function sessionRow(id: string, i: number, random: () => number, createdAt: number) {
  const status = STATUSES[randomBelow(random, STATUSES.length)]!
  return rowValues(id, status, createdAt, createdAt, JSON.stringify(sessionFields(i, random))) as (
    | string
    | number
    | null
  )[]
}

/** `INSERT INTO sessions (...) VALUES (...), (...)` for `rows` rows. */
export function multiRowInsert(rows: number): string {
  const one = `(${COLUMNS.map(() => '?').join(', ')})`
  return `INSERT INTO "sessions" (${COLUMN_LIST}) VALUES ${new Array(rows).fill(one).join(', ')}`
}

export interface Dataset {
  path: string
  size: number
  burst: number
  samples: Samples
}

/** The rows of a data set, ROWS_PER_INSERT at a time (the last chunk may be shorter). */
function* rowChunks(made: DatasetIds, seed: number): Generator<(string | number | null)[][]> {
  const random = seededRandom(seed ^ 0xda7a)
  for (let start = 0; start < made.ids.length; start += ROWS_PER_INSERT) {
    const end = Math.min(made.ids.length, start + ROWS_PER_INSERT)
    const rows = []
    for (let i = start; i < end; i++) rows.push(sessionRow(made.ids[i]!, i, random, made.createdAt[i]!))
    yield rows
  }
}

/** Writes a data set's rows through an open @libsql/client (a remote server), in batches. */
export async function insertSessions(client: Client, made: DatasetIds, seed: number): Promise<void> {
  const statements = []
  for (const rows of rowChunks(made, seed)) {
    statements.push({ sql: multiRowInsert(rows.length), args: rows.flat() })
    if (statements.length * ROWS_PER_INSERT >= ROWS_PER_TRANSACTION)
      await client.batch(statements.splice(0), 'write')
  }
  if (statements.length) await client.batch(statements, 'write')
}

// sides/side.ts: the columns and values of a row
const SOURCES = ['datasets.ts', 'dataset-ids.ts', 'documents.ts', 'sides/side.ts'].map((file) =>
  fileURLToPath(new URL(`./${file}`, import.meta.url))
)
// every migration: a data set is built with all of them, and a new one changes its schema
const DRIZZLE = fileURLToPath(new URL('../../drizzle/', import.meta.url))
const MIGRATIONS = readdirSync(DRIZZLE)
  .filter((file) => file.endsWith('.sql'))
  .sort()
  .map((file) => join(DRIZZLE, file))

function cacheKey(size: number, burst: number, seed: number): string {
  const hash = createHash('sha256')
  for (const source of [...SOURCES, ...MIGRATIONS]) hash.update(readFileSync(source))
  hash.update(`${size}/${burst}/${seed}`)
  return hash.digest('hex').slice(0, 12)
}

/** The ids of the data set of `size` sessions (the same as its file holds). */
export function datasetIdsOf(size: number, seed = 42): DatasetIds {
  return datasetIds(size, Math.min(BURST_SIZE, Math.floor(size / 2)), seed)
}

/**
 * The data set of `size` sessions: built on first use, then read from the cache. The file is
 * opened by the scenarios, which must not write to it (writes go to copies).
 */
export async function sessionsDataset(
  size: number,
  options: { fresh?: boolean; log?: (line: string) => void } = {}
): Promise<Dataset> {
  const seed = 42
  const burst = Math.min(BURST_SIZE, Math.floor(size / 2))
  const base = join(CACHE_DIR, `sessions-${size}-${cacheKey(size, burst, seed)}`)
  const path = `${base}.db`
  const samplesFile = `${base}.json`
  if (!options.fresh && existsSync(path) && existsSync(samplesFile)) {
    return { path, size, burst, samples: JSON.parse(readFileSync(samplesFile, 'utf8')) as Samples }
  }
  mkdirSync(CACHE_DIR, { recursive: true })
  const started = performance.now()
  const made = datasetIds(size, burst, seed)
  const building = `${base}.building-${process.pid}.db`
  await buildFile(building, made, seed)
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
  renameSync(building, path)
  const samples = chooseSamples(made.ids, burst, seed)
  writeFileSync(samplesFile, JSON.stringify(samples))
  removeOtherVersions(size, basename(base))
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  options.log?.(`built ${size.toLocaleString('en')} sessions in ${seconds} s (${path})`)
  return { path, size, burst, samples }
}

/** Removes the cached data sets of `size` that older code built (they differ in their hash). */
function removeOtherVersions(size: number, keep: string): void {
  for (const file of readdirSync(CACHE_DIR)) {
    if (file.startsWith(`sessions-${size}-`) && !file.startsWith(keep))
      rmSync(join(CACHE_DIR, file), { force: true })
  }
}

/** A new database file at `path` (what was there is removed), in WAL mode, with every migration. */
export async function migratedFile(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
  const client = createClient({ url: `file:${path}`, concurrency: 1 })
  try {
    await client.execute('PRAGMA journal_mode = WAL')
    await migrate(client)
  } finally {
    client.close()
  }
}

async function buildFile(path: string, made: DatasetIds, seed: number): Promise<void> {
  await migratedFile(path)
  const db = new Database(path)
  try {
    // Only the build skips fsync; the scenarios open the file with the store's own settings.
    db.exec('PRAGMA synchronous = OFF')
    const full = db.prepare(multiRowInsert(ROWS_PER_INSERT))
    let inTransaction = 0
    db.exec('BEGIN')
    for (const rows of rowChunks(made, seed)) {
      const args = rows.flat()
      if (rows.length === ROWS_PER_INSERT) full.run(args)
      else db.prepare(multiRowInsert(rows.length)).run(args)
      inTransaction += rows.length
      if (inTransaction >= ROWS_PER_TRANSACTION) {
        db.exec('COMMIT')
        db.exec('BEGIN')
        inTransaction = 0
      }
    }
    db.exec('COMMIT')
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  rmSync(`${path}-wal`, { force: true })
  rmSync(`${path}-shm`, { force: true })
}

/**
 * Reads a data set's file once, so that the system keeps it in its cache: a file that other work
 * pushed out would be read from disk by whichever contender touched each page first, and the
 * kernel's time for that counts in that contender's CPU time (at 1m, gets by id of the store, the
 * first contender, were 1.6x the limit's instead of 1.35x).
 */
export function keepInSystemCache(path: string): void {
  const buffer = Buffer.allocUnsafe(1 << 20)
  const fd = openSync(path, 'r')
  try {
    while (readSync(fd, buffer, 0, buffer.length, null) > 0);
  } finally {
    closeSync(fd)
  }
}
