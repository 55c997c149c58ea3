/**
 * The rules of the store's own refined strings (ids, keys, non-blank text), kept with their
 * schemas: validation (store/schema-checks.ts) applies a rule itself instead of zod's parse, which
 * costs a context and a result per field of every document written.
 */
import { z } from 'zod'

/** A rule on a string: true when the refinement accepts it. */
export type StringRule = (text: string) => boolean

const rules = new WeakMap<z.ZodType, StringRule>()

/** A string schema refined by `rule` alone, failing with `message`. */
export function refinedString(rule: StringRule, message: string): z.ZodString {
  const schema = z.string().refine(rule, message)
  rules.set(schema, rule)
  return schema
}

/** The rule of a schema made by refinedString; undefined for every other schema. */
export function refinementOf(schema: z.ZodType): StringRule | undefined {
  return rules.get(schema)
}
