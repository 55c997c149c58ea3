/**
 * A relation that clears itself when the document it points at is removed (a session's parent)
 * is a write of the child, and every write moves `updated_at` forward: clients that keep the
 * newest version by `updated_at` would otherwise drop the cleared link. SQLite's ON DELETE SET
 * NULL changes the column alone, so a trigger clears it first, with the timestamp; the foreign
 * key then finds nothing left to do. Derived from the registry and kept in step with it by
 * syncStoreTriggers, with the feed's triggers.
 */
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { NOW_MS } from './write-views.js'

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

/** The set-null triggers of every relation of the registry that sets null. */
export function relationTriggers(): { name: string; sql: string }[] {
  return collectionNames.flatMap((name) => setNullTriggers(collections[name]))
}
