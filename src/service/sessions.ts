/**
 * The sessions service: the document service plus the genealogy methods fork, spawn and
 * genealogy, available over socket.io and REST (custom methods, and routes under /sessions/:id).
 */
import { BadRequest } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'
import type { sessions } from '../schema/sessions.js'
import { type Genealogy, genealogyOf, type SessionTree, type SessionWriter } from '../store/genealogy.js'
import { isPlainObject } from '../store/plain-json.js'
import type { CreateData } from '../store/types.js'
import { type DocumentParams, DocumentService } from './adapter.js'

type SessionDef = typeof sessions

/** What fork and spawn take: the id (or short id) of the session, and fields for the new one. */
export type LineageData = { id: string } & Partial<CreateData<SessionDef>>

function idOf(data: unknown): { id: string; rest: Partial<CreateData<SessionDef>> } {
  if (!isPlainObject(data) || typeof data.id !== 'string') {
    throw new BadRequest('Name the session: { "id": "<id or short id>" }')
  }
  const { id, ...rest } = data as LineageData
  return { id, rest }
}

export class SessionService extends DocumentService<SessionDef> {
  /** Forks a session: `fork({ id: '0199b73d', title: 'try B' })`. Emits `created` for the fork. */
  async fork(data: LineageData, params: DocumentParams = {}) {
    const { id, rest } = idOf(data)
    return (await this.lineage(params)).fork(id, rest, this.writer(params))
  }

  /** Spawns a child session: `spawn({ id: '0199b73d', agent: 'codex' })`. Emits `created`. */
  async spawn(data: LineageData, params: DocumentParams = {}) {
    const { id, rest } = idOf(data)
    return (await this.lineage(params)).spawn(id, rest, this.writer(params))
  }

  /** A session with its ancestors and children: `genealogy({ id: '0199b73d' })`. */
  async genealogy(data: { id: string }, params: DocumentParams = {}): Promise<SessionTree> {
    const { id } = idOf(data)
    return (await this.lineage(params)).tree(id)
  }

  /** The genealogy of the sessions of the workspace a call works in. */
  async lineage(params: DocumentParams): Promise<Genealogy> {
    return genealogyOf(await this.collectionFor(params))
  }

  /** Reads without hooks; writes through the hooked create, so that `created` is published. */
  writer(params: DocumentParams): SessionWriter {
    return {
      get: (id) => this._get(id, { ...params, query: {} }),
      create: (doc) => this.create(doc, { ...params, query: {} })
    }
  }
}

/** Params of the routes under /sessions/:id: Feathers puts `:id` in `params.route`. */
export interface RouteParams extends Params {
  route?: { id?: string }
}

type Session = Awaited<ReturnType<SessionService['get']>>

/** `POST /sessions/:id/fork` and `POST /sessions/:id/spawn`. */
export interface LineageRoute {
  create(data: Partial<CreateData<SessionDef>>, params?: RouteParams): Promise<Session>
}

/** `GET /sessions/:id/genealogy`. */
export interface GenealogyRoute {
  find(params?: RouteParams): Promise<SessionTree>
}

/** The REST-friendly routes over the sessions service's custom methods. */
export function lineageRoutes(sessions: () => SessionService) {
  const id = (params: RouteParams = {}) => String(params.route?.id)
  // the body holds the new session's fields: an object (an array would spread into '0', '1', …)
  const fields = (data: unknown) => {
    if (!isPlainObject(data))
      throw new BadRequest('The body must be an object: the fields of the new session')
    return data
  }
  const fork: LineageRoute = {
    create: (data, params) => sessions().fork({ ...fields(data), id: id(params) }, params)
  }
  const spawn: LineageRoute = {
    create: (data, params) => sessions().spawn({ ...fields(data), id: id(params) }, params)
  }
  const genealogy: GenealogyRoute = { find: (params) => sessions().genealogy({ id: id(params) }, params) }
  return { fork, spawn, genealogy }
}
