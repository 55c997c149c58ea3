/**
 * What a user who logged in (with an email and a password) may do, on top of authentication:
 * - work in the workspaces the user belongs to: the default one with the user's `role`, others
 *   through `workspaces` (a workspace the user does not belong to does not exist for the user);
 * - read there; write there unless a viewer;
 * - manage users (create, remove, change roles and memberships) as an owner or admin of the
 *   default workspace; any user may change their own name, emoji, preferences and password;
 * - create documents that the store marks as theirs (`created_by` of authored collections).
 * Calls made with an API key, and calls in the process, are not a user's: these rules leave them
 * to the key's own scope (scope.ts), except that a workspace's key has no access to users.
 */
import { Forbidden, NotFound } from '@feathersjs/errors'
import type { HookContext } from '@feathersjs/feathers'
import { READ_METHODS, WORKSPACE_HEADER } from '../protocol.js'
import { AUTHOR_FIELD } from '../schema/collection.js'
import { collections, isCollectionName } from '../schema/index.js'
import { MANAGING_ROLES } from '../schema/users.js'
import { DEFAULT_WORKSPACE } from '../schema/workspaces.js'
import { isPlainObject } from '../store/plain-json.js'
import { askedWorkspace, workspaceKey } from './scope.js'

type User = Record<string, unknown>

/** What only a manager of users may change in a user's document. */
const MANAGED_FIELDS = ['role', 'workspaces', 'email']

/** The role of `user` in `workspace`, if the user belongs to it. */
export function roleIn(user: User, workspace: string): string | undefined {
  if (workspace === DEFAULT_WORKSPACE) return typeof user.role === 'string' ? user.role : 'member'
  const memberships = user.workspaces
  const role = isPlainObject(memberships) ? memberships[workspace] : undefined
  return typeof role === 'string' ? role : undefined
}

/** The user a call was made by, if a user logged in to make it. */
export function callUser(context: HookContext): User | undefined {
  const user: unknown = context.params.user
  return isPlainObject(user) ? user : undefined
}

/** Before hook of the document services and the change feed, with authentication on. */
export async function userRules(context: HookContext): Promise<void> {
  // the accounts are the whole database's: a workspace's key sees none of them
  if (context.path === 'users' && workspaceKey(context.params) !== undefined)
    throw new Forbidden("A workspace's key cannot read or change users")
  const user = callUser(context)
  if (!user) return
  const params = context.params
  const workspace = askedWorkspace(params.headers) ?? DEFAULT_WORKSPACE
  const role = roleIn(user, workspace)
  if (!role) throw new NotFound(`No workspace is called '${workspace}'`)
  // the workspace the call works in is the one checked here, named for everything downstream
  params.headers = { ...params.headers, [WORKSPACE_HEADER]: workspace }
  if (READ_METHODS.has(context.method)) return
  if (context.path === 'users') return usersWrite(context, user)
  if (role === 'viewer') throw new Forbidden('A viewer cannot change documents')
  if (context.method === 'create' && isCollectionName(context.path) && collections[context.path].authored) {
    const author = String(user.user_id)
    const mark = (item: unknown) => (isPlainObject(item) ? { ...item, [AUTHOR_FIELD]: author } : item)
    context.data = Array.isArray(context.data) ? context.data.map(mark) : mark(context.data)
  }
}

/** A user's write to the users service: a manager's, or one's own profile. */
async function usersWrite(context: HookContext, user: User): Promise<void> {
  const role = String(user.role ?? '')
  if (role === 'owner') return
  if (MANAGING_ROLES.has(role)) {
    // an admin manages everyone but the owners: making, changing or removing one is an owner's
    if (await touchesOwner(context)) throw new Forbidden('Only an owner manages owners')
    return
  }
  const own =
    context.method === 'patch' &&
    context.id !== null &&
    (await context.self.get(context.id, { query: {} })).user_id === user.user_id
  const managed =
    isPlainObject(context.data) && MANAGED_FIELDS.some((field) => Object.hasOwn(context.data, field))
  if (!own || managed) throw new Forbidden('Only an owner or admin manages users and their roles')
}

/** Whether a write to users makes an owner, or changes or removes one. */
async function touchesOwner(context: HookContext): Promise<boolean> {
  const items: unknown[] = Array.isArray(context.data) ? context.data : [context.data]
  if (items.some((item) => isPlainObject(item) && item.role === 'owner')) return true
  if (context.method === 'create') return false
  const targets: unknown[] =
    context.id === null
      ? await context.self.find({ query: conditionsOf(context.params.query), paginate: false })
      : [await context.self.get(context.id, { query: {} })]
  return targets.some((target) => isPlainObject(target) && target.role === 'owner')
}

/** A multi write's query as a find takes it: its conditions, without the opt-in to match all. */
function conditionsOf(query: unknown): Record<string, unknown> {
  if (!isPlainObject(query)) return {}
  const { $all: _all, ...conditions } = query
  return conditions
}
