import { z } from 'zod'
import { type AnyDefinition, defineCollection, idString, optional } from './collection.js'
import { mcpServers } from './mcp-servers.js'
import { sessions } from './sessions.js'

/** An MCP server a session uses: one link per pair, removed with either. */
export const sessionMcpServers = defineCollection({
  name: 'session_mcp_servers',
  singular: 'session-mcp-server',
  idField: 'link_id',
  fields: () => ({
    session_id: idString(),
    mcp_server_id: idString(),
    enabled: optional(z.boolean())
  }),
  relations: {
    session_id: { target: (): AnyDefinition => sessions, onDelete: 'cascade' },
    mcp_server_id: { target: (): AnyDefinition => mcpServers, onDelete: 'cascade' }
  },
  unique: [['session_id', 'mcp_server_id']],
  // a link is enabled until turned off
  beforeWrite: (next) => {
    next.enabled ??= true
  },
  summary: (l) => `${l.session_id} → ${l.mcp_server_id}${l.enabled === false ? ' (disabled)' : ''}`
})
