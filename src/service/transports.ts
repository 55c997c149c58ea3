/**
 * What serving adds to a store's application: Koa REST with its error, health and body-size
 * handling, socket.io, channels, and authentication when it is configured. Loaded only by
 * createServer.
 *
 * Feathers attaches routes and event publishing to a service through "mixins" when the service is
 * registered; the services exist already here, so the mixins these transports add are applied to
 * them afterwards, as registration would have.
 */
import { BadRequest, MethodNotAllowed, NotFound } from '@feathersjs/errors'
import feathersModule, { type Application } from '@feathersjs/feathers'
import { bodyParser, type Application as KoaApplication, koa, type Middleware, rest } from '@feathersjs/koa'
import socketio from '@feathersjs/socketio'
import { assertExactIntegers } from '../json-integers.js'
import { ALL_METHODS, WORKSPACE_HEADER } from '../protocol.js'
import { collectionNames } from '../schema/index.js'
import type { Database } from '../store/database.js'
import type { App, AppSettings, ServiceTypes } from './app.js'
import { configureAuthentication, requireAuthentication } from './auth.js'
import type { AuthOptions } from './auth-options.js'
import { configureChannels } from './channels.js'
import { cors } from './cors.js'
import { toClientError } from './errors.js'
import { InFlight } from './in-flight.js'
import { strictQuery } from './rest-query.js'
import { userRules } from './user-rules.js'

/** The largest JSON body a REST request or socket message may carry. */
export const BODY_LIMIT_BYTES = 1024 * 1024

export type ServedApp = KoaApplication<ServiceTypes, AppSettings>

/** Koa middleware: errors outside service calls (bad bodies, unknown paths) as Feathers JSON. */
const koaErrors: Middleware = async (ctx, next) => {
  try {
    await next()
    if (ctx.body === undefined && ctx.status === 404) {
      ctx.status = 404
      ctx.body = {
        name: 'NotFound',
        message: `Path ${ctx.path} not found`,
        code: 404,
        className: 'not-found'
      }
    }
  } catch (error) {
    const clientError = toClientError(error, `${ctx.method} ${ctx.path}`)
    ctx.status = clientError.code
    ctx.body = clientError.toJSON()
  }
}

function healthCheck(database: Database): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/health') return next()
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD')
      throw new MethodNotAllowed(`/health answers GET, not ${ctx.method}`)
    }
    const { status, problems } = await database.health()
    if (status === 'unavailable') ctx.status = 503
    // `workspaces`: this daemon honours the workspace a client names (the CLI asks before it names one)
    ctx.body = {
      status,
      database: database.config.mode,
      workspaces: true,
      ...(problems.length ? { problems } : {})
    }
  }
}

/**
 * Koa middleware, after the body parser (with the text it parsed): a body it read as JSON (an
 * object or a list, whichever of its JSON types the request named) with an integer past 2^53 is
 * refused, as JSON.parse rounded it (see json-integers.ts). A form's values are text.
 */
const exactBodyIntegers: Middleware = async (ctx, next) => {
  const text: unknown = Reflect.get(ctx.request, 'rawBody')
  const body: unknown = Reflect.get(ctx.request, 'body')
  if (typeof text === 'string' && typeof body === 'object' && !ctx.request.is('urlencoded'))
    assertExactIntegers(text, 'The request body')
  await next()
}

/** Koa middleware: the client's address, which the change feed records of a REST call. */
const remoteAddress: Middleware = async (ctx, next) => {
  ctx.feathers = Object.assign(ctx.feathers ?? {}, { remoteAddress: ctx.request.ip })
  await next()
}

/**
 * Answers a socket call of a method no service has, which socket.io would otherwise leave
 * unanswered until the client times out.
 */
function refuseUnknownMethod(event: string, args: unknown[]): void {
  const callback = args.at(-1)
  if (typeof callback === 'function' && !ALL_METHODS.has(event)) {
    callback(new MethodNotAllowed(`There is no method '${event}'`).toJSON())
  }
}

