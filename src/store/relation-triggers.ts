/**
 * What the foreign keys of the registry's relations cannot say alone.
 *
 * A relation points into its own workspace: a document of one workspace never names another's
 * (its foreign key alone would accept any id of the table, and so tell that it exists). The
 * triggers refuse such a write as the foreign key refuses an id that names nothing, with its
 * words, so that both look alike; and they refuse to move a document that others point at into
 * another workspace.
 *
 * A relation that clears itself when the document it points at is removed (a session's parent)
 * is a write of the child, and every write moves `updated_at` forward: clients that keep the
 * newest version by `updated_at` would otherwise drop the cleared link. SQLite's ON DELETE SET
 * NULL changes the column alone, so a trigger clears it first, with the timestamp; the foreign
 * key then finds nothing left to do. Nor can a foreign key refuse a loop of a relation to its own
 * collection (ancestor-loops.ts). Derived from the registry and kept in step with it by
 * syncStoreTriggers, with the feed's triggers.
 */
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { ancestorLoopTriggers } from './ancestor-loops.js'
import { NOW_MS } from './write-views.js'

/** SQLite's own words for a foreign key that names nothing (constraints.ts explains it). */
const FOREIGN_KEY_FAILED = `SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed');`

/** Later than the stored value, and now if now is later: as the store stamps a write. */
const NEXT_UPDATED_AT = `max(${NOW_MS}, "updated_at" + 1)`

function setNullTriggers(def: AnyDefinition): { name: string; sql: string }[] {
  return def.keyColumns.flatMap((key) => {
    if (key.relation?.onDelete !== 'set null') return []
    const target = key.relation.target()
    const name = `agor_set_null_${def.name}_${key.name}`
    const column = quoteIdent(key.name)
    const sql = `CREATE TRIGGER ${quoteIdent(name)} BEFORE DELETE ON ${quoteIdent(target.name)} BEGIN
UPDATE ${quoteIdent(def.name)} SET ${column} = NULL, "updated_at" = ${NEXT_UPDATED_AT} WHERE ${column} = OLD.${quoteIdent(target.idField)};
END`
    return [{ name, sql }]
  })
}

function sameWorkspaceTriggers(def: AnyDefinition): { name: string; sql: string }[] {
  const workspace = quoteIdent(WORKSPACE_COLUMN)
  const table = quoteIdent(def.name)
  return def.keyColumns.flatMap((key) => {
    if (!key.relation) return []
    const target = key.relation.target()
    const column = quoteIdent(key.name)
    const targetId = quoteIdent(target.idField)
    // a target that does not exist at all is the foreign key's to refuse (it may be off, for a repair)
    const outside = `NEW.${column} IS NOT NULL AND EXISTS (SELECT 1 FROM ${quoteIdent(target.name)} AS t WHERE t.${targetId} = NEW.${column} AND t.${workspace} IS NOT NEW.${workspace})`
    const name = `agor_same_workspace_${def.name}_${key.name}`
    return [
      {
        name: `${name}_insert`,
        sql: `CREATE TRIGGER ${quoteIdent(`${name}_insert`)} BEFORE INSERT ON ${table} WHEN ${outside} BEGIN
${FOREIGN_KEY_FAILED}
END`
      },
      {
        name: `${name}_update`,
        sql: `CREATE TRIGGER ${quoteIdent(`${name}_update`)} BEFORE UPDATE OF ${column}, ${workspace} ON ${table} WHEN ${outside} BEGIN
${FOREIGN_KEY_FAILED}
END`
      },
      {
        name: `${name}_moved`,
        sql: `CREATE TRIGGER ${quoteIdent(`${name}_moved`)} BEFORE UPDATE OF ${workspace} ON ${quoteIdent(target.name)} WHEN NEW.${workspace} IS NOT OLD.${workspace} AND EXISTS (SELECT 1 FROM ${table} AS c WHERE c.${column} = OLD.${targetId}) BEGIN
${FOREIGN_KEY_FAILED}
END`
      }
    ]
  })
}

/** The triggers of every relation of the registry: set-null's, one workspace's, no loops. */
export function relationTriggers(): { name: string; sql: string }[] {
  return [
    ...collectionNames.flatMap((name) => [
      ...setNullTriggers(collections[name]),
      ...sameWorkspaceTriggers(collections[name])
    ]),
    ...ancestorLoopTriggers()
  ]
}
