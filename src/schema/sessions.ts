import { z } from 'zod'
import { type AnyDefinition, defineCollection, idString, nonBlank, optional } from './collection.js'

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
  statuses: ['idle', 'running', 'completed', 'failed'],
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
    forked_from_session_id: optional(idString())
  }),
  relations: {
    parent_session_id: { target: (): AnyDefinition => sessions, onDelete: 'set null' },
    forked_from_session_id: { target: (): AnyDefinition => sessions, onDelete: 'set null' }
  },
  indexes: ['agent'],
  search: ['title', 'description'],
  summary: (s) => s.title ?? s.description ?? s.agent
})
