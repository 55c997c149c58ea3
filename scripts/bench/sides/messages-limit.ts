/**
 * The limit for messages: the fastest correct way in Node to list a session's messages a page at a
 * time and to append one, on the same file with the store's connection settings, by a synchronous
 * driver (`libsql`, the store's engine for local files, or better-sqlite3), statements prepared
 * once and rows read as arrays, each row mapped by hand to the document the store returns
 * (`{ message_id, status, created_at, updated_at, session_id, task_id, index, ...data }`, ISO
 * timestamps). A page with its total is the page and its count in one read transaction; an append
 * is one INSERT through the store's write view of messages, which writes the row and its change
 * in one statement (the fastest way to write both, as the store must), committing on its own.
 */
import Libsql from 'libsql'
import { uuidv7 } from 'uuidv7'
import { DEFAULT_BUSY_TIMEOUT } from '../../../src/db/config.js'
import { PAGE_CACHE_KIB, WAL_AUTOCHECKPOINT_PAGES } from '../../../src/db/local.js'
import type { MessageFields } from '../message-documents.js'
import { loadBetterSqlite3 } from '../peer-modules.js'
import type { LimitDriver, SyncDatabase, SyncStatement } from './limit.js'
import type { Doc } from './side.js'

/** The columns of a messages row, in table order. */
const COLUMNS = '"message_id", "status", "created_at", "updated_at", "session_id", "task_id", "index", "data"'
/** Every message of the data sets is in the default workspace, as the store's queries ask. */
const OF_SESSION = `"workspace" = 'default' AND "session_id" = ?`
export const PAGE_SQL = `SELECT ${COLUMNS} FROM "messages" WHERE ${OF_SESSION} ORDER BY "index" LIMIT 100 OFFSET ?`
export const COUNT_SQL = `SELECT count(*) FROM "messages" WHERE ${OF_SESSION}`
/** The row, then the workspace and who writes it (the library, as a store in the process writes). */
const APPEND_SQL = `INSERT INTO "agor_create_messages" (${COLUMNS}, "agor_workspace", "agor_actor", "agor_transport", "agor_remote") VALUES (${new Array(12).fill('?').join(', ')})`

/** Messages per page. */
export const PAGE = 100

/** A page as the store's paginated find returns it. */
export interface MessagePage {
  total: number
  limit: number
  skip: number
  data: Doc[]
}

/** What an append writes: the message's place, and what its client sends besides. */
export interface Append {
  session_id: string
  task_id: string
  index: number
  fields: MessageFields
}

export interface MessagesLimit {
  readonly label: LimitDriver
  readonly database: SyncDatabase
  /** The page of 100 at `skip` of a session, in `index` order, with the session's total. */
  page(sessionId: string, skip: number): MessagePage
  /** The same page alone. */
  pageOnly(sessionId: string, skip: number): Doc[]
  append(append: Append): Doc
  close(): void
}

/** The document of a row given as its values in table order. */
function docOf(values: readonly unknown[]): Doc {
  const created = Number(values[2])
  const updated = Number(values[3])
  const createdAt = new Date(created).toISOString()
  const doc: Doc = {
    message_id: values[0],
    status: values[1],
    created_at: createdAt,
    updated_at: updated === created ? createdAt : new Date(updated).toISOString(),
    session_id: values[4],
    task_id: values[5] ?? null,
    index: values[6] ?? null
  }
  return Object.assign(doc, JSON.parse(String(values[7])) as Doc)
}

function openDriver(driver: LimitDriver, path: string, readonly: boolean): SyncDatabase {
  if (driver === 'libsql') return new Libsql(path, { readonly, timeout: DEFAULT_BUSY_TIMEOUT })
  const BetterSqlite3 = loadBetterSqlite3()
  return new BetterSqlite3(path, { readonly, timeout: DEFAULT_BUSY_TIMEOUT })
}

/** The limit on the file at `path` with the store's settings; a `readonly` one only reads. */
export function openMessagesLimit(
  driver: LimitDriver,
  path: string,
  options: { readonly?: boolean } = {}
): MessagesLimit {
  const readonly = options.readonly ?? false
  const db = openDriver(driver, path, readonly)
  db.exec('PRAGMA foreign_keys = ON')
  db.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`)
  if (!readonly) db.exec('PRAGMA synchronous = NORMAL')
  if (!readonly) db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`)
  const page = db.prepare(PAGE_SQL).raw(true)
  const count = db.prepare(COUNT_SQL).raw(true)
  const [begin, commit, rollback] = ['BEGIN', 'COMMIT', 'ROLLBACK'].map((sql) => db.prepare(sql))
  let insert: SyncStatement | undefined
  const rows = (sessionId: string, skip: number) =>
    (page.all(sessionId, skip) as unknown[][]).map((values) => docOf(values))
  return {
    label: driver,
    database: db,
    page(sessionId, skip) {
      begin!.run()
      try {
        const data = rows(sessionId, skip)
        const total = Number((count.get(sessionId) as unknown[])[0])
        commit!.run()
        return { total, limit: PAGE, skip, data }
      } catch (error) {
        rollback!.run()
        throw error
      }
    },
    pageOnly: rows,
    append({ session_id, task_id, index, fields }) {
      const id = uuidv7()
      const now = Date.now()
      insert ??= db.prepare(APPEND_SQL)
      insert.run([
        id,
        'sent',
        now,
        now,
        session_id,
        task_id,
        index,
        JSON.stringify(fields),
        'default',
        'library',
        'library',
        null
      ])
      const at = new Date(now).toISOString()
      return {
        message_id: id,
        status: 'sent',
        created_at: at,
        updated_at: at,
        session_id,
        task_id,
        index,
        ...fields
      }
    },
    close() {
      db.close()
    }
  }
}
