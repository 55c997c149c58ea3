/**
 * Who makes a write, over what, from where: what the change feed (the audit log) records of every
 * write of the services (see store/feed-triggers.ts). The actor is the API key's name when the
 * call was authenticated with one (`AGOR_API_KEY=ci:…` → `ci`), `user:<user id>` when a user
 * logged in to make it, otherwise what called: `cli`,
 * `library` (code in the process), `anonymous` (a client of a daemon without authentication).
 * A daemon's client that says it is the CLI (the CLIENT_HEADER) is recorded as the CLI: a label,
 * never a permission, so an API key's name still wins.
 */
import type { Params } from '@feathersjs/feathers'
import { CLI_PROVIDER, CLIENT_HEADER } from '../protocol.js'
import { type ChangeContext, LIBRARY } from '../store/feed-triggers.js'
import { hasAnyOwn } from '../store/plain-json.js'

/** What the transports and authentication put in a call's params that the feed records. */
export interface CallerParams extends Params {
  /** The client's address (REST: the request's, socket.io: the handshake's). */
  remoteAddress?: string
  /** The API key the call was authenticated with (its name), by the apiKey strategy. */
  apiKey?: { name?: string }
  authentication?: { strategy?: string; payload?: { apiKeyName?: unknown; userId?: unknown } }
  change?: ChangeContext
}

/** The provider a call is recorded with: a client's own, unless it says it is the CLI. */
function providerOf(params: CallerParams): string | undefined {
  return params.provider && params.headers?.[CLIENT_HEADER] === CLI_PROVIDER ? CLI_PROVIDER : params.provider
}

function actorOf(params: CallerParams, provider: string | undefined): string {
  const name = params.apiKey?.name ?? params.authentication?.payload?.apiKeyName
  if (typeof name === 'string' && name) return name
  const userId = params.authentication?.payload?.userId
  if (typeof userId === 'string') return `user:${userId}`
  if (!provider) return 'library'
  return provider === CLI_PROVIDER ? 'cli' : 'anonymous'
}

/** The keys of params that say who calls, over what and from where: a library call's have none. */
const CALLER_KEYS = ['change', 'provider', 'apiKey', 'authentication', 'remoteAddress'] as const

/** The context a call's writes record: read when the write is made, after authentication. */
export function changeContextOf(params: CallerParams): ChangeContext {
  if (!hasAnyOwn(params, CALLER_KEYS)) return LIBRARY
  if (params.change) return params.change
  const provider = providerOf(params)
  return {
    actor: actorOf(params, provider),
    transport: provider ?? 'library',
    ...(params.remoteAddress ? { remote: params.remoteAddress } : {})
  }
}
