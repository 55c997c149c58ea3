/** How `agor log` and `agor watch` print the change feed. */
import { shortIdsAmong } from '../ids.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collections, isCollectionName } from '../schema/index.js'
import { DEFAULT_WORKSPACE } from '../schema/workspaces.js'
import type { Change } from '../store/feed.js'
import type { Backend } from './backend.js'
import type { Output } from './output.js'
import { localTime } from './render.js'
import { visible } from './visible.js'

/**
 * The short ids of the documents of changes, each in its workspace. A removed document is not in
 * its table any more, so its short id there may be another removed one's too, and documents of two
 * collections may share a prefix: each is also told apart from every other id printed.
 */
async function shortIdsOf(backend: Backend, changes: readonly Change[]): Promise<Map<string, string>> {
  const inTable = new Map<string, string>()
  const groups = new Map<string, { name: string; workspace: string; ids: Set<string> }>()
  for (const change of changes) {
    const key = `${change.collection}\u0000${change.workspace}`
    const group = groups.get(key) ?? { name: change.collection, workspace: change.workspace, ids: new Set() }
    group.ids.add(change.id)
    groups.set(key, group)
  }
  for (const { name, workspace, ids } of groups.values()) {
    if (!isCollectionName(name)) continue
    const found = await backend.service(name, workspace).shortIds([...ids])
    for (const [i, id] of [...ids].entries()) inTable.set(id, found[i]!)
  }
  // a text key is printed whole: it is no prefix of anything
  const isKey = (c: Change) => isCollectionName(c.collection) && collections[c.collection].key === 'text'
  const ids = [...new Set(changes.filter((c) => !isKey(c)).map((c) => c.id))]
  const short = shortIdsAmong(
    ids,
    ids.map((id) => inTable.get(id) ?? id)
  )
  return new Map([
    ...changes.filter(isKey).map((c) => [c.id, c.id] as const),
    ...ids.map((id, i) => [id, short[i]!] as const)
  ])
}

/**
 * One line per change: `1042  2026-11-30 15:02:11  ci  patched  session 01a22d07  Fix the login bug`;
 * a change outside the default workspace names its workspace: `session 01a22d07 (acme)`.
 */
function lines(changes: readonly Change[], short: Map<string, string>, output: Output): string[] {
  const c = output.color
  const actorWidth = Math.max(5, ...changes.map((ch) => visible(ch.actor ?? '?').length))
  return changes.map((change) => {
    const def: AnyDefinition | undefined = isCollectionName(change.collection)
      ? collections[change.collection]
      : undefined
    const summary = def ? String(def.summary(change.doc) ?? '') : ''
    return [
      c.dim(String(change.seq).padStart(6)),
      localTime(change.at),
      visible(change.actor ?? '?').padEnd(actorWidth),
      visible(change.event).padEnd(7),
      `${visible(def?.singular ?? change.collection)} ${c.bold(visible(short.get(change.id) ?? change.id))}${change.workspace === DEFAULT_WORKSPACE ? '' : ` (${visible(change.workspace)})`}`,
      visible(summary)
    ]
      .join('  ')
      .trimEnd()
  })
}

/** Prints changes: one line each, or one JSON object a line (JSON Lines) with `jsonLines`. */
export async function printChanges(
  output: Output,
  backend: Backend,
  changes: readonly Change[],
  jsonLines: boolean
): Promise<void> {
  if (jsonLines) {
    for (const change of changes) output.out(JSON.stringify(change))
    return
  }
  for (const line of lines(changes, await shortIdsOf(backend, changes), output)) output.out(line)
}
