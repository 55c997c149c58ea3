/**
 * The authentication settings of a store, kept apart from @feathersjs/authentication so that
 * opening a store does not load it; only serving with authentication does (auth.ts).
 */

import { setting } from '../env.js'
import { sha256 } from '../sha256.js'

/** The shortest API key accepted: a guessable key is no protection. */
export const MIN_API_KEY_LENGTH = 16

export interface AuthOptions {
  /**
   * Keys that clients may present, at least 16 characters each; `name:key` gives a key the name
   * the change feed records as the actor of its writes (unnamed keys are named `key-` and a digest).
   */
  apiKeys: string[]
  /** Signs access tokens. A random secret per process when not given (tokens end with it). */
  secret?: string
}

/**
 * The authentication settings from the environment: AGOR_API_KEY (one key, or several separated by
 * commas) and AGOR_AUTH_SECRET. Undefined when no key is set: authentication is off.
 */
/** AGOR_AUTH_SECRET, which signs access tokens (unset or blank: a random secret per process). */
export function authSecret(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return setting('AGOR_AUTH_SECRET', env)
}

export function authFromEnv(env: NodeJS.ProcessEnv = process.env): AuthOptions | undefined {
  const keys = (env.AGOR_API_KEY ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
  if (keys.length === 0) return undefined
  return { apiKeys: keys, secret: authSecret(env) }
}

const NAMED = /^([A-Za-z0-9][A-Za-z0-9_.@-]{0,63}):(.+)$/

/** An API key and its name: `ci:<key>` is named `ci`; a key without a name gets one from its digest. */
export function namedKey(entry: string): { name: string; key: string } {
  const named = NAMED.exec(entry)
  if (named) return { name: named[1]!, key: named[2]! }
  return { name: `key-${sha256().update(entry).digest('hex').slice(0, 8)}`, key: entry }
}

/** Throws unless the options can protect a daemon. */
export function checkAuthOptions(options: AuthOptions): void {
  if (options.apiKeys.length === 0) throw new Error('Authentication needs at least one API key')
  if (options.apiKeys.some((entry) => namedKey(entry).key.length < MIN_API_KEY_LENGTH)) {
    throw new Error(`Every API key must be at least ${MIN_API_KEY_LENGTH} characters long`)
  }
}
