/**
 * `$inc` in a patch: numeric fields (dot paths) raised or lowered by an amount, from the value the
 * write reads, in the same lost-update-free turn as the rest of the patch (collection.ts: the write
 * lands only where the row is still as read, or it is made again from a new read). The result is
 * validated with the whole document, so an increment that breaks the schema writes nothing.
 */
import { BadRequest } from '@feathersjs/errors'
import { mergePatch } from './merge.js'
import { isPlainObject, ownValue } from './plain-json.js'
import type { QueryFields } from './query-fields.js'
import type { Document } from './row.js'

/** The patch key that holds the increments. */
export const INC = '$inc'

/** Most fields one `$inc` raises. */
const MAX_FIELDS = 100

/** One field to raise: its path in the document and the amount. */
export interface Increment {
  name: string
  path: readonly string[]
  by: number
}

/**
 * The increments of a patch's `$inc` (undefined without one), checked against the collection's
 * fields: numbers, or free-form fields, and none the rest of the patch sets as well.
 */
export function parseIncrements(
  value: unknown,
  fields: QueryFields,
  changes: Document
): Increment[] | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) throw new BadRequest('$inc must be an object of field: number')
  const entries = Object.entries(value)
  if (entries.length === 0) throw new BadRequest('$inc names no field')
  if (entries.length > MAX_FIELDS) throw new BadRequest(`$inc may name at most ${MAX_FIELDS} fields`)
  const increments = entries.map(([name, by]): Increment => {
    const field = fieldOf(fields, name)
    if (field.kind !== 'number' && field.kind !== 'any')
      throw new BadRequest(`$inc of '${name}': not a number field`)
    if (typeof by !== 'number' || !Number.isFinite(by))
      throw new BadRequest(`$inc of '${name}' needs a finite number`)
    if (field.path.some((segment) => typeof segment === 'number'))
      throw new BadRequest(`$inc of '${name}': list items cannot be raised`)
    return { name, path: field.path as string[], by }
  })
  for (const { name, path } of increments) {
    if (setsPath(changes, path)) throw new BadRequest(`$inc of '${name}': the patch sets it too`)
  }
  for (const a of increments) {
    for (const b of increments) {
      if (a !== b && isPrefix(a.path, b.path))
        throw new BadRequest(`$inc of '${b.name}' is inside '${a.name}'`)
    }
  }
  return increments
}

function fieldOf(fields: QueryFields, name: string) {
  try {
    return fields.field(name)
  } catch (error) {
    throw new BadRequest(`$inc of '${name}': ${(error as Error).message}`)
  }
}

/** True when `patch` sets `path`, a field above it, or one below it. */
function setsPath(patch: Document, path: readonly string[]): boolean {
  let current: unknown = patch
  for (const segment of path) {
    if (!isPlainObject(current)) return false
    if (!Object.hasOwn(current, segment) || current[segment] === undefined) return false
    current = current[segment]
    if (!isPlainObject(current)) return true
  }
  return true
}

const isPrefix = (a: readonly string[], b: readonly string[]) =>
  a.length <= b.length && a.every((segment, i) => segment === b[i])

/**
 * `doc` with each increment applied (a missing or null field counts as 0; missing objects on the
 * way are made). `doc` is a fresh copy (mergePatch's result): it is changed in place. Keys are
 * read as own keys only: a free-form field named `constructor` or `toString` is data, and one a
 * document lacks is missing, not Object.prototype's member.
 */
export function applyIncrements(doc: Document, increments: readonly Increment[]): Document {
  for (const { name, path, by } of increments) {
    let parent: Document = doc
    for (const segment of path.slice(0, -1)) {
      const next = ownValue(parent, segment)
      if (next === undefined || next === null) parent[segment] = {}
      else if (!isPlainObject(next)) throw new BadRequest(`$inc of '${name}': '${segment}' is not an object`)
      else parent[segment] = { ...next }
      parent = parent[segment] as Document
    }
    const last = path[path.length - 1]!
    const current = ownValue(parent, last) ?? 0
    if (typeof current !== 'number')
      throw new BadRequest(`$inc of '${name}': the stored value is not a number`)
    const result = current + by
    if (!Number.isFinite(result)) throw new BadRequest(`$inc of '${name}' leaves no finite number`)
    // whole numbers past 2^53 are rounded: the sum would not be the stored value plus `by`
    if (Number.isInteger(current) && Number.isInteger(by) && !Number.isSafeInteger(result))
      throw new BadRequest(
        `$inc of '${name}' leaves an integer past 2^53, which a JSON number cannot hold exactly`
      )
    parent[last] = result
  }
  return doc
}

/**
 * The patch as the change feed records it: what it set, with each raised field at the value it
 * was raised to, so that the recorded patch applied again gives the same document.
 */
export function recordedPatch(changes: Document, increments: readonly Increment[], next: Document): Document {
  const patch: Document = structuredClone(changes)
  for (const { path } of increments) {
    let source: unknown = next
    let target: Document = patch
    for (const segment of path.slice(0, -1)) {
      source = ownValue(source as Document, segment)
      const existing = ownValue(target, segment)
      target[segment] = isPlainObject(existing) ? existing : {}
      target = target[segment] as Document
    }
    const last = path[path.length - 1]!
    target[last] = ownValue(source as Document, last)
  }
  return patch
}

/** What a write was given, as its change records it: a patch, or one made from each document written. */
export type Given = Document | ((written: Document) => Document)

/** How a patch (its `$inc` apart) changes a stored document, and what its change records. */
export function patchPlan(
  changes: Document,
  inc: unknown,
  fields: QueryFields
): { merge: (stored: Document) => Document; recorded: Given } {
  const increments = parseIncrements(inc, fields, changes)
  // methods, not arrows: a runner that keeps function names (tsx) would name each arrow on every patch
  if (!increments)
    return {
      merge(stored) {
        return mergePatch(stored, changes)
      },
      recorded: changes
    }
  return {
    merge(stored) {
      return applyIncrements(mergePatch(stored, changes), increments)
    },
    recorded(next) {
      return recordedPatch(changes, increments, next)
    }
  }
}
