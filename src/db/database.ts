/**
 * The one path from the store to the driver. Collections run their SQL through a Database, which
 * turns driver failures that are not the request's fault into clear Feathers errors.
 */
import type { Client, InStatement, ResultSet, TransactionMode } from '@libsql/client'
import { LibsqlError } from '@libsql/client'
import { DatabaseUnavailableError } from '../errors.js'
import { openClient, type ResolvedDatabaseConfig } from './client.js'

/** The driver error code of a failure, if it has one (`SQLITE_CONSTRAINT_UNIQUE`, …). */
export function driverCode(error: unknown): string | undefined {
  if (!(error instanceof LibsqlError)) return undefined
  return error.extendedCode ?? error.code
}

const BUSY = /^SQLITE_(BUSY|LOCKED)/

export class Database {
  readonly config: ResolvedDatabaseConfig
  readonly client: Client

  private constructor(config: ResolvedDatabaseConfig, client: Client) {
    this.config = config
    this.client = client
  }

  static async open(config: ResolvedDatabaseConfig): Promise<Database> {
    return new Database(config, await openClient(config))
  }

  async execute(statement: InStatement): Promise<ResultSet> {
    try {
      return await this.client.execute(statement)
    } catch (error) {
      throw translate(error)
    }
  }

  /** Runs statements in one transaction (one round trip to a remote server). */
  async batch(statements: InStatement[], mode: TransactionMode): Promise<ResultSet[]> {
    try {
      return await this.client.batch(statements, mode)
    } catch (error) {
      throw translate(error)
    }
  }

  /**
   * Pulls the primary's changes into an embedded replica. Only replicas sync; other modes throw.
   */
  async sync(): Promise<{ framesSynced: number; frameNo: number }> {
    if (this.config.mode !== 'replica') {
      throw new Error(
        `Only an embedded replica syncs; this database is ${this.config.mode} (set AGOR_DB_SYNC_URL)`
      )
    }
    try {
      const result = await this.client.sync()
      return { framesSynced: result?.frames_synced ?? 0, frameNo: result?.frame_no ?? 0 }
    } catch (error) {
      throw translate(error)
    }
  }

  close(): void {
    this.client.close()
  }
}

// Failures that say nothing about the request become 503s; constraint failures and everything
// else go back to the caller, which knows what the statement was for.
function translate(error: unknown): unknown {
  const code = driverCode(error)
  if (code && BUSY.test(code)) {
    return new DatabaseUnavailableError('The database is busy; try again')
  }
  return error
}
