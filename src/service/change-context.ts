/**
 * Who makes a write, over what, from where: what the change feed (the audit log) records of every
 * write of the services (see store/feed-triggers.ts). The actor is the API key's name when the
 * call was authenticated with one (`AGOR_API_KEY=ci:…` → `ci`), otherwise what called: `cli`,
 * `library` (code in the process), `anonymous` (a client of a daemon without authentication).
 */
import type { Params } from '@feathersjs/feathers'
import { CLI_PROVIDER } from '../protocol.js'
import type { ChangeContext } from '../store/feed-triggers.js'

/** What the transports and authentication put in a call's params that the feed records. */
export interface CallerParams extends Params {
  /** The client's address (REST: the request's, socket.io: the handshake's). */
  remoteAddress?: string
  /** The API key the call was authenticated with (its name), by the apiKey strategy. */
  apiKey?: { name?: string }
  authentication?: { strategy?: string; payload?: { apiKeyName?: unknown } }
  change?: ChangeContext
}

function actorOf(params: CallerParams): string {
  const name = params.apiKey?.name ?? params.authentication?.payload?.apiKeyName
  if (typeof name === 'string' && name) return name
  if (!params.provider) return 'library'
  return params.provider === CLI_PROVIDER ? 'cli' : 'anonymous'
}

/** The context a call's writes record: read when the write is made, after authentication. */
export function changeContextOf(params: CallerParams): ChangeContext {
  return (
    params.change ?? {
      actor: actorOf(params),
      transport: params.provider ?? 'library',
      ...(params.remoteAddress ? { remote: params.remoteAddress } : {})
    }
  )
}
