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
import { repos } from './repos.js'

/** A git worktree of a repo, where sessions run; its name is unique within the repo. */
export const worktrees = defineCollection({
  name: 'worktrees',
  singular: 'worktree',
  idField: 'worktree_id',
  authored: true,
  tagged: true,
  fields: () => ({
    repo_id: idString(),
    name: nonBlank().max(200),
    ref: nonBlank(),
    board_id: optional(idString()),
    path: optional(z.string()),
    base_ref: optional(z.string()),
    base_sha: optional(z.string()),
    last_commit_sha: optional(z.string()),
    tracking_branch: optional(z.string()),
    new_branch: optional(z.boolean()),
    issue_url: optional(z.string()),
    pull_request_url: optional(z.string()),
    notes: optional(z.string()),
    worktree_unique_id: optional(z.number().int().positive()),
    start_command: optional(z.string()),
    stop_command: optional(z.string()),
    health_check_url: optional(z.string()),
    app_url: optional(z.string()),
    logs_command: optional(z.string()),
    environment_instance: optional(z.record(z.string(), z.unknown())),
    schedule_enabled: optional(z.boolean()),
    schedule_cron: optional(z.string()),
    schedule_last_triggered_at: optional(isoTimestamp()),
    schedule_next_run_at: optional(isoTimestamp()),
    schedule: optional(z.record(z.string(), z.unknown())),
    needs_attention: optional(z.boolean()),
    archived: optional(z.boolean()),
    archived_at: optional(isoTimestamp()),
    archived_by: optional(z.string()),
    filesystem_status: optional(z.enum(['preserved', 'cleaned', 'deleted'])),
    last_used: optional(isoTimestamp()),
    custom_context: optional(z.record(z.string(), z.unknown()))
  }),
  relations: {
    repo_id: { target: (): AnyDefinition => repos, onDelete: 'cascade' },
    board_id: { target: (): AnyDefinition => boards, onDelete: 'set null' }
  },
  unique: [['repo_id', 'name']],
  columns: ['name'],
  indexes: ['archived'],
  search: ['name', 'notes'],
  summary: (w) => `${w.name} (${w.ref})`,
  // what agor's columns default to: a worktree is not archived and has no schedule until set
  beforeWrite: (next) => {
    next.archived ??= false
    next.schedule_enabled ??= false
  }
})
