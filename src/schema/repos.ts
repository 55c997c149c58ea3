import { z } from 'zod'
import { defineCollection, nonBlank, optional } from './collection.js'

/** A git repository that sessions work in, known by its unique slug. */
export const repos = defineCollection({
  name: 'repos',
  singular: 'repo',
  idField: 'repo_id',
  tagged: true,
  fields: () => ({
    slug: nonBlank().max(200),
    name: optional(z.string()),
    remote_url: optional(z.string()),
    local_path: optional(z.string()),
    default_branch: optional(z.string()),
    // how to bring the repo's environment up and down, and check it
    environment_config: optional(z.record(z.string(), z.unknown()))
  }),
  unique: ['slug'],
  search: ['slug', 'name'],
  summary: (r) => r.name ?? r.slug
})
