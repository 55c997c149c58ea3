import { z } from 'zod'
import { defineCollection, nonBlank, optional } from './collection.js'

/** A board that groups sessions for people. */
export const boards = defineCollection({
  name: 'boards',
  singular: 'board',
  idField: 'board_id',
  authored: true,
  tagged: true,
  fields: () => ({
    name: nonBlank(),
    slug: optional(nonBlank().max(200)),
    description: optional(z.string()),
    color: optional(z.string()),
    icon: optional(z.string()),
    background_color: optional(z.string()),
    // what is drawn on the board besides its worktrees: zones, text, markdown, by id
    annotations: optional(z.record(z.string(), z.record(z.string(), z.unknown()))),
    custom_context: optional(z.record(z.string(), z.unknown()))
  }),
  unique: ['slug'],
  search: ['name', 'description'],
  summary: (b) => b.name
})
