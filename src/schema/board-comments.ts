import { z } from 'zod'
import { boards } from './boards.js'
import { type AnyDefinition, defineCollection, idString, nonBlank, optional } from './collection.js'
import { messages } from './messages.js'
import { commentPreview, followPreview } from './preview.js'
import { sessions } from './sessions.js'
import { tasks } from './tasks.js'
import { worktrees } from './worktrees.js'

const point = () => z.strictObject({ x: z.number(), y: z.number() })

/**
 * A comment on a board, in a thread (`parent_comment_id`: replies go with the comment they answer),
 * optionally attached to a session, task, message or worktree. A comment outlives the session,
 * task or message it was about (the link is cleared); a worktree's go with it, as in agor.
 */
export const boardComments = defineCollection({
  name: 'board_comments',
  singular: 'board-comment',
  idField: 'comment_id',
  authored: true,
  fields: () => ({
    board_id: idString(),
    // agor keeps comments with no text (a reaction, a pin on the board)
    content: z.string(),
    content_preview: optional(z.string()),
    session_id: optional(idString()),
    task_id: optional(idString()),
    message_id: optional(idString()),
    worktree_id: optional(idString()),
    parent_comment_id: optional(idString()),
    resolved: optional(z.boolean()),
    edited: optional(z.boolean()),
    reactions: optional(z.array(z.strictObject({ user_id: z.string(), emoji: nonBlank().max(64) }))),
    position: optional(
      z.strictObject({
        absolute: optional(point()),
        relative: optional(
          z.strictObject({
            parent_id: z.string(),
            parent_type: z.enum(['session', 'zone', 'worktree']),
            offset_x: z.number(),
            offset_y: z.number()
          })
        )
      })
    ),
    mentions: optional(z.array(z.string()))
  }),
  relations: {
    board_id: { target: (): AnyDefinition => boards, onDelete: 'cascade' },
    session_id: { target: (): AnyDefinition => sessions, onDelete: 'set null' },
    task_id: { target: (): AnyDefinition => tasks, onDelete: 'set null' },
    message_id: { target: (): AnyDefinition => messages, onDelete: 'set null' },
    worktree_id: { target: (): AnyDefinition => worktrees, onDelete: 'cascade' },
    parent_comment_id: { target: (): AnyDefinition => boardComments, onDelete: 'cascade' }
  },
  indexes: ['resolved'],
  search: ['content'],
  summary: (c) => c.content_preview ?? commentPreview(c.content),
  beforeWrite: (next, previous) => {
    followPreview(next, previous, commentPreview)
    next.resolved ??= false
    // a comment whose text changed says so, as agor shows it
    next.edited = (previous !== undefined && next.content !== previous.content) || (next.edited ?? false)
    next.reactions ??= []
  }
})
