/**
 * The Feathers application of a store: Koa REST and socket.io transports, one service per
 * collection, the genealogy routes, channels and client-safe errors. Transports are configured
 * before the services are registered: Feathers attaches routes and event publishing to a service
 * when it is registered.
 */
import { MethodNotAllowed } from '@feathersjs/errors'
import { type Application as FeathersApplication, feathers, type HookContext } from '@feathersjs/feathers'
import { type Application, bodyParser, koa, type Middleware, rest } from '@feathersjs/koa'
import socketio from '@feathersjs/socketio'
import type { boards, repos, tasks } from '../schema/index.js'
import type { Documents } from '../store/documents.js'
import { DOCUMENT_METHODS, DocumentService } from './adapter.js'
import { type AuthOptions, configureAuthentication, requireAuthentication } from './auth.js'
import { configureChannels } from './channels.js'
import { clientSafeErrors, toClientError } from './errors.js'
import { InFlight } from './in-flight.js'
import {
  type GenealogyRoute,
  type LineageRoute,
  lineageRoutes,
  SESSION_METHODS,
  SessionService
} from './sessions.js'

/** The largest JSON body a REST request or socket message may carry. */
export const BODY_LIMIT_BYTES = 1024 * 1024
/** Page sizes of every service: 50 unless `$limit` says otherwise, never more than 500. */
export const PAGINATE = { default: 50, max: 500 }

export interface ServiceTypes {
  sessions: SessionService
  tasks: DocumentService<typeof tasks>
  boards: DocumentService<typeof boards>
  repos: DocumentService<typeof repos>
  'sessions/:id/fork': LineageRoute
  'sessions/:id/spawn': LineageRoute
  'sessions/:id/genealogy': GenealogyRoute
}

export interface AppSettings {
  /** What the server has in progress; a graceful close waits for it. */
  inFlight: InFlight
}

export type App = Application<ServiceTypes, AppSettings>

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

function healthCheck(documents: Documents): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/health') return next()
    try {
      await documents.db.execute('SELECT 1')
      ctx.body = { status: 'ok', database: documents.config.mode }
    } catch {
      ctx.status = 503
      ctx.body = { status: 'unavailable', database: documents.config.mode }
    }
  }
}

// Events of routes that only forward to the sessions service would repeat its own `created`.
const noEvent = (context: HookContext) => {
  context.event = null
}

/**
 * Answers a socket call of a method no service has, which socket.io would otherwise leave
 * unanswered until the client times out.
 */
function refuseUnknownMethod(event: string, args: unknown[]): void {
  const callback = args.at(-1)
  if (typeof callback === 'function' && !SOCKET_METHODS.has(event)) {
    callback(new MethodNotAllowed(`There is no method '${event}'`).toJSON())
  }
}

/** Every method a service of this app has (the authentication service has create and remove). */
const SOCKET_METHODS = new Set<string>(SESSION_METHODS)

/**
 * Feathers' router looks path segments up in plain objects, so `/sessions/constructor` finds
 * Object.prototype.constructor and fails with a TypeError (a 500, and its stack to socket clients).
 * Such paths name nothing here: they are not found, for REST and socket.io alike.
 */
function guardLookup(app: App): void {
  const lookup = app.lookup.bind(app)
  // (lookup is typed as always finding something; it returns null for unknown paths)
  const nothing = null as unknown as ReturnType<typeof lookup>
  app.lookup = (path: string) =>
    String(path)
      .split('/')
      .some((segment) => segment in Object.prototype)
      ? nothing
      : lookup(path)
}

export interface AppOptions {
  /** API keys and token secret; without them every client is trusted (loopback only). */
  auth?: AuthOptions
}

export function createApp(documents: Documents, options: AppOptions = {}): App {
  const app = koa<ServiceTypes, AppSettings>(feathers() as FeathersApplication<ServiceTypes, AppSettings>)
  guardLookup(app)
  const inFlight = new InFlight()
  app.set('inFlight', inFlight)
  app.use(inFlight.middleware)
  app.use(koaErrors)
  app.use(healthCheck(documents))
  app.use(
    bodyParser({ jsonLimit: BODY_LIMIT_BYTES, formLimit: BODY_LIMIT_BYTES, textLimit: BODY_LIMIT_BYTES })
  )
  app.configure(rest())
  app.configure(
    socketio({ maxHttpBufferSize: BODY_LIMIT_BYTES }, (io) => {
      io.on('connection', (socket) =>
        socket.onAny((event: string, ...args: unknown[]) => refuseUnknownMethod(event, args))
      )
    })
  )
  app.configure((a) => configureChannels(a, options.auth !== undefined))
  app.hooks({ around: { all: [inFlight.hook] }, error: { all: [clientSafeErrors] } })
  if (options.auth) configureAuthentication(app, options.auth)

  const { collections, genealogy } = documents
  const common = { paginate: PAGINATE, multi: true }
  app.use('sessions', new SessionService({ collection: collections.sessions, genealogy, ...common }), {
    methods: [...SESSION_METHODS]
  })
  const methods = [...DOCUMENT_METHODS]
  app.use('tasks', new DocumentService({ collection: collections.tasks, ...common }), { methods })
  app.use('boards', new DocumentService({ collection: collections.boards, ...common }), { methods })
  app.use('repos', new DocumentService({ collection: collections.repos, ...common }), { methods })
  if (options.auth) {
    for (const name of ['sessions', 'tasks', 'boards', 'repos'] as const) {
      app.service(name).hooks({ before: { all: [requireAuthentication] } })
    }
  }

  // REST-friendly routes: POST /sessions/:id/fork, POST /sessions/:id/spawn, GET /sessions/:id/genealogy
  const routes = lineageRoutes(() => app.service('sessions'))
  app.use('sessions/:id/fork', routes.fork, { methods: ['create'] })
  app.use('sessions/:id/spawn', routes.spawn, { methods: ['create'] })
  app.use('sessions/:id/genealogy', routes.genealogy, { methods: ['find'] })
  for (const path of ['sessions/:id/fork', 'sessions/:id/spawn', 'sessions/:id/genealogy'] as const) {
    app.service(path).hooks({ after: { all: [noEvent] } })
  }
  return app
}
