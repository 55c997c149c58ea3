/**
 * The references of an import, checked once everything is in: a reference the import leaves
 * dangling fails it, naming the document and the missing id, and so does a loop it leaves (a
 * document its own ancestor), naming a document on it.
 */
import { BadRequest } from '@feathersjs/errors'
import type { Executor } from '../db/connection.js'
import { MissingReferenceError } from '../errors.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collections, isCollectionName } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import type { Loops } from './ancestor-loops.js'
import { located } from './transfer-files.js'

export interface Violation {
  table: string
  rowid: number
  parent: string
  fkid: number
}

export async function foreignKeyViolations(tx: Executor): Promise<Violation[]> {
  const { rows } = await tx.execute('PRAGMA foreign_key_check')
  return rows.map((r) => ({
    table: String(r.table),
    rowid: Number(r.rowid),
    parent: String(r.parent),
    fkid: Number(r.fkid)
  }))
}

// A reference that the import leaves dangling fails it, naming the document and the missing id.
// Violations that were in the database before are not the import's to judge (`db check` reports them).
export async function assertReferences(tx: Executor, before: Violation[]): Promise<void> {
  const old = new Set(before.map((v) => `${v.table}:${v.rowid}:${v.fkid}`))
  const fresh = (await foreignKeyViolations(tx)).find((v) => !old.has(`${v.table}:${v.rowid}:${v.fkid}`))
  if (!fresh || !isCollectionName(fresh.table)) return
  const def: AnyDefinition = collections[fresh.table]
  const keys = await tx.execute({
    sql: 'SELECT id, "from" FROM pragma_foreign_key_list(?)',
    args: [def.name]
  })
  const column = String(keys.rows.find((k) => Number(k.id) === fresh.fkid)?.from ?? '')
  const key = def.keyColumns.find((k) => k.name === column)
  const { rows } = await tx.execute({
    sql: `SELECT ${quoteIdent(def.idField)} AS id${key ? `, ${quoteIdent(key.name)} AS ref` : ''} FROM ${quoteIdent(def.name)} WHERE rowid = ?`,
    args: [fresh.rowid]
  })
  const row = rows[0]
  const target = key?.relation?.target().singular ?? fresh.parent
  throw located(
    `${def.name}.jsonl: ${def.singular} ${String(row?.id)}`,
    new MissingReferenceError(column || 'a reference', target, row?.ref ?? null)
  )
}

/**
 * Fails an import that left documents on loops (`made`, from loopTriggersAside), naming the first
 * of them that it wrote, and its link.
 */
export function assertNoLoops(made: readonly Loops[]): void {
  const [loops] = made
  if (!loops) return
  const { def, column } = loops
  const id = loops.ids[0]!
  throw located(
    `${def.name}.jsonl: ${def.singular} ${id}`,
    new BadRequest(`${column} ${String(loops.links.get(id))} would make a ${def.singular} its own ancestor`)
  )
}
