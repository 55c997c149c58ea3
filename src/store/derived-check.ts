/**
 * What `agor db check` finds wrong with what the store derives from the documents: its views and
 * triggers (another tool may have dropped them, and writes after that went unrecorded and
 * unindexed), the search index (a table of rows per document) and the tag index (every tag of
 * every document). `agor db migrate` makes them all again.
 */
import type { Connection } from '../db/connection.js'
import { collectionNames, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { TAGS_FIELD } from '../schema/tags.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { storeObjectNames } from './feed-triggers.js'
import { searchIndex } from './search-index.js'
import { TAGS_TABLE } from './tag-index.js'

const count = async (db: Connection, sql: string) => Number((await db.execute(sql)).rows[0]?.[0] ?? 0)

/** The problems of the derived objects, in words; empty when there are none. */
export async function derivedProblems(db: Connection): Promise<string[]> {
  const { rows } = await db.execute(
    `SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'view', 'table')`
  )
  const present = new Map(rows.map((r) => [String(r.name), String(r.sql)]))
  const missing = storeObjectNames().filter((name) => !present.has(name))
  const problems: string[] = []
  if (missing.length)
    problems.push(
      `${missing.length} of the store's triggers and views are missing (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): writes since may be missing from the change feed and the indexes`
    )
  for (const name of collectionNames) {
    const def = collections[name]
    const table = quoteIdent(def.name)
    const index = searchIndex(def)
    if (index) {
      // a queue that triggers write to is missing (a version before the queue has neither)
      const queueLost =
        !present.has(index.names.queue) &&
        present.get(`agor_search_${name}_insert`)?.includes(index.names.queue)
      if (!present.has(index.names.fts) || !present.has(index.names.rows) || queueLost) {
        problems.push(`the search index of ${name} is missing${queueLost ? ' its queue: writes fail' : ''}`)
      } else {
        // its table of rows must hold one entry per document not queued for it (a queued one
        // may have one yet, or none; a version before the queue has none), and the FTS5 table
        // one per entry of its table of rows
        const queued = present.has(index.names.queue) ? index.queue : undefined
        const notQueued = (id: string) => (queued ? ` WHERE ${id} NOT IN (SELECT doc_id FROM ${queued})` : '')
        const [rowsHeld, textHeld, allRows, stored] = await Promise.all([
          count(db, `SELECT count(*) FROM ${index.rows}${notQueued('doc_id')}`),
          count(db, `SELECT count(*) FROM ${index.fts}`),
          count(db, `SELECT count(*) FROM ${index.rows}`),
          count(db, `SELECT count(*) FROM ${table}${notQueued(quoteIdent(def.idField))}`)
        ])
        if (rowsHeld !== stored)
          problems.push(`the search index of ${name} holds ${rowsHeld} of ${stored} documents`)
        else if (textHeld !== allRows)
          problems.push(`the search index of ${name} holds ${textHeld} texts for its ${allRows} documents`)
      }
    }
    if (def.tagged && present.has(TAGS_TABLE)) {
      const id = quoteIdent(def.idField)
      const workspace = quoteIdent(WORKSPACE_COLUMN)
      const lost = await count(
        db,
        `SELECT count(*) FROM ${table} AS d, json_each(d."data", '$.${TAGS_FIELD}') AS t WHERE t.type = 'text' AND json_type(d."data", '$.${TAGS_FIELD}') = 'array' AND NOT EXISTS (SELECT 1 FROM ${TAGS_TABLE} AS x WHERE x.collection = '${name}' AND x.${workspace} = d.${workspace} AND x.tag = t.value AND x.doc_id = d.${id})`
      )
      if (lost) problems.push(`the tag index of ${name} misses ${lost} tags`)
    }
  }
  if (!present.has(TAGS_TABLE)) problems.push('the tag index is missing')
  return problems
}
