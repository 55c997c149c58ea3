/**
 * Patch semantics: nested plain objects merge recursively, arrays and scalars replace, null is
 * stored as null, and undefined leaves a field alone.
 */
import { isPlainObject } from './plain-json.js'
import type { Document } from './row.js'

/** Returns a new document: `target` with `patch` merged in. Neither argument is modified. */
export function mergePatch(target: Document, patch: Document): Document {
  const result: Document = { ...target }
  for (const key of Object.keys(patch)) {
    const value = patch[key]
    if (value === undefined) continue
    const current = result[key]
    result[key] = isPlainObject(value) && isPlainObject(current) ? mergePatch(current, value) : value
  }
  return result
}
