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
import { type AuthOptions, checkAuthOptions, namedKey } from './auth-options.js'

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Accepts the configured API keys, compared in constant time, and says which one it was. */
class ApiKeyStrategy extends AuthenticationBaseStrategy {
  readonly #keys: { name: string; digest: Buffer }[]

  constructor(entries: string[]) {
    super()
    this.#keys = entries.map(namedKey).map(({ name, key }) => ({ name, digest: digest(key) }))
  }

  async authenticate(data: AuthenticationRequest): Promise<AuthenticationResult> {
    // a key may be presented as it is, or as it is written in AGOR_API_KEY (`name:key`)
    const given = typeof data.apiKey === 'string' ? digest(namedKey(data.apiKey).key) : undefined
    // every key is compared, so that the time taken says nothing about which one nearly matched
    const matches = given ? this.#keys.filter((k) => timingSafeEqual(k.digest, given)) : []
    const found = matches[0]
    if (!found) throw new NotAuthenticated('Invalid API key')
    return { authentication: { strategy: 'apiKey' }, apiKey: { name: found.name } }
  }

  /** Reads the key of a REST request (header) or of a socket.io handshake (header or `auth`). */
  async parse(req: IncomingMessage & { auth?: { apiKey?: unknown } }): Promise<AuthenticationRequest | null> {
    const value = req.headers?.[API_KEY_HEADER] ?? req.auth?.apiKey
    const apiKey = Array.isArray(value) ? value[0] : value
    return typeof apiKey === 'string' && apiKey ? { strategy: 'apiKey', apiKey } : null
  }
}

/** Access tokens carry the name of the API key they were made for: the actor of their writes. */
class NamingAuthenticationService extends AuthenticationService {
  override async getPayload(result: AuthenticationResult, params: Params) {
    const payload = await super.getPayload(result, params)
    const name: unknown = result.apiKey?.name
    return typeof name === 'string' ? { ...payload, apiKeyName: name } : payload
  }
}

/** Checks the options and registers the `authentication` service (POST /authentication). */
export function configureAuthentication(app: Application, options: AuthOptions): void {
  checkAuthOptions(options)
  app.set('authentication', {
    secret: options.secret ?? randomBytes(32).toString('hex'),
    entity: null,
    authStrategies: ['apiKey', 'jwt'],
    jwtOptions: {
      header: { typ: 'access' },
      audience: 'agor',
      issuer: 'agor-store',
      algorithm: 'HS256',
      expiresIn: '1d'
    }
  })
  const service = new NamingAuthenticationService(app)
  service.register('jwt', new JWTStrategy())
  service.register('apiKey', new ApiKeyStrategy(options.apiKeys))
  app.use('authentication', service)
}

/** Before hook for the document services: external calls need an API key or an access token. */
export const requireAuthentication = authenticate('jwt', 'apiKey')
