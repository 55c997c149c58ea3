/**
 * The workspaces of a database and their API keys. A key is made here once, shown once, and kept
 * as its SHA-256 digest only: a key is 32 random bytes, so a fast digest is as safe as a slow one,
 * and finding the key of a request is one indexed lookup.
 */
import { BadRequest, Conflict, NotFound } from '@feathersjs/errors'
import type { Connection } from '../db/connection.js'
import { collectionNames } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import {
  API_KEYS_TABLE,
  DEFAULT_WORKSPACE,
  NAME_RULE,
  NAME_RULE_TEXT,
  WORKSPACE_COLUMN,
  WORKSPACES_TABLE
} from '../schema/workspaces.js'
import { sha256 } from '../sha256.js'
import { toIso } from './row.js'

export interface WorkspaceInfo {
  name: string
  created_at: string
}

export interface ApiKeyInfo {
  name: string
  workspace: string
  created_at: string
}

/** What a key made by `createKey` is: shown once, never stored. */
export interface NewApiKey extends ApiKeyInfo {
  key: string
}

/** Keys of workspaces begin with this, so that a key found in a log says what it is. */
export const KEY_PREFIX = 'agor_'

/** The digest a key is kept and found by. */
export const keyDigest = (key: string) => sha256().update(key).digest('hex')

/** Throws a 400 unless `name` is a name a workspace or a key may have. */
export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME_RULE.test(name))
    throw new BadRequest(`A ${what} name is ${NAME_RULE_TEXT} characters, got ${JSON.stringify(name)}`)
  return name
}

const isUniqueViolation = (error: unknown) => /UNIQUE|PRIMARY KEY/.test(String((error as Error)?.message))

export class Workspaces {
  readonly #db: Connection
  /** Workspaces known to exist: there is no way to remove one, so what is known stays true. */
  readonly #known = new Set([DEFAULT_WORKSPACE])

  constructor(db: Connection) {
    this.#db = db
  }

  /** Makes a workspace. A 409 if it exists. */
  async create(name: string): Promise<WorkspaceInfo> {
    checkName(name, 'workspace')
    const now = Date.now()
    try {
      await this.#db.execute({
        sql: `INSERT INTO ${WORKSPACES_TABLE} (name, created_at) VALUES (?, ?)`,
        args: [name, now]
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw new Conflict(`The workspace '${name}' exists already`)
      throw error
    }
    this.#known.add(name)
    return { name, created_at: toIso(now) }
  }

  /** Every workspace, by name. */
  async list(): Promise<WorkspaceInfo[]> {
    const { rows } = await this.#db.execute(`SELECT name, created_at FROM ${WORKSPACES_TABLE} ORDER BY name`)
    return rows.map((r) => ({ name: String(r.name), created_at: toIso(Number(r.created_at)) }))
  }

  /**
   * `default`, then every other workspace that exists or holds a document (another tool may have
   * written one into a workspace that was never made), by name.
   */
  async inUse(): Promise<string[]> {
    const column = quoteIdent(WORKSPACE_COLUMN)
    const used = collectionNames.map((name) => `SELECT DISTINCT ${column} AS name FROM ${quoteIdent(name)}`)
    const { rows } = await this.#db.execute(
      `SELECT name FROM ${WORKSPACES_TABLE} UNION ${used.join(' UNION ')} ORDER BY name`
    )
    const others = rows.map((r) => String(r.name)).filter((name) => name !== DEFAULT_WORKSPACE)
    return [DEFAULT_WORKSPACE, ...others]
  }

  /** True when the workspace `name` is known to exist, without asking the database. */
  known(name: string): boolean {
    return this.#known.has(name)
  }

  /** `name` if that workspace exists; a 404 otherwise (after a look at the database, once). */
  async existing(name: string): Promise<string> {
    if (this.#known.has(name)) return name
    checkName(name, 'workspace')
    const { rows } = await this.#db.execute({
      sql: `SELECT 1 FROM ${WORKSPACES_TABLE} WHERE name = ?`,
      args: [name]
    })
    if (rows.length === 0) throw new NotFound(`No workspace is called '${name}'`)
    this.#known.add(name)
    return name
  }

  /** Makes a key for `workspace`: the only time the key itself is seen. */
  async createKey(workspace: string, name: string): Promise<NewApiKey> {
    await this.existing(workspace)
    checkName(name, 'key')
    // loaded here: every command opens this module, few make keys (see sha256.ts)
    const { randomBytes } = await import('node:crypto')
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`
    const now = Date.now()
    try {
      await this.#db.execute({
        sql: `INSERT INTO ${API_KEYS_TABLE} (name, workspace, digest, created_at) VALUES (?, ?, ?, ?)`,
        args: [name, workspace, keyDigest(key), now]
      })
    } catch (error) {
      if (isUniqueViolation(error)) throw new Conflict(`A key is called '${name}' already`)
      throw error
    }
    return { name, workspace, created_at: toIso(now), key }
  }

  /** The keys (never the keys themselves), of one workspace or of all, by name. */
  async keys(workspace?: string): Promise<ApiKeyInfo[]> {
    if (workspace !== undefined) await this.existing(workspace)
    const { rows } = await this.#db.execute({
      sql: `SELECT name, workspace, created_at FROM ${API_KEYS_TABLE}${workspace === undefined ? '' : ' WHERE workspace = ?'} ORDER BY name`,
      args: workspace === undefined ? [] : [workspace]
    })
    return rows.map((r) => ({
      name: String(r.name),
      workspace: String(r.workspace),
      created_at: toIso(Number(r.created_at))
    }))
  }

  /**
   * Revokes the key called `name` (of `workspace`, when given): it is gone, and every call made
   * with it fails from now on.
   */
  async revokeKey(name: string, workspace?: string): Promise<ApiKeyInfo> {
    checkName(name, 'key')
    const { rows } = await this.#db.execute({
      sql: `DELETE FROM ${API_KEYS_TABLE} WHERE name = ?${workspace === undefined ? '' : ' AND workspace = ?'} RETURNING name, workspace, created_at`,
      args: workspace === undefined ? [name] : [name, workspace]
    })
    const row = rows[0]
    if (!row)
      throw new NotFound(
        `No key is called '${name}'${workspace === undefined ? '' : ` in workspace ${workspace}`}`
      )
    return {
      name: String(row.name),
      workspace: String(row.workspace),
      created_at: toIso(Number(row.created_at))
    }
  }

  /** True when some workspace has a key. */
  async hasKeys(): Promise<boolean> {
    const { rows } = await this.#db.execute(`SELECT 1 FROM ${API_KEYS_TABLE} LIMIT 1`)
    return rows.length > 0
  }

  /** The key whose digest is `digest`, if it exists (not revoked). */
  async keyByDigest(digest: string): Promise<{ name: string; workspace: string } | undefined> {
    const { rows } = await this.#db.execute({
      sql: `SELECT name, workspace FROM ${API_KEYS_TABLE} WHERE digest = ?`,
      args: [digest]
    })
    const row = rows[0]
    return row ? { name: String(row.name), workspace: String(row.workspace) } : undefined
  }
}
