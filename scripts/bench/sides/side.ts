/**
 * A side of the benchmark: one way to do the operations on a database of sessions, whether through
 * agor-store, through a driver at its fastest (the limit), or through a stack that users pick
 * instead (the peers). Every side does the same work: it returns the documents in the store's API
 * shape (`{ session_id, status, created_at, updated_at, …data }`, ISO timestamps), and a create
 * makes its own ids and JSON inside the timed operation, as its user would.
 */
import { sessions } from '../../../src/schema/sessions.js'
import { rowMapper } from '../../../src/store/row.js'
import type { SessionFields } from '../documents.js'

export type Doc = Record<string, unknown>

/** A page of documents with the exact number of matches. */
export interface Page {
  total: number
  data: Doc[]
}

/** What a side returns: a value, or a promise of it (the drivers of a local file are synchronous). */
export type Maybe<T> = T | Promise<T>

export interface Side {
  readonly label: string
  /** The document with this whole id. */
  getWhole(id: string): Maybe<Doc>
  /** The one document whose id starts with this prefix (an 8-digit short id). */
  getPrefix(prefix: string): Maybe<Doc>
  create(fields: SessionFields): Maybe<Doc>
  /** An array create: every document in one call (and one created_at). */
  createMany(fields: readonly SessionFields[]): Maybe<Doc[]>
  /** Patches one nested field, `git_state.current_sha`, and returns the whole document. */
  patch(id: string, sha: string): Maybe<Doc>
  /** The newest 50 sessions (created_at, then id, descending) with the exact total. */
  page(): Maybe<Page>
  /**
   * Removes the documents that writes added since the side opened, and checkpoints the WAL
   * (untimed, between samples).
   */
  discard?(): Maybe<void>
  close(): Maybe<void>
}

/**
 * The columns of a sessions row as the store reads and writes them (`rowMapper(sessions).columns`,
 * src/store/row.ts): the id, the status, the timestamps, the key columns (relations, in their
 * definition order) and `data`. The store names its columns in every statement, and so does every
 * side here: their order in the table (`PRAGMA table_info`) does not matter. This is the one place
 * that knows the layout; every side, and the data sets, follow it.
 */
export const COLUMNS = [
  'session_id',
  'status',
  'created_at',
  'updated_at',
  'parent_session_id',
  'forked_from_session_id',
  'worktree_id',
  'board_id',
  'data'
] as const
export type Column = (typeof COLUMNS)[number]
/** The key columns: null unless set, and in every document (the store's documents always have them). */
export type KeyColumn = Exclude<Column, 'session_id' | 'status' | 'created_at' | 'updated_at' | 'data'>
export const KEY_COLUMNS = COLUMNS.slice(4, -1) as readonly KeyColumn[]
/** The position of `data` in a row's values. */
const DATA = COLUMNS.length - 1

// a bench that gave documents of another shape than the store's would fail its checks: say why
const storeColumns = rowMapper(sessions).columns
if (storeColumns.join() !== COLUMNS.join())
  throw new Error(
    `scripts/bench/sides/side.ts: COLUMNS (${COLUMNS.join(', ')}) are not the store's sessions columns (${storeColumns.join(', ')}); update the layout there`
  )

const marks = (count: number) => new Array(count).fill('?').join(', ')

export const COLUMN_LIST = COLUMNS.map((column) => `"${column}"`).join(', ')
export const BY_ID = `SELECT ${COLUMN_LIST} FROM "sessions" WHERE "session_id" = ?`
export const BY_RANGE = `SELECT ${COLUMN_LIST} FROM "sessions" WHERE "session_id" >= ? AND "session_id" < ? LIMIT 2`
/** Every session of the data sets is in the default workspace: a page and its total are that workspace's. */
const IN_DEFAULT = `"workspace" = 'default'`
export const NEWEST_PAGE = `SELECT ${COLUMN_LIST} FROM "sessions" WHERE ${IN_DEFAULT} ORDER BY "created_at" DESC, "session_id" DESC LIMIT 50`
export const COUNT = `SELECT count(*) FROM "sessions" WHERE ${IN_DEFAULT}`
export const INSERT_ONE = `INSERT INTO "sessions" (${COLUMN_LIST}) VALUES (${marks(COLUMNS.length)})`
export const UPDATE_DATA = 'UPDATE "sessions" SET "data" = ?, "updated_at" = ? WHERE "session_id" = ?'

/**
 * The store's write views (src/store/write-views.ts): a session and its change in one statement,
 * the fastest correct way to write both. The values of a row, then who writes it.
 */
const WHO = '"agor_workspace", "agor_actor", "agor_transport", "agor_remote"'
/** The workspace and who writes: the library, in the default workspace. */
export const LIBRARY = ['default', 'library', 'library', null]
export const CREATE_ONE = `INSERT INTO "agor_create_sessions" (${COLUMN_LIST}, ${WHO}) VALUES (${marks(COLUMNS.length + LIBRARY.length)})`
/** A row's new values, who writes it, the event, the patch, its undo and the updated_at it replaces. */
export const UPDATE_ONE = `INSERT INTO "agor_update_sessions" (${COLUMN_LIST}, ${WHO}, "agor_event", "agor_patch", "agor_undo", "agor_stored_at") VALUES (${marks(COLUMNS.length + LIBRARY.length + 4)})`

