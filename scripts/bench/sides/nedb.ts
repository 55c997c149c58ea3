/**
 * A peer: @seald-io/nedb, the embedded document store that Node users pick instead of SQL (the
 * Feathers NeDB adapter's engine). It holds every document in memory, with indexes on `_id` (the
 * session id), `created_at` and `agent`, and appends each write to its data file. Its data file
 * is made once per data set from the same rows (next to the data set in the cache) and copied
 * before each use, because loading it rewrites it.
 */
import { copyFileSync, existsSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Libsql from 'libsql'
import { uuidv7 } from 'uuidv7'
import type { SessionFields } from '../documents.js'
import { loadNedb } from '../peer-modules.js'
import {
  COLUMN_LIST,
  type Doc,
  docOf,
  headValues,
  KEY_COLUMNS,
  type KeyColumn,
  NO_KEYS,
  only,
  prefixRange,
  rowOfValues,
  type Side
} from './side.js'

/** A session as NeDB stores it: the document, its id as `_id`, timestamps in ms, every key column. */
interface NedbSession extends Record<KeyColumn, string | null> {
  _id: string
  status: string
  created_at: number
  updated_at: number
  [field: string]: unknown
}

function docOfNedb(stored: NedbSession): Doc {
  // data keeps the key columns: docOf puts them first, in the store's order, and the same values
  // assigned again leave them there
  const { _id, status, created_at, updated_at, ...data } = stored
  return docOf(headValues(_id, status, created_at, updated_at, stored), data)
}

function stored(id: string, now: number, fields: SessionFields): NedbSession {
  return {
    _id: id,
    status: 'idle',
    created_at: now,
    updated_at: now,
    ...NO_KEYS,
    ...fields
  }
}

/** NeDB's data file of the SQLite data set at `path` (made on first use, next to it). */
export function nedbDataFile(path: string): string {
  const file = path.replace(/\.db$/, '.nedb')
  if (existsSync(file)) return file
  const db = new Libsql(path, { readonly: true })
  const building = `${file}.building-${process.pid}`
  const lines: string[] = []
  writeFileSync(building, '')
  const flush = () => {
    writeFileSync(building, lines.join(''), { flag: 'a' })
    lines.length = 0
  }
  for (const values of db
    .prepare(`SELECT ${COLUMN_LIST} FROM "sessions" ORDER BY rowid`)
    .raw(true)
    .iterate()) {
    const row = rowOfValues(values as unknown[])
    const session = {
      _id: row.session_id,
      status: row.status,
      created_at: row.created_at,
      updated_at: row.updated_at
    }
    const keys = Object.fromEntries(KEY_COLUMNS.map((key) => [key, row[key] ?? null]))
    lines.push(`${JSON.stringify({ ...session, ...keys, ...JSON.parse(String(row.data)) })}\n`)
    if (lines.length >= 10_000) flush()
  }
  flush()
  db.close()
  renameSync(building, file)
  return file
}

/** NeDB on a copy (in `workDir`) of the data file of the data set at `path`. */
export async function openNedb(path: string, workDir: string): Promise<Side> {
  const file = join(workDir, 'sessions.nedb')
  copyFileSync(nedbDataFile(path), file)
  const Nedb = loadNedb()
  const db = new Nedb<NedbSession>({ filename: file })
  await db.loadDatabaseAsync()
  await db.ensureIndexAsync({ fieldName: 'created_at' })
  await db.ensureIndexAsync({ fieldName: 'agent' })
  let created: string[] = []
  return {
    label: 'NeDB',
    async getWhole(id) {
      const found = await db.findOneAsync({ _id: id })
      if (!found) throw new Error(`NeDB: no session ${id}`)
      return docOfNedb(found)
    },
    async getPrefix(prefix) {
      const [lo, hi] = prefixRange(prefix)
      const found = await db.findAsync({ _id: { $gte: lo, $lt: hi } }).limit(2)
      return docOfNedb(only(found, `NeDB get('${prefix}')`))
    },
    async create(fields) {
      const id = uuidv7()
      created.push(id)
      return docOfNedb(await db.insertAsync(stored(id, Date.now(), fields)))
    },
    async createMany(pool) {
      const now = Date.now()
      const docs = pool.map((fields) => stored(uuidv7(), now, fields))
      for (const doc of docs) created.push(doc._id)
      return (await db.insertAsync(docs)).map(docOfNedb)
    },
    async patch(id, sha) {
      const { affectedDocuments } = await db.updateAsync(
        { _id: id },
        { $set: { 'git_state.current_sha': sha }, $max: { updated_at: Date.now() } },
        { returnUpdatedDocs: true }
      )
      if (!affectedDocuments) throw new Error(`NeDB patch: no session ${id}`)
      return docOfNedb(affectedDocuments)
    },
    async page() {
      const [found, total] = await Promise.all([
        db.findAsync({}).sort({ created_at: -1, _id: -1 }).limit(50),
        db.countAsync({})
      ])
      return { total, data: found.map(docOfNedb) }
    },
    async discard() {
      if (created.length === 0) return
      const ids = created
      created = []
      await db.removeAsync({ _id: { $in: ids } }, { multi: true })
    },
    close: () => undefined
  }
}
