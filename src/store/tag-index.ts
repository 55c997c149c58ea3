/**
 * The tag index: one row per tag of every document of a tagged collection, so that `$contains`
 * and `$containsAny` on `tags` seek an index rather than read every document's JSON. It is derived
 * data: the triggers below keep it in step with every write (the store's, an import's, another
 * tool's), in the write's own statement, and it is rebuilt from the documents whenever the store's
 * triggers are made again (a new version, or an older one that wrote without them meanwhile).
 */
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { TAGS_FIELD } from '../schema/tags.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'

export const TAGS_TABLE = 'agor_tags'

const TRIGGER_PREFIX = 'agor_tags_'

const workspace = quoteIdent(WORKSPACE_COLUMN)

/** The tags of a row (`NEW`, `OLD`, or a table's alias), once each. */
const tagsOf = (row: string) =>
  `SELECT DISTINCT value FROM json_each(${row}."data", '$.${TAGS_FIELD}') WHERE type = 'text' AND ${isList(row)}`

/** Whether the row's tags are a list: json_each would walk a string or an object another tool wrote. */
const isList = (row: string) => `json_type(${row}."data", '$.${TAGS_FIELD}') = 'array'`

function insertTags(def: AnyDefinition, row: string): string {
  const id = quoteIdent(def.idField)
  return `INSERT OR IGNORE INTO ${TAGS_TABLE} (collection, ${workspace}, tag, doc_id) SELECT '${def.name}', ${row}.${workspace}, value, ${row}.${id} FROM (${tagsOf(row)});`
}

const forget = (def: AnyDefinition, row: string) =>
  `DELETE FROM ${TAGS_TABLE} WHERE collection = '${def.name}' AND doc_id = ${row}.${quoteIdent(def.idField)};`

const tagged = () => collectionNames.map((name) => collections[name]).filter((def) => def.tagged)

/**
 * The triggers of every tagged collection. An insert forgets what the id had first: a row another
 * tool replaced (OR REPLACE) went without its delete trigger.
 */
export function tagTriggers(): { name: string; sql: string }[] {
  return tagged().flatMap((def) => {
    const table = quoteIdent(def.name)
    const changed = `json_extract(NEW."data", '$.${TAGS_FIELD}') IS NOT json_extract(OLD."data", '$.${TAGS_FIELD}') OR NEW.${workspace} IS NOT OLD.${workspace} OR NEW.${quoteIdent(def.idField)} IS NOT OLD.${quoteIdent(def.idField)}`
    const trigger = (op: string, when: string, body: string[]) => ({
      name: `${TRIGGER_PREFIX}${def.name}_${op}`,
      sql: `CREATE TRIGGER ${quoteIdent(`${TRIGGER_PREFIX}${def.name}_${op}`)} AFTER ${op.toUpperCase()} ON ${table}${when} BEGIN
${body.join('\n')}
END`
    })
    return [
      trigger('insert', '', [forget(def, 'NEW'), insertTags(def, 'NEW')]),
      trigger('update', ` WHEN ${changed}`, [forget(def, 'OLD'), insertTags(def, 'NEW')]),
      trigger('delete', '', [forget(def, 'OLD')])
    ]
  })
}

/** The table, made when missing; its primary key is what `$contains` seeks, the index what a write's trigger does. */
export const tagTable = [
  `CREATE TABLE IF NOT EXISTS ${TAGS_TABLE} (collection TEXT NOT NULL, ${workspace} TEXT NOT NULL, tag TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (collection, ${workspace}, tag, doc_id)) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS ${TAGS_TABLE}_doc_idx ON ${TAGS_TABLE} (collection, doc_id)`
]

/** The statements that make the index again from the documents (with the triggers, when they are made). */
export function rebuildTagIndex(): string[] {
  return [
    ...tagTable,
    `DELETE FROM ${TAGS_TABLE}`,
    ...tagged().map((def) => {
      const id = quoteIdent(def.idField)
      return `INSERT OR IGNORE INTO ${TAGS_TABLE} (collection, ${workspace}, tag, doc_id) SELECT '${def.name}', d.${workspace}, t.value, d.${id} FROM ${quoteIdent(def.name)} AS d, json_each(d."data", '$.${TAGS_FIELD}') AS t WHERE t.type = 'text' AND ${isList('d')}`
    })
  ]
}

/**
 * The condition that the document (its id column `idSql`) has the tags bound to the `tags.length`
 * placeholders, in the workspace bound to the first: all of them, or any.
 */
export function tagCondition(def: AnyDefinition, idSql: string, count: number, any: boolean): string {
  const seek = (tags: string) =>
    `${idSql} IN (SELECT doc_id FROM ${TAGS_TABLE} WHERE collection = '${def.name}' AND ${workspace} = ? AND tag ${tags})`
  if (any) return seek(`IN (${new Array(count).fill('?').join(', ')})`)
  return `(${new Array(count).fill(seek('= ?')).join(' AND ')})`
}
