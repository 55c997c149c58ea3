/**
 * The Feathers application of a store: one service per collection, the genealogy routes and
 * client-safe errors. It has no transports: library users and the CLI call it in-process, and
 * createServer attaches REST, socket.io and authentication (see transports.ts) when it serves it,
 * so that nobody who does not serve pays for loading them.
 */
import { type Application, feathers, type HookContext } from '@feathersjs/feathers'
import type { boards, repos, tasks } from '../schema/index.js'
import type { Documents } from '../store/documents.js'
import { DOCUMENT_METHODS, DocumentService } from './adapter.js'
import { clientSafeErrors } from './errors.js'
import type { InFlight } from './in-flight.js'
import {
  type GenealogyRoute,
  type LineageRoute,
  lineageRoutes,
  SESSION_METHODS,
  SessionService
} from './sessions.js'

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
  /** What the server has in progress; a graceful close waits for it (set while served). */
  inFlight: InFlight
}

export type App = Application<ServiceTypes, AppSettings>

/** The paths of the document services (the routes under /sessions/:id forward to sessions). */
export const DOCUMENT_SERVICES = ['sessions', 'tasks', 'boards', 'repos'] as const

// Events of routes that only forward to the sessions service would repeat its own `created`.
const noEvent = (context: HookContext) => {
  context.event = null
}

export function createApp(documents: Documents): App {
  const app = feathers<ServiceTypes, AppSettings>()
  app.hooks({ error: { all: [clientSafeErrors] } })

  const { collections, genealogy } = documents
  const common = { paginate: PAGINATE, multi: true }
  app.use('sessions', new SessionService({ collection: collections.sessions, genealogy, ...common }), {
    methods: [...SESSION_METHODS]
  })
  const methods = [...DOCUMENT_METHODS]
  app.use('tasks', new DocumentService({ collection: collections.tasks, ...common }), { methods })
  app.use('boards', new DocumentService({ collection: collections.boards, ...common }), { methods })
  app.use('repos', new DocumentService({ collection: collections.repos, ...common }), { methods })

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
