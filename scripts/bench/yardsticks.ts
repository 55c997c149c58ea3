/**
 * The driver operations that both stacks are timed against. The knex peer is not interleaved
 * with our service in one process: two stacks that alternate every few milliseconds slow each
 * other down (caches, compiled code, garbage of the other), and not by the same amount (measured:
 * our get at 0.89-1.16x the knex get's throughput when interleaved with it, 0.57x when each is
 * timed against the same driver statement in a process of its own). So each stack is timed
 * against a yardstick, the same raw driver operation, in its own process, and the comparison is
 * the ratio of the two ratios.
 */
import type { Client, InStatement } from '@libsql/client'
import { uuidv7 } from 'uuidv7'
import { multiRowInsert } from './datasets.js'
import { COLUMNS } from './stores.js'
import type { Contender } from './timing.js'

/** The store's own SELECT of one session by id. */
export const BY_ID = `SELECT ${COLUMNS} FROM "sessions" WHERE "session_id" = ?`
const INSERT = multiRowInsert(1)

/** The arguments of a raw INSERT of one session, with its own id and JSON, as a driver user writes it. */
export function rawInsertArgs(fields: object, now: number) {
  return [uuidv7(), 'idle', now, now, null, null, JSON.stringify(fields)]
}

/** A raw `execute` of one INSERT. */
export const rawInsert = (client: Client, pool: readonly object[]): Contender => ({
  label: 'raw insert',
  op: (i) => client.execute({ sql: INSERT, args: rawInsertArgs(pool[i % pool.length]!, Date.now()) })
})

/** A raw `SELECT … WHERE session_id = ?` of one of `ids`. */
export const rawSelect = (client: Client, ids: readonly string[]): Contender => ({
  label: 'raw select',
  op: (i) => client.execute({ sql: BY_ID, args: [ids[i % ids.length]!] })
})

/** A raw `batch` of one INSERT per session of `pool`. */
export const rawBatch = (client: Client, pool: readonly object[]): Contender => ({
  label: 'raw batch',
  op: () => {
    const now = Date.now()
    const batch: InStatement[] = pool.map((fields) => ({ sql: INSERT, args: rawInsertArgs(fields, now) }))
    return client.batch(batch, 'write')
  }
})
