/**
 * Authentication for a daemon that others can reach: API keys (for the CLI and scripts) that can be
 * exchanged for JWT access tokens (@feathersjs/authentication). With authentication on, every
 * external call must be authenticated and only authenticated connections receive events.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import {
  AuthenticationBaseStrategy,
  type AuthenticationRequest,
  type AuthenticationResult,
  AuthenticationService,
  authenticate,
  JWTStrategy
} from '@feathersjs/authentication'
import { NotAuthenticated } from '@feathersjs/errors'
import type { Application, Params } from '@feathersjs/feathers'
import { API_KEY_HEADER } from '../protocol.js'
import type { Database } from '../store/database.js'
import { keyDigest, type Workspaces } from '../store/workspaces.js'
import { type AuthOptions, checkAuthOptions, namedKey } from './auth-options.js'
import { LOCAL_SETTINGS, PasswordStrategy, tokenUser } from './password-login.js'

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/**
 * Accepts the configured (administrative) API keys, compared in constant time, and the keys of
 * workspaces, found by their digest; says which key it was, and for a workspace's, its workspace.
 */
class ApiKeyStrategy extends AuthenticationBaseStrategy {
  readonly #keys: { name: string; digest: Buffer }[]
  readonly #workspaces: Workspaces

  constructor(entries: string[], workspaces: Workspaces) {
    super()
    this.#keys = entries.map(namedKey).map(({ name, key }) => ({ name, digest: digest(key) }))
    this.#workspaces = workspaces
  }

  async authenticate(data: AuthenticationRequest): Promise<AuthenticationResult> {
    if (typeof data.apiKey !== 'string') throw new NotAuthenticated('Invalid API key')
    // a key may be presented as it is, or as it is written in AGOR_API_KEY (`name:key`)
    const given = digest(namedKey(data.apiKey).key)
    // every key is compared, so that the time taken says nothing about which one nearly matched
    const found = this.#keys.filter((k) => timingSafeEqual(k.digest, given))[0]
    if (found) return { authentication: { strategy: 'apiKey' }, apiKey: { name: found.name } }
    const hex = keyDigest(data.apiKey)
    const key = await this.#workspaces.keyByDigest(hex)
    if (!key) throw new NotAuthenticated('Invalid API key')
    return { authentication: { strategy: 'apiKey' }, apiKey: { ...key, digest: hex } }
  }

  /** Reads the key of a REST request (header) or of a socket.io handshake (header or `auth`). */
  async parse(req: IncomingMessage & { auth?: { apiKey?: unknown } }): Promise<AuthenticationRequest | null> {
    const value = req.headers?.[API_KEY_HEADER] ?? req.auth?.apiKey
    const apiKey = Array.isArray(value) ? value[0] : value
    return typeof apiKey === 'string' && apiKey ? { strategy: 'apiKey', apiKey } : null
  }
}

/**
 * Access tokens carry the name of the API key they were made for (the actor of their writes),
 * for a workspace's key its workspace and digest, and for a user's login the user's id.
 */
class NamingAuthenticationService extends AuthenticationService {
  override async getPayload(result: AuthenticationResult, params: Params) {
    const payload = await super.getPayload(result, params)
    const { name, workspace, digest: keyDigest } = (result.apiKey ?? {}) as Record<string, unknown>
    const userId: unknown = result.user?.user_id
    return {
      ...payload,
      ...(typeof name === 'string' ? { apiKeyName: name } : {}),
      ...(typeof workspace === 'string' ? { workspace, keyDigest } : {}),
      ...(typeof userId === 'string' ? { userId } : {})
    }
  }
}

/**
 * Access tokens of a workspace's key die with the key, and a user's with the user: each use looks
 * the key or the user up again (and a user's call carries the user as it is now, roles included).
 */
class RevocableJwtStrategy extends JWTStrategy {
  readonly #database: Database

  constructor(database: Database) {
    super()
    this.#database = database
  }

  override async authenticate(authentication: AuthenticationRequest, params: Params) {
    const result = await super.authenticate(authentication, params)
    const payload = (result.authentication as { payload?: Record<string, unknown> } | undefined)?.payload
    if (payload?.userId !== undefined) {
      const user = await tokenUser(this.#database, payload.userId)
      if (!user) throw new NotAuthenticated('The user of this token was removed')
      return { ...result, user }
    }
    if (payload?.workspace === undefined) return result
    const key =
      typeof payload.keyDigest === 'string'
        ? await this.#database.workspaces.keyByDigest(payload.keyDigest)
        : undefined
    if (!key || key.workspace !== payload.workspace)
      throw new NotAuthenticated('The API key of this token was revoked')
    return result
  }
}

/**
 * Checks the options and registers the `authentication` service (POST /authentication). Keys of
 * the database's workspaces and its users' logins are accepted besides the options' keys (which
 * may then be none).
 */
export function configureAuthentication(app: Application, options: AuthOptions, database: Database): void {
  if (options.apiKeys.length > 0) checkAuthOptions(options)
  app.set('authentication', {
    secret: options.secret ?? randomBytes(32).toString('hex'),
    entity: null,
    authStrategies: ['apiKey', 'jwt', 'local'],
    local: LOCAL_SETTINGS,
    jwtOptions: {
      header: { typ: 'access' },
      audience: 'agor',
      issuer: 'agor-store',
      algorithm: 'HS256',
      expiresIn: '1d'
    }
  })
  const service = new NamingAuthenticationService(app)
  service.register('jwt', new RevocableJwtStrategy(database))
  service.register('apiKey', new ApiKeyStrategy(options.apiKeys, database.workspaces))
  service.register('local', new PasswordStrategy(database))
  app.use('authentication', service)
}

/**
 * Before hook for the document services: external calls need an API key or an access token (a
 * user logs in with POST /authentication, then calls with the token).
 */
export const requireAuthentication = authenticate('jwt', 'apiKey')
