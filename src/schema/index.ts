/**
 * The registry: every collection of the store, by name. The store's collections, the Feathers
 * services, the `connect()` client, the CLI's commands, export/import and `db check` all derive
 * from this one list.
 *
 * A new collection is a file in this folder that calls `defineCollection` (see boards.ts), one entry
 * here, and a migration from `npm run db:generate` (drizzle-kit finds its table through tables.cts).
 */
import { boardComments } from './board-comments.js'
import { boardObjects } from './board-objects.js'
import { boards } from './boards.js'
import type { AnyDefinition } from './collection.js'
import { kv } from './kv.js'
import { mcpServers } from './mcp-servers.js'
import { messages } from './messages.js'
import { repos } from './repos.js'
import { sessionMcpServers } from './session-mcp-servers.js'
import { sessions } from './sessions.js'
import { tasks } from './tasks.js'
import { users } from './users.js'
import { worktrees } from './worktrees.js'

export {
  boardComments,
  boardObjects,
  boards,
  kv,
  mcpServers,
  messages,
  repos,
  sessionMcpServers,
  sessions,
  tasks,
  users,
  worktrees
}

/** The definitions keyed by their own names, so that a key can never disagree with its collection. */
function registry<const Defs extends readonly AnyDefinition[]>(
  definitions: Defs
): { readonly [Def in Defs[number] as Def['name']]: Def } {
  return Object.fromEntries(definitions.map((def) => [def.name, def])) as {
    readonly [Def in Defs[number] as Def['name']]: Def
  }
}

/** Every collection by name. */
export const collections = registry([
  sessions,
  tasks,
  boards,
  repos,
  kv,
  worktrees,
  messages,
  mcpServers,
  sessionMcpServers,
  boardObjects,
  boardComments,
  users
])

export type Collections = typeof collections
export type CollectionName = keyof Collections

/** The names of every collection, in registry order (which export and import follow). */
export const collectionNames = Object.keys(collections) as CollectionName[]

/** True when `name` names a collection of the registry. */
export function isCollectionName(name: unknown): name is CollectionName {
  return typeof name === 'string' && Object.hasOwn(collections, name)
}

/** What a name that is no collection's is told, wherever a collection is named. */
export const unknownCollection = (value: string) =>
  `Unknown collection '${value}': use ${collectionNames.join(', ')}`

/** The collection `value` names, by its name or its singular (`sessions`, `session`), if any. */
export function collectionNamed(value: string): CollectionName | undefined {
  return collectionNames.find((name) => name === value || collections[name].singular === value)
}
