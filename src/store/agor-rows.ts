/**
 * How each table of agor's own database (preset-io/agor, as its migrations leave it) becomes
 * documents of this store: which column or `data` key goes to which field, and what is left out
 * (and why). agor keeps timestamps in milliseconds, booleans as 0/1, some JSON in columns of its
 * own (see agor-values.ts).
 */
import type { CollectionName } from '../schema/index.js'
import { keptEmail } from '../schema/users.js'
import { sha256 } from '../sha256.js'
import {
  type AgorRow,
  bool,
  derived,
  documentOf,
  iso,
  jsonOf,
  type Mapped,
  picked,
  reshaped,
  same,
  times
} from './agor-values.js'

/** One agor table: the collection its rows go to, and how. */
export interface AgorTable {
  table: string
  collection: CollectionName
  map(row: AgorRow): Mapped
}

/** agor's tables in the order their documents are written (references first). */
export const AGOR_TABLES: readonly AgorTable[] = [
  {
    table: 'users',
    collection: 'users',
    // the password hash goes to the credentials; the API keys and environment variables agor
    // encrypted with its own secret cannot be read here
    map: (row) =>
      documentOf(
        row,
        {
          user_id: row.user_id,
          ...times(row),
          // as users keep them: agor kept them as typed, and logins compare them so
          email: typeof row.email === 'string' ? keptEmail(row.email) : row.email,
          name: row.name,
          emoji: row.emoji,
          role: row.role,
          onboarding_completed: bool(row.onboarding_completed)
        },
        same('avatar', 'preferences', 'default_agentic_config')
      )
  },
  {
    table: 'repos',
    collection: 'repos',
    map: (row) =>
      documentOf(
        row,
        { repo_id: row.repo_id, ...times(row), slug: row.slug },
        same('name', 'remote_url', 'local_path', 'default_branch', 'environment_config')
      )
  },
  {
    table: 'boards',
    collection: 'boards',
    map: (row) =>
      documentOf(
        row,
        { board_id: row.board_id, ...times(row), created_by: row.created_by, name: row.name, slug: row.slug },
        {
          ...same('description', 'color', 'icon', 'background_color', 'custom_context'),
          objects: 'annotations'
        }
      )
  },
  {
    table: 'worktrees',
    collection: 'worktrees',
    map: (row) =>
      documentOf(
        row,
        {
          worktree_id: row.worktree_id,
          ...times(row),
          created_by: row.created_by,
          repo_id: row.repo_id,
          name: row.name,
          ref: row.ref,
          worktree_unique_id: row.worktree_unique_id,
          board_id: row.board_id,
          start_command: row.start_command,
          stop_command: row.stop_command,
          health_check_url: row.health_check_url,
          app_url: row.app_url,
          logs_command: row.logs_command,
          schedule_enabled: bool(row.schedule_enabled),
          schedule_cron: row.schedule_cron,
          schedule_last_triggered_at: iso(row.schedule_last_triggered_at),
          schedule_next_run_at: iso(row.schedule_next_run_at),
          needs_attention: bool(row.needs_attention),
          archived: bool(row.archived),
          archived_at: iso(row.archived_at),
          archived_by: row.archived_by,
          filesystem_status: row.filesystem_status
        },
        same(
          'path',
          'base_ref',
          'base_sha',
          'last_commit_sha',
          'tracking_branch',
          'new_branch',
          'issue_url',
          'pull_request_url',
          'notes',
          'environment_instance',
          'last_used',
          'custom_context',
          'schedule'
        )
      )
  },
  {
    table: 'sessions',
    collection: 'sessions',
    map: (row) =>
      documentOf(
        row,
        {
          session_id: row.session_id,
          status: row.status,
          ...times(row),
          created_by: row.created_by,
          agent: row.agentic_tool,
          board_id: row.board_id,
          parent_session_id: row.parent_session_id,
          forked_from_session_id: row.forked_from_session_id,
          worktree_id: row.worktree_id,
          scheduled_run_at: iso(row.scheduled_run_at),
          scheduled_from_worktree: bool(row.scheduled_from_worktree),
          ready_for_prompt: bool(row.ready_for_prompt),
          archived: bool(row.archived),
          archived_reason: row.archived_reason
        },
        {
          ...same(
            'sdk_session_id',
            'title',
            'description',
            'message_count',
            'permission_config',
            'model_config',
            'current_context_usage',
            'context_window_limit',
            'last_context_update_at',
            'custom_context'
          ),
          agentic_tool_version: 'agent_version',
          contextFiles: 'context_files',
          // the task list, the children and the genealogy's links are the tasks' session_id, the
          // children's parent and the session's own columns here
          tasks: derived,
          git_state: picked('git_state', ['ref', 'base_sha', 'current_sha']),
          genealogy: reshaped(
            'genealogy',
            same(
              'fork_point_task_id',
              'fork_point_message_index',
              'spawn_point_task_id',
              'spawn_point_message_index'
            ),
            { derived: ['children', 'parent_session_id', 'forked_from_session_id'], dropEmpty: true }
          )
        }
      )
  },
  {
    table: 'tasks',
    collection: 'tasks',
    map: (row) =>
      documentOf(
        row,
        {
          task_id: row.task_id,
          status: row.status,
          // agor's tasks have no updated_at: the last thing that happened to them
          ...times(row, row.completed_at ?? row.started_at),
          created_by: row.created_by,
          session_id: row.session_id,
          started_at: iso(row.started_at),
          completed_at: iso(row.completed_at)
        },
        {
          ...same('description', 'full_prompt', 'model', 'tool_use_count', 'duration_ms', 'agent_session_id'),
          permission_request: 'permission_request',
          computed_context_window: 'context_window',
          report: (value, doc) => {
            if (typeof value === 'string') doc.report = value
            else doc.report_file = value
          },
          message_range: reshaped('message_range', {
            start_index: 'start',
            end_index: 'end',
            start_timestamp: 'start_timestamp',
            end_timestamp: 'end_timestamp'
          }),
          git_state: reshaped('git_state', {
            ref_at_start: 'ref',
            sha_at_start: 'base_sha',
            sha_at_end: 'current_sha',
            commit_message: 'commit_message'
          })
        }
      )
  },
  {
    table: 'messages',
    collection: 'messages',
    map: (row) => {
      const queued = row.status === 'queued'
      return documentOf(
        row,
        {
          message_id: row.message_id,
          // agor's status is 'queued' or nothing; anything else is kept, to be refused
          status: row.status === null || row.status === undefined ? 'sent' : row.status,
          ...times(row, row.created_at),
          session_id: row.session_id,
          task_id: row.task_id,
          // agor gives every queued message the index -1: here a queued message has none yet
          index: queued && Number(row.index) < 0 ? null : row.index,
          type: row.type,
          role: row.role,
          timestamp: iso(row.timestamp),
          content_preview: row.content_preview,
          parent_tool_use_id: row.parent_tool_use_id,
          queue_position: row.queue_position
        },
        same('content', 'tool_uses', 'metadata')
      )
    }
  },
  {
    table: 'mcp_servers',
    collection: 'mcp_servers',
    map: (row) =>
      documentOf(
        row,
        {
          mcp_server_id: row.mcp_server_id,
          ...times(row),
          name: row.name,
          transport: row.transport,
          scope: row.scope,
          enabled: bool(row.enabled),
          owner_user_id: row.owner_user_id,
          team_id: row.team_id,
          repo_id: row.repo_id,
          session_id: row.session_id,
          source: row.source
        },
        same(
          'display_name',
          'description',
          'import_path',
          'command',
          'args',
          'url',
          'env',
          'tools',
          'resources',
          'prompts'
        )
      )
  },
  {
    table: 'session_mcp_servers',
    collection: 'session_mcp_servers',
    map: (row) => ({
      doc: {
        link_id: linkId(row.session_id, row.mcp_server_id),
        ...times({ created_at: row.added_at, updated_at: null }),
        session_id: row.session_id,
        mcp_server_id: row.mcp_server_id,
        enabled: bool(row.enabled)
      },
      leftOut: []
    })
  },
  {
    table: 'board_objects',
    collection: 'board_objects',
    map: (row) =>
      documentOf(
        row,
        {
          object_id: row.object_id,
          ...times(row, row.created_at),
          board_id: row.board_id,
          worktree_id: row.worktree_id
        },
        same('position', 'zone_id')
      )
  },
  {
    table: 'board_comments',
    collection: 'board_comments',
    map: (row) =>
      documentOf(
        row,
        {
          comment_id: row.comment_id,
          ...times(row),
          board_id: row.board_id,
          created_by: row.created_by,
          session_id: row.session_id,
          task_id: row.task_id,
          message_id: row.message_id,
          worktree_id: row.worktree_id,
          content: row.content,
          content_preview: row.content_preview,
          parent_comment_id: row.parent_comment_id,
          resolved: bool(row.resolved),
          edited: bool(row.edited),
          reactions:
            row.reactions === null ? [] : (jsonOf(row, 'reactions') ?? { value: row.reactions }).value
        },
        same('position', 'mentions')
      )
  }
]

/**
 * The id of an agor link of a session to an MCP server, which has none there: made from the pair,
 * so that every run gives the same one (a UUID of version 8, RFC 9562's for ids made so).
 */
function linkId(sessionId: unknown, mcpServerId: unknown): string {
  const hex = sha256()
    .update(`${String(sessionId)}\n${String(mcpServerId)}`)
    .digest('hex')
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
