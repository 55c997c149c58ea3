import { z } from 'zod'
import { boards } from './boards.js'
import { type AnyDefinition, defineCollection, idString, optional } from './collection.js'
import { worktrees } from './worktrees.js'

/** A worktree placed on a board: where it sits, and in which zone. Removed with either. */
export const boardObjects = defineCollection({
  name: 'board_objects',
  singular: 'board-object',
  idField: 'object_id',
  fields: () => ({
    board_id: idString(),
    worktree_id: idString(),
    position: z.strictObject({ x: z.number(), y: z.number() }),
    zone_id: optional(z.string())
  }),
  relations: {
    board_id: { target: (): AnyDefinition => boards, onDelete: 'cascade' },
    worktree_id: { target: (): AnyDefinition => worktrees, onDelete: 'cascade' }
  },
  // a worktree sits on one board, once (agor's rule)
  unique: ['worktree_id'],
  summary: (o) => `at ${o.position.x}, ${o.position.y}${o.zone_id ? ` in ${o.zone_id}` : ''}`
})
