/** Names that the daemon and its clients both use on the wire. */
import type { CollectionName } from './schema/index.js'

/** The header that carries an API key (REST requests and the socket.io handshake). */
export const API_KEY_HEADER = 'x-api-key'

/**
 * The provider of the CLI's in-process calls: a caller from outside whose query values are text,
 * as a REST query string's are.
 */
export const CLI_PROVIDER = 'cli'

/**
 * The header with which a client says what it is: `x-agor-client: cli` from the `agor` command, so
 * that the change feed records its writes through a daemon as the CLI's, as it does those it makes
 * on the file itself. It labels, and nothing more: anyone can send it, so it grants nothing.
 */
export const CLIENT_HEADER = 'x-agor-client'

/**
 * The header with which a client names the workspace it works in: honoured for administrative
 * keys (AGOR_API_KEY) and without authentication; a workspace's key works in its own only.
 */
export const WORKSPACE_HEADER = 'x-agor-workspace'

/** Providers whose query values are text, given their fields' types by the service. */
export const TEXT_PROVIDERS: ReadonlySet<string> = new Set(['rest', CLI_PROVIDER])

/** The methods clients may call on every collection's service. */
export const DOCUMENT_METHODS = ['find', 'get', 'create', 'update', 'patch', 'remove', 'shortIds'] as const

/** Methods that some collections' services add to the document methods. */
export const EXTRA_METHODS = {
  sessions: ['fork', 'spawn', 'genealogy']
} as const satisfies Partial<Record<CollectionName, readonly string[]>>

/** Every method clients may call on the service of `name`. */
export function methodsOf(name: CollectionName): string[] {
  const extra: Partial<Record<CollectionName, readonly string[]>> = EXTRA_METHODS
  return [...DOCUMENT_METHODS, ...(extra[name] ?? [])]
}

/** The methods that only read (every other one may write). */
export const READ_METHODS: ReadonlySet<string> = new Set(['find', 'get', 'shortIds', 'genealogy'])

/** Every method of any collection's service: what a socket may call at all. */
export const ALL_METHODS: ReadonlySet<string> = new Set([
  ...DOCUMENT_METHODS,
  ...Object.values(EXTRA_METHODS).flat()
])
