/**
 * The limit: the fastest correct way to do each operation in Node on the same table and documents,
 * with a synchronous driver of the same engine: statements prepared once and reused, rows read as
 * arrays, inside one transaction where the operation has one (an array create: a reused one-row
 * INSERT per document, or one multi-row INSERT; a patch: read, then the write guarded by the
 * updated_at read). It does the same work as the store: every write records its change, through
 * the store's write views, which write a row and its change in one statement (the fastest way to
 * write both), and catches the search index up as often as the store does (every CATCH_UP_EVERY
 * documents written, in the transaction of the write that reaches it). It runs on `libsql` (the engine the store uses for local files) or on better-sqlite3;
 * a comparison takes the faster.
 */

import Libsql from 'libsql'
import { uuidv7 } from 'uuidv7'
import { DEFAULT_BUSY_TIMEOUT } from '../../../src/db/config.js'
import { PAGE_CACHE_KIB, WAL_AUTOCHECKPOINT_PAGES } from '../../../src/db/local.js'
import { collections } from '../../../src/schema/index.js'
import { searchIndex } from '../../../src/store/search-index.js'
import { CATCH_UP_EVERY } from '../../../src/store/search-upkeep.js'
import type { SessionFields } from '../documents.js'
import { loadBetterSqlite3 } from '../peer-modules.js'
import {
  BY_ID,
  BY_RANGE,
  COUNT,
  CREATE_ONE,
  createMany,
  type Doc,
  dataJsonOf,
  docOf,
  docOfValues,
  LIBRARY,
  NEWEST_PAGE,
  newDoc,
  newRow,
  only,
  type Page,
  patched,
  prefixRange,
  rewritten,
  type Side,
  UPDATE_ONE,
  updatedAtOf
} from './side.js'

/** The little of a synchronous driver (libsql, better-sqlite3: the same API) that the limit uses. */
export interface SyncStatement {
  run(...params: unknown[]): unknown
  get(...params: unknown[]): unknown
  all(...params: unknown[]): unknown[]
  raw(on?: boolean): SyncStatement
}

export interface SyncDatabase {
  prepare(sql: string): SyncStatement
  exec(sql: string): unknown
  close(): unknown
}

export type LimitDriver = 'libsql' | 'better-sqlite3'
/** An array create as one-row INSERTs in one transaction, or as one multi-row INSERT. */
export type ArrayMode = 'rows' | 'multi'

function openDriver(driver: LimitDriver, path: string, readonly: boolean): SyncDatabase {
  if (driver === 'libsql') return new Libsql(path, { readonly, timeout: DEFAULT_BUSY_TIMEOUT })
  const BetterSqlite3 = loadBetterSqlite3()
  return new BetterSqlite3(path, { readonly, timeout: DEFAULT_BUSY_TIMEOUT })
}

export interface LimitSide extends Side {
  /** The driver's connection, for statements of a scenario's own. */
  database: SyncDatabase
}

/**
 * The limit on the database file at `path`, with the store's connection settings (WAL,
 * synchronous=NORMAL, foreign keys on, the same page cache, checkpoint interval and busy timeout). A `readonly` one only
 * reads.
 */
