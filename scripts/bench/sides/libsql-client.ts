/**
 * A peer: `@libsql/client`, the driver a libSQL user reaches for first, on the same file with the
 * store's connection settings (one connection, synchronous=NORMAL, foreign keys on, the same busy
 * timeout and checkpoint interval), used as its documentation shows: `execute` per statement (it prepares each one anew),
 * `batch` for an array create and for a page with its total, `transaction` for a patch.
 */
import { createClient, type Row } from '@libsql/client'
import { uuidv7 } from 'uuidv7'
import { DEFAULT_BUSY_TIMEOUT } from '../../../src/db/config.js'
import { WAL_AUTOCHECKPOINT_PAGES } from '../../../src/db/local.js'
import {
  BY_ID,
  BY_RANGE,
  COUNT,
  type Doc,
  dataJsonOf,
  docOf,
  docOfValues,
  INSERT_ONE,
  NEWEST_PAGE,
  newDoc,
  newRow,
  only,
  patched,
  prefixRange,
  rewritten,
  type Side,
  UPDATE_DATA,
  updatedAtOf
} from './side.js'

type Args = (string | number | null)[]
const values = (row: Row) => Array.from(row)

export async function openLibsqlClient(path: string): Promise<Side> {
  const client = createClient({ url: `file:${path}`, timeout: DEFAULT_BUSY_TIMEOUT, concurrency: 1 })
  for (const pragma of [
    'foreign_keys = ON',
    'synchronous = NORMAL',
    `wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`
  ])
    await client.execute(`PRAGMA ${pragma}`)
  return {
    label: '@libsql/client',
    getWhole: async (id) => docOfValues(values((await client.execute({ sql: BY_ID, args: [id] })).rows[0]!)),
    async getPrefix(prefix) {
      const { rows } = await client.execute({ sql: BY_RANGE, args: prefixRange(prefix) })
      return docOfValues(values(only(rows, `@libsql/client get('${prefix}')`)))
    },
    async create(fields) {
      const id = uuidv7()
      const now = Date.now()
      await client.execute({ sql: INSERT_ONE, args: newRow(id, now, fields) as Args })
      return newDoc(id, now, fields)
    },
    async createMany(pool) {
      const now = Date.now()
      const ids = pool.map(() => uuidv7())
      const statements = pool.map((fields, k) => ({
        sql: INSERT_ONE,
        args: newRow(ids[k]!, now, fields) as Args
      }))
      await client.batch(statements, 'write')
      return pool.map((fields, k) => newDoc(ids[k]!, now, fields))
    },
    async patch(id, sha) {
      const tx = await client.transaction('write')
      try {
        const row = values((await tx.execute({ sql: BY_ID, args: [id] })).rows[0]!)
        const data = patched(JSON.parse(dataJsonOf(row)) as Doc, sha)
        const updated = Math.max(Date.now(), updatedAtOf(row) + 1)
        const json = JSON.stringify(data)
        await tx.execute({ sql: UPDATE_DATA, args: [json, updated, id] })
        await tx.commit()
        return docOf(rewritten(row, updated, json), data)
      } finally {
        tx.close()
      }
    },
    async page() {
      const [page, count] = await client.batch([NEWEST_PAGE, COUNT], 'read')
      return { total: Number(count!.rows[0]![0]), data: page!.rows.map((row) => docOfValues(values(row))) }
    },
    close: () => client.close()
  }
}
