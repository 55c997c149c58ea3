/**
 * No document is its own ancestor: a relation of a collection to itself (a session's
 * `parent_session_id` and `forked_from_session_id`, a board comment's `parent_comment_id`) never
 * closes a loop, as genealogy walks those links. Each link is followed on its own (a parent's
 * parents, an origin's origins): a loop that mixes a session's two links is not refused.
 *
 * The check is a trigger of the table, so it runs inside the statement that sets the link. SQLite
 * writes one transaction at a time on a database (a file shared by processes, or a server's), so
 * the trigger sees every write committed before its own, and no other can commit between its look
 * and the write. A look before the write, by a read of its own, cannot promise that: two processes
 * that put A under B and B under A at once would both pass it. An insert is checked too: a document
 * may name itself as its parent, and a create of several may link them in a ring.
 *
 * An import judges the links it leaves, not those it passes through: it holds the write lock for
 * its whole transaction, sets the triggers aside, and looks for loops once its documents are in
 * (loopTriggersAside). A RAISE says constant words only: explainLoop names the link that closes
 * the loop, and `agor db check` finds loops that a database written before these triggers may hold.
 */
import { BadRequest } from '@feathersjs/errors'
import type { Executor } from '../db/connection.js'
import { CHANGES_TABLE } from '../schema/changes.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import type { Document } from './row.js'

/** The words of the triggers' RAISE, followed by `<table>.<column>`. */
export const ANCESTOR_LOOP = 'agor: a link would make a document its own ancestor:'
const REFUSED = new RegExp(`${ANCESTOR_LOOP} ([A-Za-z0-9_]+)\\.([A-Za-z0-9_]+)`)

/** A relation of a collection to its own documents. */
interface SelfRelation {
  def: AnyDefinition
  column: string
}

/** Every relation of the registry's collections to their own documents. */
function selfRelations(): SelfRelation[] {
  return collectionNames.flatMap((name) => {
    const def: AnyDefinition = collections[name]
    return def.keyColumns
      .filter((key) => key.relation?.target() === def)
      .map((key) => ({ def, column: key.name }))
  })
}

/** The triggers that refuse an insert or an update whose `column` closes a loop. */
function loopTriggers({ def, column }: SelfRelation): { name: string; sql: string }[] {
  const table = quoteIdent(def.name)
  const link = quoteIdent(column)
  const ws = quoteIdent(WORKSPACE_COLUMN)
  // upwards from the new link: UNION stops at a loop the table holds already (an older
  // version's), and a link that names nothing ends the walk
  const walk = `SELECT t.${link} FROM ${table} AS t JOIN up ON t.${quoteIdent(def.idField)} = up.at AND t.${ws} = NEW.${ws} WHERE t.${link} IS NOT NULL`
  const closes = `NEW.${link} IS NOT NULL AND EXISTS (WITH RECURSIVE up(at) AS (SELECT NEW.${link} UNION ${walk}) SELECT 1 FROM up WHERE at = NEW.${quoteIdent(def.idField)})`
  const raise = `SELECT RAISE(ABORT, '${ANCESTOR_LOOP} ${def.name}.${column}');`
  const name = `agor_no_loop_${def.name}_${column}`
  return [
    {
      name: `${name}_insert`,
      sql: `CREATE TRIGGER ${quoteIdent(`${name}_insert`)} BEFORE INSERT ON ${table} WHEN ${closes} BEGIN
${raise}
END`
    },
    {
      // a link left as it was closes nothing new (and a loop of an older version stays writable)
      name: `${name}_update`,
      sql: `CREATE TRIGGER ${quoteIdent(`${name}_update`)} BEFORE UPDATE OF ${link} ON ${table} WHEN NEW.${link} IS NOT OLD.${link} AND ${closes} BEGIN
${raise}
END`
    }
  ]
}

/** The loop triggers of every collection of the registry. */
export function ancestorLoopTriggers(): { name: string; sql: string }[] {
  return selfRelations().flatMap(loopTriggers)
}

/** The column of `def` whose loop trigger refused a write (from the error's message), if one did. */
export function refusedLoop(message: string, def: AnyDefinition): string | undefined {
  const match = REFUSED.exec(message)
  return match?.[1] === def.name ? match[2] : undefined
}

/**
 * The 400 of a write of `docs` that a loop trigger refused through `column`: it names the link
 * that closes the loop, the first of `docs` found on one, with the written documents' own links
 * in place of those stored (the write was undone). A loop gone meanwhile leaves the first link.
 */
