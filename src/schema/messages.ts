import { BadRequest } from '@feathersjs/errors'
import { z } from 'zod'
import { type AnyDefinition, defineCollection, idString, isoTimestamp, optional } from './collection.js'
import { followPreview, previewOf } from './preview.js'
import { sessions } from './sessions.js'
import { tasks } from './tasks.js'

/**
 * One turn of an agent conversation, at its `index` in the session (unique there, listed in that
 * order). A queued message (a prompt waiting for the agent) has a queue position and no index yet.
 */
export const messages = defineCollection({
  name: 'messages',
  singular: 'message',
  idField: 'message_id',
  statuses: ['sent', 'queued'],
  fields: () => ({
    session_id: idString(),
    task_id: optional(idString()),
    index: optional(z.number().int().nonnegative()),
    type: z.enum(['user', 'assistant', 'system', 'file-history-snapshot', 'permission_request']),
    role: z.enum(['user', 'assistant', 'system']),
    timestamp: optional(isoTimestamp()),
    content_preview: optional(z.string()),
    // text, a list of content blocks, or a permission request: the agent's, kept as given
    content: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]),
    tool_uses: optional(z.array(z.unknown())),
    parent_tool_use_id: optional(z.string()),
    queue_position: optional(z.number().int().positive()),
    metadata: optional(z.record(z.string(), z.unknown()))
  }),
  relations: {
    session_id: { target: (): AnyDefinition => sessions, onDelete: 'cascade' },
    task_id: { target: (): AnyDefinition => tasks, onDelete: 'set null' }
  },
  unique: [['session_id', 'index']],
  integers: ['index'],
  summary: (m) => `${m.role}: ${m.content_preview ?? previewOf(m.content)}`,
  beforeWrite: (next, previous) => {
    followPreview(next, previous)
    // a queued message waits for its place in the conversation; a sent one has it
    if (next.status === 'queued' && next.index != null)
      throw new BadRequest('A queued message has no index yet: give it when the message is sent')
    if (next.status === 'sent' && next.index == null)
      throw new BadRequest('A sent message needs its index in the session')
  }
})
