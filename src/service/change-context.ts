/**
 * Who makes a write, over what, from where: what the change feed (the audit log) records of every
 * write of the services (see store/feed-triggers.ts). The actor is the API key's name when the
 * call was authenticated with one (`AGOR_API_KEY=ci:…` → `ci`), otherwise what called: `cli`,
 * `library` (code in the process), `anonymous` (a client of a daemon without authentication).
 */
import type { HookContext, NextFunction, Params } from '@feathersjs/feathers'
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

/**
 * Around hook of the document services: gives the call the context its change rows record, with
 * this process as the origin of its events (its feed tail does not emit them again), and asks the
 * tail to look at once after a write.
 */
export function changeContext(origin: string, written: () => void) {
  return async (context: HookContext, next: NextFunction) => {
    const params: CallerParams = context.params
    params.change ??= {
      actor: actorOf(params),
      transport: params.provider ?? 'library',
      ...(params.remoteAddress ? { remote: params.remoteAddress } : {}),
      origin
    }
    await next()
    if (context.method !== 'find' && context.method !== 'get' && context.method !== 'shortIds') written()
  }
}
