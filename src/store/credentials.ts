/**
 * Users' password hashes, in a table of their own (CREDENTIALS_TABLE): never in a document, so
 * that no read, event, export or change of the feed carries one. The hashes are made and checked
 * by the service layer (service/passwords.ts); here they are only kept.
 */
import type { Connection } from '../db/connection.js'
import { CREDENTIALS_TABLE } from '../schema/users.js'

export class Credentials {
  readonly #db: Connection

  constructor(db: Connection) {
    this.#db = db
  }

  /** Keeps `hash` as the password of `userId` (a user of the database: the foreign key checks). */
  async set(userId: string, hash: string): Promise<void> {
    await this.#db.execute({
      sql: `INSERT INTO ${CREDENTIALS_TABLE} (user_id, hash, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at`,
      args: [userId, hash, Date.now()]
    })
  }

  /** The hash of `userId`'s password, if the user has one. */
  async hashOf(userId: string): Promise<string | undefined> {
    const { rows } = await this.#db.execute({
      sql: `SELECT hash FROM ${CREDENTIALS_TABLE} WHERE user_id = ?`,
      args: [userId]
    })
    const hash = rows[0]?.hash
    return typeof hash === 'string' ? hash : undefined
  }

  /** Whether any user has a password (a database with such users is served with authentication). */
  async any(): Promise<boolean> {
    const { rows } = await this.#db.execute(`SELECT 1 FROM ${CREDENTIALS_TABLE} LIMIT 1`)
    return rows.length > 0
  }
}