export async function explainLoop(
  db: Executor,
  def: AnyDefinition,
  workspace: string,
  column: string,
  docs: readonly Document[]
): Promise<BadRequest> {
  const id = quoteIdent(def.idField)
  const link = quoteIdent(column)
  const { rows } = await db.execute({
    sql: `WITH RECURSIVE given(id, link) AS (SELECT value ->> '$[0]', value ->> '$[1]' FROM json_each(?1)),
      walk(start, at) AS (
        SELECT id, link FROM given WHERE link IS NOT NULL
        UNION
        SELECT w.start, CASE WHEN g.id IS NULL THEN t.${link} ELSE g.link END
        FROM walk AS w LEFT JOIN given AS g ON g.id = w.at
        LEFT JOIN ${quoteIdent(def.name)} AS t ON g.id IS NULL AND t.${id} = w.at AND t.${quoteIdent(WORKSPACE_COLUMN)} = ?2
        WHERE w.at IS NOT NULL AND w.at IS NOT w.start
      )
      SELECT DISTINCT start FROM walk WHERE at = start`,
    args: [JSON.stringify(docs.map((doc) => [doc[def.idField], doc[column] ?? null])), workspace]
  })
  const looped = new Set(rows.map((row) => String(row.start)))
  const linked = docs.filter((doc) => typeof doc[column] === 'string')
  const culprit = linked.find((doc) => looped.has(String(doc[def.idField]))) ?? linked[0]
  const target = culprit === undefined ? '' : ` ${String(culprit[column])}`
  return new BadRequest(`${column}${target} would make a ${def.singular} its own ancestor`)
}

/** How many documents of a loop `agor db check` names. */
const NAMED = 3

/** The words of `agor db check` for documents on loops: `2 sessions are their own ancestors through …`. */
function loopWords(def: AnyDefinition, column: string, count: number | string): string {
  const plural = def.name.replaceAll('_', ' ')
  return count === 1
    ? `1 ${def.singular} is its own ancestor through ${column}`
    : `${count} ${plural} are their own ancestors through ${column}`
}

/**
 * The ids of the documents on a loop through `column`. Every linked document below one whose link
 * ends (is null, or names nothing) is reached once, down the link's index; a count says whether
 * any is left (none in a sound database), and only then does a walk find which are on a loop
 * rather than below one.
 */
async function looped(db: Executor, def: AnyDefinition, column: string): Promise<string[]> {
  const table = quoteIdent(def.name)
  const id = quoteIdent(def.idField)
  const ws = quoteIdent(WORKSPACE_COLUMN)
  const link = quoteIdent(column)
  // UNION ALL: a document has one link, so it is reached at most once, and one on a loop never
  const rooted = `WITH RECURSIVE rooted(id, ws) AS (
      SELECT t.${id}, t.${ws} FROM ${table} AS t WHERE t.${link} IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM ${table} AS p WHERE p.${id} = t.${link} AND p.${ws} = t.${ws} AND p.${link} IS NOT NULL)
      UNION ALL
      SELECT t.${id}, t.${ws} FROM ${table} AS t JOIN rooted AS r ON t.${link} = r.id AND t.${ws} = r.ws
    )`
  const { rows } = await db.execute(
    `${rooted} SELECT (SELECT count(*) FROM ${table} WHERE ${link} IS NOT NULL) - (SELECT count(*) FROM rooted) AS stuck`
  )
  if (Number(rows[0]?.stuck ?? 0) === 0) return []
  const { rows: found } = await db.execute(`${rooted},
    loose AS (SELECT ${id} AS id, ${link} AS link, ${ws} AS ws FROM ${table}
      WHERE ${link} IS NOT NULL AND (${id}, ${ws}) NOT IN (SELECT id, ws FROM rooted)),
    walk(start, ws, at) AS (
      SELECT id, ws, link FROM loose
      UNION
      SELECT w.start, w.ws, l.link FROM walk AS w JOIN loose AS l ON l.id = w.at AND l.ws = w.ws
      WHERE w.at IS NOT w.start
    )
    SELECT start FROM walk WHERE at = start ORDER BY start`)
  return found.map((row) => String(row.start))
}

/**
 * The loops the documents hold, in words (`agor db check`): written before the triggers, or with
 * them dropped.
 */
