/**
 * The Feathers application of a store: one service per collection of the registry, the genealogy
 * routes and client-safe errors. It has no transports: library users and the CLI call it
 * in-process, and createServer attaches REST, socket.io and authentication (see transports.ts)
 * when it serves it, so that nobody who does not serve pays for loading them.
 */
import { type Application, feathers, type HookContext } from '@feathersjs/feathers'
import { methodsOf } from '../protocol.js'
import { type CollectionName, type Collections, collectionNames } from '../schema/index.js'
import type { Collection } from '../store/collection.js'
import type { Database } from '../store/database.js'
import { Feed } from '../store/feed.js'
import { DocumentService } from './adapter.js'
import { CHANGES_METHODS, ChangesService } from './changes.js'
import { directCalls } from './direct-calls.js'
import { clientSafeErrors } from './errors.js'
import { eventsFromFeed, type FeedTail, writeMethods } from './feed-tail.js'
import type { InFlight } from './in-flight.js'
import { type GenealogyRoute, type LineageRoute, lineageRoutes, SessionService } from './sessions.js'
import { keepPasswords, UserService } from './users.js'

/** Page sizes of every service: 50 unless `$limit` says otherwise, never more than 500. */
export const PAGINATE = { default: 50, max: 500 }

/** Collections whose services have methods of their own; every other one gets a DocumentService. */
interface CustomServices {
  sessions: SessionService
  users: UserService
}

/** The service of each collection, by name. */
export type CollectionServices = {
  [N in CollectionName]: N extends keyof CustomServices ? CustomServices[N] : DocumentService<Collections[N]>
}

export type ServiceTypes = CollectionServices & {
  changes: ChangesService
  'sessions/:id/fork': LineageRoute
  'sessions/:id/spawn': LineageRoute
  'sessions/:id/genealogy': GenealogyRoute
}

export interface AppSettings {
  /** What the server has in progress; a graceful close waits for it (set while served). */
  inFlight: InFlight
  /** The tail of the change feed (set while served): it emits the document services' events. */
  feedTail: FeedTail | undefined
}

export type App = Application<ServiceTypes, AppSettings>

// Events of routes that only forward to the sessions service would repeat its own `created`.
const noEvent = (context: HookContext) => {
  context.event = null
}

/**
 * The service of one collection: its own class if it has one, the document service otherwise.
 * (Typed per name where callers meet it, in CollectionServices; here any collection will do.)
 */
function serviceOf(database: Database, name: CollectionName): DocumentService {
  const collection: Collection = database.collection(name)
  const options = { collection, workspaces: database.workspaces, paginate: PAGINATE, multi: true }
  if (name === 'users') return new UserService({ ...options, collection: database.collections.users })
  if (name !== 'sessions') return new DocumentService(options)
  return new SessionService({ ...options, collection: database.collections.sessions })
}

export function createApp(database: Database): App {
  const app = feathers<ServiceTypes, AppSettings>()
  app.hooks({ error: { all: [clientSafeErrors] } })
  // registered through the untyped application: the loop cannot tell which name has which type
  const untyped: Application = app
  const fromFeed = eventsFromFeed(() => app.get('feedTail'))
  for (const name of collectionNames) {
    untyped.use(name, serviceOf(database, name), { methods: methodsOf(name) })
    const around = writeMethods(methodsOf(name)).map((method) => [method, [fromFeed]])
    untyped.service(name).hooks({ around: Object.fromEntries(around) })
  }
  const passwords = keepPasswords(database.credentials)
  app.service('users').hooks({ around: { create: [passwords], update: [passwords], patch: [passwords] } })
  app.use('changes', new ChangesService(new Feed(database.connection), database.workspaces), {
    methods: [...CHANGES_METHODS],
    events: ['feed']
  })

  // REST-friendly routes: POST /sessions/:id/fork, POST /sessions/:id/spawn, GET /sessions/:id/genealogy
  const routes = lineageRoutes(() => app.service('sessions'))
  app.use('sessions/:id/fork', routes.fork, { methods: ['create'] })
  app.use('sessions/:id/spawn', routes.spawn, { methods: ['create'] })
  app.use('sessions/:id/genealogy', routes.genealogy, { methods: ['find'] })
  for (const path of ['sessions/:id/fork', 'sessions/:id/spawn', 'sessions/:id/genealogy'] as const) {
    app.service(path).hooks({ after: { all: [noEvent] } })
  }
  // the writes of users run their passwords hook: those always go through the chain
  directCalls(
    app,
    collectionNames.map((name) => untyped.service(name)),
    collectionNames.filter((name) => name !== 'users').map((name) => untyped.service(name))
  )
  return app
}
