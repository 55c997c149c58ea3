import { z } from 'zod'
import { defineCollection, idString, isoTimestamp, optional } from './collection.js'
import { gitState, sessions } from './sessions.js'

const FINISHED = new Set(['completed', 'failed', 'stopped'])

/** A unit of work inside a session; removed with its session. */
export const tasks = defineCollection({
  name: 'tasks',
  singular: 'task',
  idField: 'task_id',
  authored: true,
  statuses: ['created', 'running', 'stopping', 'awaiting_permission', 'completed', 'failed', 'stopped'],
  tagged: true,
  fields: () => ({
    session_id: idString(),
    description: optional(z.string()),
    full_prompt: optional(z.string()),
    model: optional(z.string()),
    message_range: optional(
      z.strictObject({
        start: optional(z.number().int().nonnegative()),
        end: optional(z.number().int().nonnegative()),
        start_timestamp: optional(isoTimestamp()),
        end_timestamp: optional(isoTimestamp())
      })
    ),
    // where the task began and ended, and the commit it made
    git_state: optional(gitState().extend({ commit_message: optional(z.string()) })),
    tool_use_count: optional(z.number().int().nonnegative()),
    duration_ms: optional(z.number().nonnegative()),
    report: optional(z.string()),
    // where a report written to a file is, and how it was made
    report_file: optional(z.record(z.string(), z.unknown())),
    agent_session_id: optional(z.string()),
    permission_request: optional(z.record(z.string(), z.unknown())),
    context_window: optional(z.number().int().nonnegative()),
    started_at: optional(isoTimestamp()),
    completed_at: optional(isoTimestamp())
  }),
  relations: { session_id: { target: () => sessions, onDelete: 'cascade' } },
  search: ['description', 'full_prompt', 'report'],
  summary: (t) => firstLine(t.description ?? t.full_prompt ?? ''),
  // completed_at records when the task finished: set when the status becomes completed or failed
  // (unless the write gives it), kept while it stays finished (an update that leaves it out, or a
  // patch to null, does not erase it), cleared when the task is running again. A write that gives
  // it to a task that has not finished (a create, an import of agor's rows) keeps it: it is data.
  beforeWrite: (next, previous) => {
    const finished = FINISHED.has(next.status)
    const wasFinished = previous !== undefined && FINISHED.has(previous.status)
    if (finished && next.completed_at == null)
      next.completed_at = (wasFinished ? previous.completed_at : undefined) ?? next.updated_at
    if (!finished && next.completed_at != null && wasFinished) next.completed_at = null
  }
})

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? ''
}
