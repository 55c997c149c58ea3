/**
 * Tags: a short list of labels on a document (`bug`, `ui`, `needs-review`), which queries match
 * with `$contains` (all of them) and `$containsAny` (any of them), served by the tag index
 * (store/tag-index.ts). A collection has them when its definition says `tagged: true`.
 */
import { z } from 'zod'
import { isBlank } from './text.js'

/** The field of a tagged collection's documents. */
export const TAGS_FIELD = 'tags'

/** Most tags on one document, and the longest tag. */
export const MAX_TAGS = 64
export const MAX_TAG_LENGTH = 64

/**
 * One tag: text that says something, without control characters, at most MAX_TAG_LENGTH long.
 * Matched exactly: `Bug` and `bug` are two tags.
 */
const tag = () =>
  z
    .string()
    .min(1)
    .max(MAX_TAG_LENGTH)
    .refine((s) => !isBlank(s), 'A tag must not be blank')
    .refine((s) => !/\p{Cc}/u.test(s), 'A tag must not hold control characters')

/** A document's tags: each once, in the order given. */
export const tagList = () =>
  z
    .array(tag())
    .max(MAX_TAGS)
    .refine((tags) => new Set(tags).size === tags.length, 'Tags must not repeat')
