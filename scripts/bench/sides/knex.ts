/**
 * A peer: the usual Feathers SQL stack, a `@feathersjs/knex` service on better-sqlite3, over the
 * same `sessions` table (our migrations' DDL: the same columns, CHECKs and indexes) with the same
 * connection settings as our store (WAL, synchronous=NORMAL, foreign keys, busy timeout). It
 * stores what a knex user would: the row as given, the JSON fields as a text column, which it
 * parses on the way out; array creates run inside the transaction its documented hooks open; a
 * patch reads the row, merges the field and patches the row.
 */
import { type Application, feathers } from '@feathersjs/feathers'
import { uuidv7 } from 'uuidv7'
import { DEFAULT_BUSY_TIMEOUT } from '../../../src/db/config.js'
import { type BetterSqlite3Database, type KnexService, loadFeathersKnex, loadKnex } from '../peer-modules.js'
import {
  type Doc,
  docOfRow,
  newDoc,
  newRow,
  only,
  patched,
  prefixRange,
  type RowObject,
  rowOfValues,
  type Side
} from './side.js'

/** A sessions row as the peer stores it: every column of side.ts's layout. */
export interface PeerRow extends RowObject {
  session_id: string
  status: string
  created_at: number
  updated_at: number
  data: string
}

function rowOf(values: readonly unknown[]): PeerRow {
  const row = rowOfValues(values)
  return {
    ...row,
    session_id: String(row.session_id),
    status: String(row.status),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    data: String(row.data)
  }
}

/** Opens a knex service over the sessions table of the database file at `path`. */
export function openKnex(path: string): Side {
  const { KnexService, transaction } = loadFeathersKnex()
  const knex = loadKnex()
  const db = knex({
    client: 'better-sqlite3',
    connection: { filename: path },
    useNullAsDefault: true,
    pool: {
      afterCreate(connection: BetterSqlite3Database, done: (error: Error | null) => void) {
        connection.pragma('journal_mode = WAL')
        connection.pragma('synchronous = NORMAL')
        connection.pragma('foreign_keys = ON')
        connection.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT}`)
        done(null)
      }
    }
  })
  const app: Application<{ sessions: KnexService<PeerRow> }> = feathers()
  app.use(
    'sessions',
    new KnexService<PeerRow>({
      Model: db,
      name: 'sessions',
      id: 'session_id',
      multi: true,
      paginate: { default: 50, max: 500 }
    })
  )
  // What the @feathersjs/knex docs recommend for atomic multi-row writes.
  app.service('sessions').hooks({
    before: { create: [transaction.start()] },
    after: { create: [transaction.end()] },
    error: { create: [transaction.rollback()] }
  })
  // the service as registered: app.use wraps it, and only the wrapped one runs the hooks
  const service = app.service('sessions')
  return {
    label: 'knex',
    getWhole: async (id) => docOfRow(await service.get(id)),
    async getPrefix(prefix) {
      const [lo, hi] = prefixRange(prefix)
      const query = { session_id: { $gte: lo, $lt: hi }, $limit: 2 }
      return docOfRow(only(await service.find({ query, paginate: false }), `knex get('${prefix}')`))
    },
    async create(fields) {
      const now = Date.now()
      return docOfRow(await service.create(rowOf(newRow(uuidv7(), now, fields))))
    },
    async createMany(pool) {
      const now = Date.now()
      const ids = pool.map(() => uuidv7())
      await service.create(pool.map((fields, k) => rowOf(newRow(ids[k]!, now, fields))))
      return pool.map((fields, k) => newDoc(ids[k]!, now, fields))
    },
    async patch(id, sha) {
      const row = await service.get(id)
      const data = JSON.stringify(patched(JSON.parse(row.data) as Doc, sha))
      return docOfRow(await service.patch(id, { data, updated_at: Math.max(Date.now(), row.updated_at + 1) }))
    },
    async page() {
      const query = { workspace: 'default', $sort: { created_at: -1, session_id: -1 }, $limit: 50 }
      const { total, data } = await service.find({ query })
      return { total, data: data.map(docOfRow) }
    },
    close: () => db.destroy()
  }
}
