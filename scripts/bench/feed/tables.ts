/**
 * The change feed's tables in a benchmark's copy of a data set, through a connection of the
 * benchmark's own (`libsql`, the store's engine): the feed a store would have written for the
 * documents already there, what the feed takes on disk, and the undoing of a sample's writes.
 */
import Libsql from 'libsql'
import { DEFAULT_BUSY_TIMEOUT } from '../../../src/db/config.js'
import { CHANGES_TABLE } from '../../../src/schema/changes.js'
import type { SyncDatabase } from '../sides/limit.js'

export function openFile(path: string): SyncDatabase {
  return new Libsql(path, { timeout: DEFAULT_BUSY_TIMEOUT })
}

const one = (db: SyncDatabase, sql: string) => Number((db.prepare(sql).raw(true).get() as unknown[])[0] ?? 0)

/**
 * Gives every session of the file the change its creation through the store would have left (the
 * data sets are written with plain INSERTs): a feed as large as the table, whose index every
 * write goes through.
 */
export function recordCreations(db: SyncDatabase): number {
  db.exec(`DELETE FROM ${CHANGES_TABLE}`)
  db.exec(
    `INSERT INTO ${CHANGES_TABLE} (collection, doc_id, event, at, actor, transport)
     SELECT 'sessions', session_id, 'created', created_at, 'library', 'library' FROM sessions ORDER BY created_at, session_id`
  )
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  return one(db, `SELECT count(*) FROM ${CHANGES_TABLE}`)
}

/** The changes in the file. */
export const changeCount = (db: SyncDatabase) => one(db, `SELECT count(*) FROM ${CHANGES_TABLE}`)

/** Bytes of the b-tree pages a table or index holds, and of the cells' content in them (dbstat). */
export interface Bytes {
  pages: number
  payload: number
}

/** What the feed takes: its tables and their indexes, overflow pages included. */
export function feedBytes(db: SyncDatabase): Bytes {
  const [pages, payload] = db
    .prepare(
      `SELECT sum(pgsize), sum(payload) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = '${CHANGES_TABLE}')`
    )
    .raw(true)
    .get() as [number, number]
  return { pages, payload }
}

/** What one session takes in its table (its row alone, no index), for scale. */
export function sessionRowBytes(db: SyncDatabase): Bytes {
  const [pages, payload, rows] = db
    .prepare(
      `SELECT sum(pgsize), sum(payload), (SELECT count(*) FROM sessions) FROM dbstat WHERE name = 'sessions'`
    )
    .raw(true)
    .get() as [number, number, number]
  return { pages: pages / rows, payload: payload / rows }
}

/**
 * Undoes what samples of writes added to the file as it is now: the sessions that creates added
 * and, on a file with a feed, the changes that the writes and this undoing left; then checkpoints
 * the WAL, as the writes item does between samples.
 */
export function discarder(path: string): { discard(): void; close(): void } {
  const db = openFile(path)
  const lastRow = one(db, 'SELECT max(rowid) FROM sessions')
  const lastSeq = one(db, `SELECT coalesce(max(seq), 0) FROM ${CHANGES_TABLE}`)
  const statements = [
    db.prepare('DELETE FROM sessions WHERE rowid > ?'),
    db.prepare(`DELETE FROM ${CHANGES_TABLE} WHERE seq > ?`)
  ]
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)')
  return {
    discard() {
      statements[0]!.run(lastRow)
      statements[1]!.run(lastSeq)
      checkpoint.get()
    },
    close: () => db.close()
  }
}
