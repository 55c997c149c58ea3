/**
 * Patch semantics: nested plain objects merge recursively, arrays and scalars replace, null is
 * stored as null, and undefined leaves a field alone.
 */
import { isPlainObject, ownValue, plainJsonCopy } from './plain-json.js'
import type { Document } from './row.js'

/**
 * Returns a new document: `target` with `patch` merged in. Neither argument is modified. The
 * objects it takes from `patch` are copies: the documents one patch changes share none of them (a
 * write returns its documents as they will be read, without parsing them again).
 */
export function mergePatch(target: Document, patch: Document): Document {
  const result: Document = { ...target }
  for (const key of Object.keys(patch)) {
    const value = patch[key]
    if (value === undefined) continue
    // own keys only: a field the document lacks is missing even where Object.prototype has a member
    const current = ownValue(result, key)
    if (isPlainObject(value) && isPlainObject(current)) result[key] = mergePatch(current, value)
    else result[key] = typeof value === 'object' && value !== null ? plainJsonCopy(value, 'patch') : value
  }
  return result
}
