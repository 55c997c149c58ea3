/**
 * `$select`: a document reduced to its id and the selected fields.
 */
import { isPlainObject } from './plain-json.js'
import type { Field } from './query-fields.js'
import type { Document } from './row.js'

/**
 * Keeps only the selected fields of a document (and its id). Nested paths keep the enclosing
 * objects: selecting `git_state.ref` yields `{ git_state: { ref } }`. A path through a list item
 * keeps that list whole (`w.1.v` yields `{ w: [1, { v: 2 }] }`): JSON has no list with gaps, and
 * filling them with null would report values the document does not hold.
 */
export function project(doc: Document, select: readonly Field[] | undefined, idField: string): Document {
  if (!select) return doc
  const result: Document = { [idField]: doc[idField] }
  for (const field of select) {
    const kept = keptPath(doc, field.path)
    if (!kept) continue
    let target: Document = result
    let source: Document = doc
    kept.forEach((segment, i) => {
      const value = source[segment]
      if (i === kept.length - 1) {
        target[segment] = value
        return
      }
      if (!isPlainObject(target[segment])) target[segment] = {}
      target = target[segment] as Document
      source = value as Document
    })
  }
  return result
}

/**
 * The part of `path` that a projection copies: up to the field itself, or up to the first list on
 * the way. Undefined when the document lacks the field (a missing nested field adds no empty
 * object). Keys are own keys only: `custom_context.constructor` is not Object.prototype's, and
 * `length` is no item of a list.
 */
function keptPath(doc: Document, path: readonly (string | number)[]): string[] | undefined {
  let kept: string[] | undefined
  let source: unknown = doc
  for (const [i, segment] of path.entries()) {
    if (Array.isArray(source)) {
      if (typeof segment !== 'number' || segment >= source.length) return undefined
      kept ??= path.slice(0, i).map(String)
      source = source[segment]
    } else if (isPlainObject(source) && Object.hasOwn(source, segment)) {
      source = source[segment]
    } else return undefined
    if (source === undefined) return undefined
  }
  return kept ?? path.map(String)
}
