/**
 * How a patch is taken back: the fields it changed, each with its value before (or none, where the
 * field was not there). The change feed keeps this for the store's own patches instead of a copy
 * of the document (a patch changes a few fields of a document of a kilobyte or more), and rebuilds
 * a change's document from the row as it is now, undoing the changes after it. A patch adds keys
 * and changes values but removes none, so taking it back keeps the order of the keys.
 */
import { isPlainObject } from './plain-json.js'
import type { Document } from './row.js'

/** A field's path and its value before the write; a path alone: the field was not there. */
export type UndoEntry = [path: string[], before?: unknown]

/**
 * What takes `after` back to `before`. Written for documents that share what a write left alone
 * (a merged patch keeps the objects it did not touch): those are skipped without a look inside.
 */
export function undoOf(before: Document, after: Document): UndoEntry[] {
  const entries: UndoEntry[] = []
  collect(before, after, [], entries)
  return entries
}

function collect(before: Document, after: Document, path: string[], entries: UndoEntry[]): void {
  for (const key of Object.keys(after)) {
    const was = before[key]
    const is = after[key]
    if (was === is) continue
    const at = [...path, key]
    if (!Object.hasOwn(before, key)) entries.push([at])
    else if (isPlainObject(was) && isPlainObject(is)) collect(was, is, at, entries)
    else entries.push([at, was])
  }
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) entries.push([[...path, key], before[key]])
  }
}

/** `doc` with `undo` applied: a new document; `doc` and the objects in it are left as they are. */
export function applyUndo(doc: Document, undo: readonly UndoEntry[]): Document {
  const result = { ...doc }
  for (const [path, ...before] of undo) {
    let target = result
    for (const key of path.slice(0, -1)) {
      const inner = target[key]
      // copied on the way down: the objects of `doc` belong to the change that wrote it
      const copy = isPlainObject(inner) ? { ...inner } : {}
      setOwn(target, key, copy)
      target = copy
    }
    const last = path.at(-1)!
    if (before.length === 0) delete target[last]
    else setOwn(target, last, before[0])
  }
  return result
}

/** Sets a key as data, `__proto__` included (which an assignment would take for the prototype). */
function setOwn(target: Document, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}
