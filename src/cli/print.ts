/**
 * What entity commands print about documents: each written one by its short id, and the short ids
 * of the documents that documents point at (their relation columns).
 */
import type { AnyDefinition } from '../schema/collection.js'
import type { Backend, Doc, DocumentsApi } from './backend.js'
import type { Context } from './context.js'
import { isCollectionName, printJson } from './output.js'
import { visible } from './visible.js'

/** Prints documents the way a write returned them: `Created session 0199b73d (…): summary`. */
export async function printWritten(
  context: Context,
  api: DocumentsApi,
  def: AnyDefinition,
  verb: string,
  written: Doc | Doc[]
): Promise<void> {
  const { output } = context
  if (output.json) return printJson(output, written)
  const docs = Array.isArray(written) ? written : [written]
  const ids = docs.map((d) => String(d[def.idField]))
  // a deleted document is shown by its whole id: its short id may name another one from now on
  const deleted = verb === 'Deleted'
  const shortIds = deleted ? ids : await api.shortIds(ids)
  docs.forEach((doc, i) => {
    const full = deleted ? '' : ` ${output.color.dim(`(${ids[i]})`)}`
    output.out(
      `${verb} ${def.singular} ${output.color.bold(shortIds[i]!)}${full}: ${visible(String(def.summary(doc) ?? ''))}`
    )
  })
}

/**
 * The short ids of the documents that `docs` point at through the collection's relation columns
 * (a task's session_id), by whole id: one call per related collection.
 */
export async function relationShortIds(
  backend: Backend,
  def: AnyDefinition,
  docs: readonly Doc[]
): Promise<Map<string, string>> {
  const byTarget = new Map<string, Set<string>>()
  for (const key of def.keyColumns) {
    const target = key.relation?.target().name
    if (!target) continue
    const ids = byTarget.get(target) ?? new Set<string>()
    for (const doc of docs) if (typeof doc[key.name] === 'string') ids.add(String(doc[key.name]))
    byTarget.set(target, ids)
  }
  const shortIds = new Map<string, string>()
  for (const [target, ids] of byTarget) {
    if (!isCollectionName(target) || ids.size === 0) continue
    const whole = [...ids]
    const short = await backend.service(target).shortIds(whole)
    for (const [i, id] of whole.entries()) shortIds.set(id, short[i]!)
  }
  return shortIds
}
