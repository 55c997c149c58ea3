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
import type { Application } from '@feathersjs/feathers'
import { API_KEY_HEADER } from '../protocol.js'
import { type AuthOptions, checkAuthOptions } from './auth-options.js'

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Accepts the configured API keys, compared in constant time. */
class ApiKeyStrategy extends AuthenticationBaseStrategy {
  readonly #digests: Buffer[]

  constructor(keys: string[]) {
    super()
    this.#digests = keys.map(digest)
  }

  async authenticate(data: AuthenticationRequest): Promise<AuthenticationResult> {
    const key = typeof data.apiKey === 'string' ? digest(data.apiKey) : undefined
    // every key is compared, so that the time taken says nothing about which one nearly matched
    const matched = key ? this.#digests.map((d) => timingSafeEqual(d, key)).includes(true) : false
    if (!matched) throw new NotAuthenticated('Invalid API key')
    return { authentication: { strategy: 'apiKey' } }
  }

  /** Reads the key of a REST request (header) or of a socket.io handshake (header or `auth`). */
  async parse(req: IncomingMessage & { auth?: { apiKey?: unknown } }): Promise<AuthenticationRequest | null> {
    const value = req.headers?.[API_KEY_HEADER] ?? req.auth?.apiKey
    const apiKey = Array.isArray(value) ? value[0] : value
    return typeof apiKey === 'string' && apiKey ? { strategy: 'apiKey', apiKey } : null
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
  const service = new AuthenticationService(app)
  service.register('jwt', new JWTStrategy())
  service.register('apiKey', new ApiKeyStrategy(options.apiKeys))
  app.use('authentication', service)
}

/** Before hook for the document services: external calls need an API key or an access token. */
export const requireAuthentication = authenticate('jwt', 'apiKey')
