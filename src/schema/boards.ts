import { z } from 'zod'
import { defineCollection, nonBlank, optional } from './collection.js'

/** A board that groups sessions for people. */
export const boards = defineCollection({
  name: 'boards',
  singular: 'board',
  idField: 'board_id',
  tagged: true,
  fields: () => ({
    name: nonBlank(),
    description: optional(z.string()),
    color: optional(z.string()),
    icon: optional(z.string())
  }),
  search: ['name', 'description'],
  summary: (b) => b.name
})