/**
 * How paths find services, made strict:
 * - Feathers' router looks path segments up in plain objects, so `/sessions/constructor` finds
 *   Object.prototype.constructor and fails with a TypeError (a 500, and its stack to socket
 *   clients). Such paths name nothing here: they are not found.
 * - The router ignores a trailing slash, so `DELETE /sessions/` (an id variable that was empty)
 *   would be `DELETE /sessions`, a multi remove. A service path with an empty segment is a 400.
 * - Ids in paths are percent-decoded (`/sessions/%30199b73d` is `/sessions/0199b73d`), as every
 *   HTTP client expects; the router hands them over as written.
 * The same rules hold for REST and socket.io alike.
 */
function guardLookup(app: ServedApp): void {
  const lookup = app.lookup.bind(app)
  app.lookup = (path: string) => {
    const segments = String(path).replace(/^\//, '').split('/')
    if (segments.some((segment) => segment in Object.prototype)) throw new NotFound(`Path ${path} not found`)
    const found = lookup(path)
    if (!found) return found
    if (segments.includes('')) throw new BadRequest(`The path /${segments.join('/')} has an empty id`)
    const params: Record<string, string> = {}
    for (const [name, value] of Object.entries(found.params ?? {})) params[name] = decodeSegment(value)
    return { ...found, params }
  }
}

function decodeSegment(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    throw new BadRequest(`Invalid percent-encoding in the path segment ${JSON.stringify(value)}`)
  }
}

/** socket.io's own CORS settings, for browsers that connect by HTTP long-polling. */
function socketCors(origins: readonly string[]) {
  if (origins.length === 0) return {}
  return { cors: { origin: origins.includes('*') ? '*' : [...origins] } }
}

/** Turns the store's application into one that Koa and socket.io can serve. */
export function attachTransports(
  app: App,
  database: Database,
  auth: AuthOptions | undefined,
  corsOrigins: readonly string[] = []
): ServedApp {
  const mixinsBefore = app.mixins.length
  const served = koa(app)
  guardLookup(served)
  const inFlight = new InFlight()
  served.set('inFlight', inFlight)
  served.use(inFlight.middleware)
  if (corsOrigins.length > 0) served.use(cors(corsOrigins))
  served.use(koaErrors)
  served.use(healthCheck(database))
  served.use(remoteAddress)
  served.use(strictQuery)
  served.use(
    bodyParser({
      jsonLimit: BODY_LIMIT_BYTES,
      formLimit: BODY_LIMIT_BYTES,
      textLimit: BODY_LIMIT_BYTES,
      includeUnparsed: true
    })
  )
  served.use(exactBodyIntegers)
  served.configure(rest())
  served.configure(
    socketio({ maxHttpBufferSize: BODY_LIMIT_BYTES, ...socketCors(corsOrigins) }, (io) => {
      io.use((socket, next) => {
        // what the change feed records of its calls, and whether it follows the feed (connect())
        const auth: { feed?: unknown; workspace?: unknown } = socket.handshake.auth ?? {}
        const { feathers } = socket as typeof socket & { feathers: Record<string, unknown> }
        Object.assign(feathers, { remoteAddress: socket.handshake.address, feed: auth.feed === true })
        // a browser cannot send headers on a websocket: the workspace may come in `auth` instead
        if (auth.workspace !== undefined) {
          // a workspace that is no name at all is the client's mistake: it must not go unseen
          if (typeof auth.workspace !== 'string') return next(new BadRequest('auth.workspace must be a name'))
          const headers = (feathers.headers ?? {}) as Record<string, unknown>
          feathers.headers = { ...headers, [WORKSPACE_HEADER]: auth.workspace }
        }
        next()
      })
      io.on('connection', (socket) =>
        socket.onAny((event: string, ...args: unknown[]) => refuseUnknownMethod(event, args))
      )
    })
  )
  served.configure((a) => configureChannels(a, auth === undefined ? undefined : database))
  served.hooks({ around: { all: [inFlight.hook] } })

  const { getServiceOptions } = feathersModule
  const untyped: Application = served
  for (const mixin of untyped.mixins.slice(mixinsBefore)) {
    for (const path of Object.keys(untyped.services)) {
      const service = untyped.service(path)
      mixin.call(untyped, service, path, getServiceOptions(service))
    }
  }

  if (auth) {
    configureAuthentication(served, auth, database)
    for (const name of [...collectionNames, 'changes'] as const)
      served.service(name).hooks({ before: { all: [requireAuthentication, userRules] } })
  }
  return served
}
