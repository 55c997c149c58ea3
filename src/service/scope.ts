/**
 * The workspace a call works in, decided in one place from its params: the workspace of the key
 * it was authenticated with; else the one its client names (WORKSPACE_HEADER: administrative keys
 * and daemons without authentication); else `params.workspace` (code in the process); else
 * `default`. A workspace's key cannot name another: to it, no other workspace exists.
 */
import { NotFound } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'
import { WORKSPACE_HEADER } from '../protocol.js'
import { DEFAULT_WORKSPACE } from '../schema/workspaces.js'

export interface ScopeParams extends Params {
  /** The workspace of a call made in the process (the library's); clients' calls ignore it. */
  workspace?: string
  /** The key a call was authenticated with, by the apiKey strategy (auth.ts). */
  apiKey?: KeyHolder['apiKey']
  /** The authentication of a call: an access token's payload names the key's workspace. */
  authentication?: { strategy?: string } & KeyHolder['authentication']
}

/** What names a workspace's key: a call's params, or the answer of a login. */
export interface KeyHolder {
  apiKey?: { name?: unknown; workspace?: unknown; digest?: unknown }
  authentication?: { payload?: { apiKeyName?: unknown; workspace?: unknown; keyDigest?: unknown } }
}

/**
 * The workspace key a call (or a login) was authenticated with, by the apiKey strategy or by an
 * access token made with one: its workspace and digest. Undefined for an administrative key.
 */
export function workspaceKey(holder: KeyHolder): { workspace: string; digest?: string } | undefined {
  const payload = holder.authentication?.payload
  const [workspace, digest] = holder.apiKey
    ? [holder.apiKey.workspace, holder.apiKey.digest]
    : [payload?.workspace, payload?.keyDigest]
  if (typeof workspace !== 'string') return undefined
  return typeof digest === 'string' ? { workspace, digest } : { workspace }
}

/** The workspace a client names in its request (REST) or handshake (socket.io). */
export function askedWorkspace(headers: Params['headers']): string | undefined {
  const value = headers?.[WORKSPACE_HEADER]
  const name = Array.isArray(value) ? value[0] : value
  return typeof name === 'string' && name !== '' ? name : undefined
}

/**
 * The one workspace a call is confined to, if any: its key's, or the one it names. Undefined for
 * a call of an administrative key, or without authentication, that names none: the change feed
 * then reads every workspace's changes.
 */
export function callScope(params: ScopeParams): string | undefined {
  const own = workspaceKey(params)?.workspace
  const asked = params.provider ? askedWorkspace(params.headers) : params.workspace
  if (own === undefined) return asked
  if (asked !== undefined && asked !== own) throw new NotFound(`No workspace is called '${asked}'`)
  return own
}

/**
 * The workspace whose documents a call reads and writes (not checked to exist: see
 * Workspaces.existing).
 *
 * @example
 * callWorkspace({}) // 'default'
 * callWorkspace({ workspace: 'acme' }) // 'acme'
 */
export function callWorkspace(params: ScopeParams): string {
  return callScope(params) ?? DEFAULT_WORKSPACE
}
