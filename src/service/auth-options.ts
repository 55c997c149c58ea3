/**
 * The authentication settings of a store, kept apart from @feathersjs/authentication so that
 * opening a store does not load it; only serving with authentication does (auth.ts).
 */

/** The shortest API key accepted: a guessable key is no protection. */
export const MIN_API_KEY_LENGTH = 16

export interface AuthOptions {
  /** Keys that clients may present; at least 16 characters each. */
  apiKeys: string[]
  /** Signs access tokens. A random secret per process when not given (tokens end with it). */
  secret?: string
}

/**
 * The authentication settings from the environment: AGOR_API_KEY (one key, or several separated by
 * commas) and AGOR_AUTH_SECRET. Undefined when no key is set: authentication is off.
 */
export function authFromEnv(env: NodeJS.ProcessEnv = process.env): AuthOptions | undefined {
  const keys = (env.AGOR_API_KEY ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)
  if (keys.length === 0) return undefined
  return { apiKeys: keys, secret: env.AGOR_AUTH_SECRET || undefined }
}

/** Throws unless the options can protect a daemon. */
export function checkAuthOptions(options: AuthOptions): void {
  if (options.apiKeys.length === 0) throw new Error('Authentication needs at least one API key')
  if (options.apiKeys.some((k) => k.length < MIN_API_KEY_LENGTH)) {
    throw new Error(`Every API key must be at least ${MIN_API_KEY_LENGTH} characters long`)
  }
}
