/**
 * `$select`: a document reduced to its id and the selected fields.
 */
import { isPlainObject } from './plain-json.js'
import type { Field } from './query-fields.js'
import type { Document } from './row.js'

/**
 * Keeps only the selected fields of a document (and its id). Nested paths keep the enclosing
 * objects: selecting `git_state.ref` yields `{ git_state: { ref } }`.
 */
export function project(doc: Document, select: readonly Field[] | undefined, idField: string): Document {
  if (!select) return doc
  const result: Document = { [idField]: doc[idField] }
  for (const field of select) {
    // the values along the path; a field the document lacks leaves no empty parents behind
    const values: unknown[] = []
    let source: unknown = doc
    for (const segment of field.path) {
      if (source === null || typeof source !== 'object') break
      source = (source as Record<string | number, unknown>)[segment]
      if (source === undefined) break
      values.push(source)
    }
    if (values.length < field.path.length) continue
    let target: Document = result
    field.path.forEach((segment, i) => {
      if (i === field.path.length - 1) {
        target[segment] = values[i]
        return
      }
      if (!isPlainObject(target[segment])) target[segment] = Array.isArray(values[i]) ? [] : {}
      target = target[segment] as Document
    })
  }
  return result
}
