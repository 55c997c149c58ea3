/**
 * Workspaces: every document belongs to one (a column of its row, `workspace`), and every call
 * reads and writes in one. API keys belong to a workspace; their digests are kept, never the keys.
 * Their drizzle tables, for drizzle-kit only, are in store-tables.ts.
 */

import { quoteIdent } from './sql.js'

/** Where documents live when nobody says otherwise: local use without authentication. */
export const DEFAULT_WORKSPACE = 'default'

/** The column of every collection's table that says which workspace a row belongs to. */
export const WORKSPACE_COLUMN = 'workspace'

/** The condition of a statement that a row is in the workspace bound to its `?`. */
export const IN_WORKSPACE = `${quoteIdent(WORKSPACE_COLUMN)} = ?`

export const WORKSPACES_TABLE = 'agor_workspaces'
export const API_KEYS_TABLE = 'agor_api_keys'

/** What a workspace's or a key's name may be: it is typed in commands and shown in lists. */
export const NAME_RULE = /^[a-z0-9][a-z0-9_.-]{0,62}$/

export const NAME_RULE_TEXT =
  'lowercase letters, digits, dots, dashes and underscores, starting with a letter or digit, at most 63'