/** `CREATE_ONE` of `rows` rows in one statement. */
export function createMany(rows: number): string {
  const one = `(${marks(COLUMNS.length + LIBRARY.length)})`
  return `${CREATE_ONE.slice(0, CREATE_ONE.indexOf(' VALUES '))} VALUES ${new Array(rows).fill(one).join(', ')}`
}

/** The `data` JSON of a row given as its values in COLUMNS order. */
export function dataJsonOf(values: readonly unknown[]): string {
  return String(values[DATA])
}

/** The `updated_at` (ms) of a row given as its values in COLUMNS order. */
export function updatedAtOf(values: readonly unknown[]): number {
  return Number(values[3])
}

/** A row's values (COLUMNS order) as a write of its `data` leaves them: a copy, with both new. */
export function rewritten(values: readonly unknown[], updatedAt: number, json: string): unknown[] {
  const next = values.slice()
  next[3] = updatedAt
  next[DATA] = json
  return next
}

/** The document of a row given as its column values in COLUMNS order. */
export function docOfValues(values: readonly unknown[]): Doc {
  return docOf(values, JSON.parse(String(values[DATA])) as Doc)
}

/**
 * The document of a row whose `data` column has been parsed already (`values` in COLUMNS order;
 * `data`'s own value is not read). One object literal, the shape of every document at once.
 */
export function docOf(values: readonly unknown[], data: Doc): Doc {
  const created = Number(values[2])
  const updated = Number(values[3])
  const createdAt = new Date(created).toISOString()
  const doc: Record<Exclude<Column, 'data'>, unknown> = {
    session_id: values[0],
    status: values[1],
    created_at: createdAt,
    updated_at: updated === created ? createdAt : new Date(updated).toISOString(),
    parent_session_id: values[4] ?? null,
    forked_from_session_id: values[5] ?? null,
    worktree_id: values[6] ?? null,
    board_id: values[7] ?? null
  }
  return Object.assign(doc, data)
}

/** A row as an object of its columns (what knex and @libsql/client return). */
export type RowObject = Record<Column, unknown>

/** A row's values in COLUMNS order, from the object of its columns. */
export function valuesOfRow(row: RowObject): unknown[] {
  return COLUMNS.map((column) => row[column])
}

/** The object of a row's columns, from its values in COLUMNS order. */
export function rowOfValues(values: readonly unknown[]): RowObject {
  return Object.fromEntries(COLUMNS.map((column, k) => [column, values[k]])) as RowObject
}

export function docOfRow(row: RowObject): Doc {
  return docOfValues(valuesOfRow(row))
}

/** The key columns of a new session: none set. */
export const NO_KEYS: Readonly<Record<KeyColumn, null>> = Object.freeze(
  Object.fromEntries(KEY_COLUMNS.map((column) => [column, null])) as Record<KeyColumn, null>
)

/** The document a new session is: what a create returns. */
export function newDoc(id: string, now: number, fields: SessionFields): Doc {
  const at = new Date(now).toISOString()
  return {
    session_id: id,
    status: 'idle',
    created_at: at,
    updated_at: at,
    ...NO_KEYS,
    ...fields
  }
}

/**
 * The values of a row's columns but `data`, in COLUMNS order, its keys taken from `keys` (null
 * where `keys` has none).
 */
export function headValues(
  id: unknown,
  status: unknown,
  created: unknown,
  updated: unknown,
  keys: Readonly<Partial<Record<KeyColumn, unknown>>> = NO_KEYS
): unknown[] {
  const values: unknown[] = [id, status, created, updated]
  for (const key of KEY_COLUMNS) values.push(keys[key] ?? null)
  return values
}

/** The values of a row (COLUMNS order) with no key set, its `data` given as JSON. */
export function rowValues(
  id: string,
  status: string,
  created: number,
  updated: number,
  json: string
): unknown[] {
  const values = headValues(id, status, created, updated)
  values.push(json)
  return values
}

/** The row values of a new session, in COLUMNS order. */
export function newRow(id: string, now: number, fields: SessionFields): unknown[] {
  return rowValues(id, 'idle', now, now, JSON.stringify(fields))
}

const dashed = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`

/**
 * The ids a prefix stands for, as a range: [lo, hi). A prefix of only `f`s has no upper id; its
 * `hi` is 'g', after every hex digit.
 */
export function prefixRange(prefix: string): [string, string] {
  const hex = prefix.replaceAll('-', '').toLowerCase()
  let i = hex.length - 1
  while (i >= 0 && hex[i] === 'f') i--
  const lo = dashed(hex.padEnd(32, '0'))
  if (i < 0) return [lo, 'g']
  const next = `${hex.slice(0, i)}${(Number.parseInt(hex[i]!, 16) + 1).toString(16)}`
  return [lo, dashed(next.padEnd(32, '0'))]
}

/** The stored document with `git_state.current_sha` set: what a patch of that nested field makes. */
export function patched(data: Doc, sha: string): Doc {
  const gitState = (data.git_state ?? {}) as Doc
  return { ...data, git_state: { ...gitState, current_sha: sha } }
}

/** Throws unless the side found exactly one row: a benchmark of a wrong answer measures nothing. */
export function only<T>(rows: readonly T[], what: string): T {
  if (rows.length !== 1) throw new Error(`${what}: ${rows.length} rows`)
  return rows[0]!
}

/** Throws unless `actual` is `expected`: a benchmark of a wrong answer measures nothing. */
export function expectSame(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`)
}
