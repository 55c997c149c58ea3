import { z } from 'zod'
import { type AnyDefinition, defineCollection, idString, nonBlank, optional } from './collection.js'
import { repos } from './repos.js'
import { sessions } from './sessions.js'

/** A capability an MCP server offers (a tool, a resource, a prompt): what it said of it. */
const offered = () => z.array(z.record(z.string(), z.unknown()))

/**
 * An MCP server agents can use: how to reach it, and who may (its scope: everyone, a team, a repo
 * or one session; removed with the repo or session it belongs to).
 */
export const mcpServers = defineCollection({
  name: 'mcp_servers',
  singular: 'mcp-server',
  idField: 'mcp_server_id',
  fields: () => ({
    name: nonBlank().max(200),
    display_name: optional(z.string()),
    description: optional(z.string()),
    transport: z.enum(['stdio', 'http', 'sse']),
    scope: z.enum(['global', 'team', 'repo', 'session']),
    source: optional(z.enum(['user', 'imported', 'agor'])),
    enabled: optional(z.boolean()),
    owner_user_id: optional(z.string()),
    team_id: optional(z.string()),
    repo_id: optional(idString()),
    session_id: optional(idString()),
    import_path: optional(z.string()),
    command: optional(z.string()),
    args: optional(z.array(z.string())),
    url: optional(z.string()),
    env: optional(z.record(z.string(), z.string())),
    tools: optional(offered()),
    resources: optional(offered()),
    prompts: optional(offered())
  }),
  relations: {
    repo_id: { target: (): AnyDefinition => repos, onDelete: 'cascade' },
    session_id: { target: (): AnyDefinition => sessions, onDelete: 'cascade' }
  },
  indexes: ['name', 'scope'],
  search: ['name', 'display_name', 'description'],
  summary: (m) => `${m.display_name ?? m.name} (${m.transport}, ${m.scope})`,
  // agor's defaults: a server is enabled, and one a user added
  beforeWrite: (next) => {
    next.enabled ??= true
    next.source ??= 'user'
  }
})
