import { z } from 'zod'
import { boards } from './boards.js'
import {
  type AnyDefinition,
  defineCollection,
  idString,
  isoTimestamp,
  nonBlank,
  optional
} from './collection.js'
import { worktrees } from './worktrees.js'

/** The git state of a working tree. */
export const gitState = () =>
  z.strictObject({
    ref: optional(z.string()),
    base_sha: optional(z.string()),
    current_sha: optional(z.string())
  })

/** An agent session. Spawned sessions point at their parent, forks at the session they came from. */
export const sessions = defineCollection({
  name: 'sessions',
  singular: 'session',
  idField: 'session_id',
  authored: true,
  statuses: ['idle', 'running', 'awaiting_permission', 'completed', 'failed'],
  tagged: true,
  fields: () => ({
    agent: nonBlank(),
    title: optional(z.string()),
    description: optional(z.string()),
    repo: optional(
      z.strictObject({
        cwd: optional(z.string()),
        managed_worktree: optional(z.boolean())
      })
    ),
    git_state: optional(gitState()),
    custom_context: optional(z.record(z.string(), z.unknown())),
    parent_session_id: optional(idString()),
    forked_from_session_id: optional(idString()),
    worktree_id: optional(idString()),
    board_id: optional(idString()),
    agent_version: optional(z.string()),
    sdk_session_id: optional(z.string()),
    model_config: optional(z.record(z.string(), z.unknown())),
    permission_config: optional(z.record(z.string(), z.unknown())),
    // where in its parent's conversation a fork or spawn began
    genealogy: optional(
      z.strictObject({
        fork_point_task_id: optional(z.string()),
        fork_point_message_index: optional(z.number().int()),
        spawn_point_task_id: optional(z.string()),
        spawn_point_message_index: optional(z.number().int())
      })
    ),
    context_files: optional(z.array(z.string())),
    message_count: optional(z.number().int().nonnegative()),
    ready_for_prompt: optional(z.boolean()),
    scheduled_run_at: optional(isoTimestamp()),
    scheduled_from_worktree: optional(z.boolean()),
    context_window_limit: optional(z.number().int().nonnegative()),
    current_context_usage: optional(z.number().nonnegative()),
    last_context_update_at: optional(isoTimestamp()),
    archived: optional(z.boolean()),
    archived_reason: optional(z.enum(['worktree_archived', 'manual']))
  }),
  relations: {
    parent_session_id: { target: (): AnyDefinition => sessions, onDelete: 'set null' },
    forked_from_session_id: { target: (): AnyDefinition => sessions, onDelete: 'set null' },
    worktree_id: { target: (): AnyDefinition => worktrees, onDelete: 'cascade' },
    board_id: { target: (): AnyDefinition => boards, onDelete: 'set null' }
  },
  indexes: ['agent', 'archived'],
  search: ['title', 'description'],
  summary: (s) => s.title ?? s.description ?? s.agent
})
