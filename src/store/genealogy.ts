/**
 * Session genealogy: a session spawned by another points at it with `parent_session_id`, a fork
 * points at its origin with `forked_from_session_id`. Ancestors and descendants are each one
 * recursive query, however deep the tree.
 */

import { BadRequest } from '@feathersjs/errors'
import type { sessions } from '../schema/sessions.js'
import { quoteIdent } from '../schema/sql.js'
import type { Collection } from './collection.js'
import type { Document } from './row.js'
import type { CreateData } from './types.js'

type SessionDef = typeof sessions
type Session = Awaited<ReturnType<Collection<SessionDef>['get']>>

/** Where a fork or spawn is written: the collection, or the Feathers service over it (for events). */
export interface SessionWriter {
  get(id: string): Promise<Session>
  create(data: CreateData<SessionDef>): Promise<Session>
}

export interface SessionTree {
  session: Session
  /** Nearest first: the parent (or origin of a fork), its parent, … */
  ancestors: Session[]
  /** Sessions spawned or forked from this one, oldest first. */
  children: Session[]
}

/** Deeper than any real tree; it only stops a cycle someone patched in. */
const MAX_DEPTH = 1000
const PARENT = quoteIdent('parent_session_id')
const ORIGIN = quoteIdent('forked_from_session_id')
const ID = quoteIdent('session_id')
/** The links a fork or spawn sets itself. */
const LINKS = ['parent_session_id', 'forked_from_session_id'] as const
/** What a child inherits from the session it was spawned from. */
const SPAWN_INHERITS = ['agent', 'repo', 'git_state']
/** What a fork does not copy from its origin: its identity, state and own links. */
const FORK_LEAVES = [
  'session_id',
  'status',
  'created_at',
  'updated_at',
  'parent_session_id',
  'forked_from_session_id'
]

export class Genealogy {
  readonly #sessions: Collection<SessionDef>

  constructor(sessionCollection: Collection<SessionDef>) {
    this.#sessions = sessionCollection
  }

  /** Sessions spawned or forked from `id`, oldest first. */
  async children(id: string): Promise<Session[]> {
    const session = await this.#sessions.get(id)
    return this.#children(session.session_id)
  }

  /** The chain of parents (or fork origins) of `id`, nearest first, in one recursive query. */
  async ancestors(id: string): Promise<Session[]> {
    const session = await this.#sessions.get(id)
    return this.#ancestors(session.session_id)
  }

  /** Every session below `id`, level by level, in one recursive query. */
  async descendants(id: string): Promise<Session[]> {
    const session = await this.#sessions.get(id)
    return this.#sessions.selectDocuments((columns, table) => ({
      sql: `WITH RECURSIVE tree(id, depth) AS (
          SELECT ${ID}, 1 FROM ${table} WHERE ${PARENT} = ?1 OR ${ORIGIN} = ?1
          UNION
          SELECT s.${ID}, t.depth + 1 FROM tree t JOIN ${table} s ON s.${PARENT} = t.id WHERE t.depth < ${MAX_DEPTH}
          UNION
          SELECT s.${ID}, t.depth + 1 FROM tree t JOIN ${table} s ON s.${ORIGIN} = t.id WHERE t.depth < ${MAX_DEPTH}
        ),
        levels AS (SELECT id, min(depth) AS depth FROM tree GROUP BY id)
        SELECT ${columns} FROM levels JOIN ${table} ON ${ID} = levels.id ORDER BY levels.depth, created_at, ${ID}`,
      args: [session.session_id]
    }))
  }

  /** The session with its ancestors and children. */
  async tree(id: string): Promise<SessionTree> {
    const session = await this.#sessions.get(id)
    const [ancestors, children] = await Promise.all([
      this.#ancestors(session.session_id),
      this.#children(session.session_id)
    ])
    return { session, ancestors, children }
  }

  /**
   * Forks `id`: a new idle session with the origin's fields (and `data` over them) that points at
   * it with `forked_from_session_id`. The child and its link are one insert.
   */
  async fork(id: string, data: Partial<CreateData<SessionDef>> = {}, writer: SessionWriter = this.#sessions) {
    const known = Object.keys(this.#sessions.definition.schema.shape).filter(
      (key) => !FORK_LEAVES.includes(key)
    )
    return this.#child(id, data, writer, 'forked_from_session_id', known)
  }

  /**
   * Spawns a child of `id`: a new idle session on the parent's agent, repo and git state (and
   * `data` over them) that points at it with `parent_session_id`, in one insert.
   */
  async spawn(
    id: string,
    data: Partial<CreateData<SessionDef>> = {},
    writer: SessionWriter = this.#sessions
  ) {
    return this.#child(id, data, writer, 'parent_session_id', SPAWN_INHERITS)
  }

  /** A new idle session with `inherit` fields of `id` and `data` over them, linked to it by `link`. */
  async #child(
    id: string,
    data: Partial<CreateData<SessionDef>>,
    writer: SessionWriter,
    link: 'parent_session_id' | 'forked_from_session_id',
    inherit: readonly string[]
  ) {
    for (const key of LINKS) {
      if (data[key] !== undefined)
        throw new BadRequest(
          `${key} cannot be given to ${link === 'parent_session_id' ? 'spawn' : 'fork'}: it links the new session to ${id}`
        )
    }
    const source: Document = await writer.get(id)
    const inherited: Document = {}
    for (const key of inherit) if (source[key] != null) inherited[key] = source[key]
    return writer.create({
      ...inherited,
      ...data,
      status: data.status === undefined ? 'idle' : data.status,
      [link]: source.session_id
    } as CreateData<SessionDef>)
  }

  #children(id: string): Promise<Session[]> {
    return this.#sessions.find({
      query: { $or: [{ parent_session_id: id }, { forked_from_session_id: id }], $sort: { created_at: 1 } }
    })
  }

  #ancestors(id: string): Promise<Session[]> {
    return this.#sessions.selectDocuments((columns, table) => ({
      sql: `WITH RECURSIVE lineage(id, depth) AS (
          SELECT coalesce(${PARENT}, ${ORIGIN}), 1 FROM ${table} WHERE ${ID} = ?
          UNION
          SELECT coalesce(s.${PARENT}, s.${ORIGIN}), l.depth + 1 FROM lineage l JOIN ${table} s ON s.${ID} = l.id
          WHERE l.depth < ${MAX_DEPTH}
        ),
        levels AS (SELECT id, min(depth) AS depth FROM lineage WHERE id IS NOT NULL GROUP BY id)
        SELECT ${columns} FROM levels JOIN ${table} ON ${ID} = levels.id ORDER BY levels.depth`,
      args: [id]
    }))
  }
}

/** The genealogy of each sessions collection (one per workspace), made at its first use. */
const genealogies = new WeakMap<Collection<SessionDef>, Genealogy>()

/** The genealogy of the sessions of `sessions`' workspace. */
export function genealogyOf(sessions: Collection<SessionDef>): Genealogy {
  let genealogy = genealogies.get(sessions)
  if (!genealogy) {
    genealogy = new Genealogy(sessions)
    genealogies.set(sessions, genealogy)
  }
  return genealogy
}
