/**
 * The peer: the usual Feathers SQL stack, a `@feathersjs/knex` service on better-sqlite3, over the
 * same `sessions` table (our migration's DDL: the same columns, CHECKs and indexes) with the same
 * connection settings as our store (WAL, synchronous=NORMAL, foreign keys, busy timeout). It
 * stores what a knex user would: the row as given, the JSON fields as a text column.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Application, feathers } from '@feathersjs/feathers'
import { uuidv7 } from 'uuidv7'
import { DEFAULT_BUSY_TIMEOUT } from '../../src/db/config.js'
import {
  type BetterSqlite3Database,
  type KnexService,
  loadBetterSqlite3,
  loadFeathersKnex,
  loadKnex
} from './peer-modules.js'

const MIGRATION = fileURLToPath(new URL('../../drizzle/0000_init.sql', import.meta.url))

/** A sessions row as the peer stores it. */
export interface PeerRow {
  session_id: string
  status: string
  created_at: number
  updated_at: number
  parent_session_id: string | null
  forked_from_session_id: string | null
  data: string
}

export interface Peer {
  service: KnexService<PeerRow>
  app: Application<{ sessions: KnexService<PeerRow> }>
  close(): Promise<void>
}

/** Creates our schema in a new better-sqlite3 file (for a peer that starts empty). */
export function createPeerSchema(path: string): void {
  const BetterSqlite3 = loadBetterSqlite3()
  const db = new BetterSqlite3(path)
  db.pragma('journal_mode = WAL')
  db.exec(readFileSync(MIGRATION, 'utf8').replaceAll('--> statement-breakpoint', ''))
  db.close()
}

/** Opens a knex service over the sessions table of the database file at `path`. */
export function openPeer(path: string): Peer {
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
  const app: Peer['app'] = feathers()
  const service = new KnexService<PeerRow>({
    Model: db,
    name: 'sessions',
    id: 'session_id',
    multi: true,
    paginate: { default: 50, max: 500 }
  })
  app.use('sessions', service)
  // What the @feathersjs/knex docs recommend for atomic multi-row writes.
  app.service('sessions').hooks({
    before: { create: [transaction.start()] },
    after: { create: [transaction.end()] },
    error: { create: [transaction.rollback()] }
  })
  return {
    // the service as registered: app.use wraps it, and only the wrapped one runs the hooks
    service: app.service('sessions'),
    app,
    close: () => db.destroy()
  }
}

/**
 * The peer's create of one row per session of `pool`, in one call (inside the transaction its
 * hooks open), with ids and JSON made as a knex user would make them.
 */
export function knexArrayCreate(peer: Peer, pool: readonly object[]) {
  return () => {
    const now = Date.now()
    const rows: PeerRow[] = pool.map((fields) => ({
      session_id: uuidv7(),
      status: 'idle',
      created_at: now,
      updated_at: now,
      parent_session_id: null,
      forked_from_session_id: null,
      data: JSON.stringify(fields)
    }))
    return peer.service.create(rows)
  }
}