export async function ancestorLoops(db: Executor): Promise<string[]> {
  const problems: string[] = []
  for (const { def, column } of selfRelations()) {
    const ids = await looped(db, def, column)
    if (ids.length === 0) continue
    const named = `${ids.slice(0, NAMED).join(', ')}${ids.length > NAMED ? ', …' : ''}`
    problems.push(`${loopWords(def, column, ids.length)} (${named})`)
  }
  return problems
}

/** Documents on loops through one link of a collection. */
export interface Loops {
  def: AnyDefinition
  column: string
  /** The ids of the documents on them, those a bulk write wrote first, in the order it wrote them. */
  ids: string[]
  /** Their links through `column`, by id. */
  links: Map<string, unknown>
}

/**
 * Sets the loop triggers aside for the rest of `tx`'s transaction, for a bulk write whose
 * documents may pass through a loop on the way to links that hold none (an import replacing
 * documents, whose file may move A under B before it moves B from under A). Returns what puts
 * them back before the commit: it gives the loops made meanwhile. A loop of an older version,
 * each of its links as it was, is not one of them (as the triggers let a write leave a link as it
 * was); a loop with any other link is, whoever was on a loop before.
 */
export async function loopTriggersAside(tx: Executor): Promise<() => Promise<Loops[]>> {
  const before = new Map<SelfRelation, Map<string, unknown>>()
  for (const relation of selfRelations())
    before.set(relation, await linksOf(tx, relation, await looped(tx, relation.def, relation.column)))
  const { rows } = await tx.execute(`SELECT coalesce(max(seq), 0) AS seq FROM ${CHANGES_TABLE}`)
  const since = Number(rows[0]?.seq ?? 0)
  const triggers = ancestorLoopTriggers()
  for (const { name } of triggers) await tx.execute(`DROP TRIGGER IF EXISTS ${quoteIdent(name)}`)
  return async () => {
    for (const { sql } of triggers) await tx.execute(sql)
    const made: Loops[] = []
    for (const [relation, had] of before) {
      const ids = await looped(tx, relation.def, relation.column)
      const links = await linksOf(tx, relation, ids)
      const fresh = ids.filter((id) => !had.has(id) || had.get(id) !== links.get(id))
      if (fresh.length > 0)
        made.push({ ...relation, ids: await writtenFirst(tx, relation.def, fresh, since), links })
    }
    return made
  }
}

/** The links through `column` of the documents `ids`, by id. */
async function linksOf(
  tx: Executor,
  { def, column }: SelfRelation,
  ids: string[]
): Promise<Map<string, unknown>> {
  if (ids.length === 0) return new Map()
  const id = quoteIdent(def.idField)
  const { rows } = await tx.execute({
    sql: `SELECT ${id} AS id, ${quoteIdent(column)} AS link FROM ${quoteIdent(def.name)} WHERE ${id} IN (SELECT value FROM json_each(?))`,
    args: [JSON.stringify(ids)]
  })
  return new Map(rows.map((row) => [String(row.id), row.link]))
}

/** `ids`, those whose changes came after change `since` first, in the order of their first such change. */
async function writtenFirst(
  tx: Executor,
  def: AnyDefinition,
  ids: string[],
  since: number
): Promise<string[]> {
  const { rows } = await tx.execute({
    sql: `SELECT doc_id FROM ${CHANGES_TABLE} WHERE seq > ? AND collection = ? AND doc_id IN (SELECT value FROM json_each(?)) GROUP BY doc_id ORDER BY min(seq)`,
    args: [since, def.name, JSON.stringify(ids)]
  })
  const written = new Set(rows.map((row) => String(row.doc_id)))
  return [...written, ...ids.filter((id) => !written.has(id))]
}

/** What breaks the loops that `problems` (of ancestorLoops, among others) report. */
export function loopAdvice(problems: readonly string[]): string[] {
  return selfRelations().flatMap(({ def, column }) => {
    // the words before the ids, with the count or without it
    const [one, several] = [`${loopWords(def, column, 1)} (`, `${loopWords(def, column, '')} (`]
    const reported = problems.some((p) => p.startsWith(one) || p.replace(/^\d+/, '').startsWith(several))
    return reported
      ? [
          `break each loop through ${column}: agor ${def.singular} update <id> --data '{"${column}":null}' on one ${def.singular} of it`
        ]
      : []
  })
}