export function openLimit(
  driver: LimitDriver,
  path: string,
  options: { readonly?: boolean; arrayMode?: ArrayMode } = {}
): LimitSide {
  const readonly = options.readonly ?? false
  const arrayMode = options.arrayMode ?? 'rows'
  const db = openDriver(driver, path, readonly)
  db.exec('PRAGMA foreign_keys = ON')
  db.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`)
  if (!readonly) db.exec('PRAGMA synchronous = NORMAL')
  if (!readonly) db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
  const statements = new Map<string, SyncStatement>()
  const prepared = (sql: string, raw = true) => {
    let statement = statements.get(sql)
    if (!statement) {
      statement = raw ? db.prepare(sql).raw(true) : db.prepare(sql)
      statements.set(sql, statement)
    }
    return statement
  }
  const atomically = <T>(begin: string, work: () => T): T => {
    prepared(begin, false).run()
    try {
      const result = work()
      prepared('COMMIT', false).run()
      return result
    } catch (error) {
      prepared('ROLLBACK', false).run()
      throw error
    }
  }
  // the search index's catch-up, as the store's writes carry it
  const catchUp = searchIndex(collections.sessions)?.catchUp ?? []
  let written = 0
  const due = (count: number): boolean => {
    written += count
    if (written < CATCH_UP_EVERY) return false
    written = 0
    return true
  }
  const catchingUp = () => {
    for (const sql of catchUp) prepared(sql, false).run()
  }
  /** A write of `count` documents: alone, or with the catch-up in one transaction when it is due. */
  const write = (count: number, statement: () => unknown) => {
    if (!due(count)) return void statement()
    atomically('BEGIN IMMEDIATE', () => {
      statement()
      catchingUp()
    })
  }
  // the rows a writable file starts with: writes add rows after them, which discard() removes
  const lastRow = readonly
    ? 0
    : Number((prepared('SELECT max(rowid) FROM "sessions"').get() as unknown[])[0] ?? 0)
  // and the changes: the writes' own, and the removals of what discard() removes
  const lastSeq = readonly
    ? 0
    : Number((prepared('SELECT coalesce(max(seq), 0) FROM "agor_changes"').get() as unknown[])[0])
  const multiLabel = arrayMode === 'multi' ? ' multi-row' : ''
  return {
    label: `${driver}${multiLabel}`,
    database: db,
    getWhole: (id) => docOfValues(prepared(BY_ID).get(id) as unknown[]),
    getPrefix(prefix) {
      const [lo, hi] = prefixRange(prefix)
      return docOfValues(only(prepared(BY_RANGE).all(lo, hi) as unknown[][], `limit get('${prefix}')`))
    },
    create(fields) {
      const id = uuidv7()
      const now = Date.now()
      write(1, () => prepared(CREATE_ONE, false).run([...newRow(id, now, fields), ...LIBRARY]))
      return newDoc(id, now, fields)
    },
    createMany(pool: readonly SessionFields[]): Doc[] {
      const now = Date.now()
      const ids = pool.map(() => uuidv7())
      if (arrayMode === 'multi') {
        const args = pool.flatMap((fields, k) => [...newRow(ids[k]!, now, fields), ...LIBRARY])
        write(pool.length, () => prepared(createMany(pool.length), false).run(args))
      } else {
        const insert = prepared(CREATE_ONE, false)
        atomically('BEGIN IMMEDIATE', () => {
          for (const [k, fields] of pool.entries()) insert.run([...newRow(ids[k]!, now, fields), ...LIBRARY])
          if (due(pool.length)) catchingUp()
        })
      }
      return pool.map((fields, k) => newDoc(ids[k]!, now, fields))
    },
    patch(id, sha) {
      const row = prepared(BY_ID).get(id) as unknown[] | undefined
      if (!row) throw new Error(`limit patch: no session ${id}`)
      const before = JSON.parse(dataJsonOf(row)) as Doc
      const data = patched(before, sha)
      const storedAt = updatedAtOf(row)
      const updated = Math.max(Date.now(), storedAt + 1)
      const was = (before.git_state as Doc | undefined)?.current_sha
      const undo = [
        [['git_state', 'current_sha'], was],
        [['updated_at'], new Date(storedAt).toISOString()]
      ]
      const values = rewritten(row, updated, JSON.stringify(data))
      const patch = JSON.stringify({ git_state: { current_sha: sha } })
      const args = [...values, ...LIBRARY, 'patched', patch, JSON.stringify(undo), storedAt]
      write(1, () => prepared(UPDATE_ONE, false).run(args))
      return docOf(values, data)
    },
    page: (): Page =>
      atomically('BEGIN', () => ({
        data: (prepared(NEWEST_PAGE).all() as unknown[][]).map(docOfValues),
        total: Number((prepared(COUNT).get() as unknown[])[0])
      })),
    discard() {
      prepared('DELETE FROM "sessions" WHERE rowid > ?', false).run(lastRow)
      prepared('DELETE FROM "agor_changes" WHERE seq > ?', false).run(lastSeq)
      // and the deleted rows' ids the search index's queue took, so that every sample starts on
      // an empty queue, as the first did
      catchingUp()
      // The WAL is copied back into the file here, between samples, rather than by whichever
      // side's commit happens to cross the autocheckpoint's mark inside a sample: the same pages
      // are written either way, but at random they made one side's sample pay for both.
      prepared('PRAGMA wal_checkpoint(TRUNCATE)', false).get()
    },
    close() {
      db.close()
    }
  }
}
