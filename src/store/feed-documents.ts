/**
 * The documents of changes. A change that a trigger wrote keeps its document (its row image); one
 * the store wrote keeps none (see change-rows.ts), and its document is rebuilt: the row as it is
 * now, taken back through the undo of each later change of the document, newest first. The row
 * and those changes are read in one statement: one snapshot, whatever is written meanwhile.
 */
import { Gone } from '@feathersjs/errors'
import type { Executor, InValue, Row } from '../db/connection.js'
import { CHANGES_TABLE, FEED_STATE_TABLE } from '../schema/changes.js'
import { type CollectionName, collectionNames, collections, isCollectionName } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { WORKSPACE_COLUMN } from '../schema/workspaces.js'
import { image } from './feed-triggers.js'
import { type Document, type RowMapper, rowMapper } from './row.js'
import { applyUndo, type UndoEntry } from './undo.js'

/** Each collection's row mapper, made once: a read of the feed maps every change's document. */
const mappers = new Map<CollectionName, RowMapper>()
function mapperOf(name: CollectionName): RowMapper {
  let mapper = mappers.get(name)
  if (!mapper) {
    mapper = rowMapper(collections[name])
    mappers.set(name, mapper)
  }
  return mapper
}

/** The document of a row image (see feed-triggers.ts), as the collection's API shows it. */
export function documentOf(collection: string, image: Document): Document {
  if (!isCollectionName(collection)) return image
  const mapper = mapperOf(collection)
  return mapper.fromValues(
    mapper.columns.map((c) => (c === 'data' ? JSON.stringify(image.data ?? {}) : (image[c] as InValue)))
  )
}

/** What tells one document's changes from another's: its collection, id and workspace. */
const documentKey = (row: Row) => `${String(row.collection)}\n${String(row.doc_id)}\n${String(row.workspace)}`

const parsed = (text: unknown): unknown => (text === null ? null : JSON.parse(String(text)))

/**
 * The changes of the documents ?1 names (`[collection, id, seq, workspace]`) with seqs from ?2 on.
 * The workspace too: a text key names a document in each workspace that has it.
 */
const HISTORY_CHANGES = `SELECT collection, doc_id, workspace, seq, event, doc, undo FROM ${CHANGES_TABLE} WHERE seq >= ?2 AND (collection, doc_id, workspace) IN (SELECT value ->> 0, value ->> 1, value ->> 3 FROM json_each(?1))`

/**
 * The changes of the documents `wanted` (?1) names (`[collection, id, seq]`) from the oldest of
 * those seqs (?2) on, and each document's row as it is now (seq null). The changes are read by
 * seq, the feed's only index: a reader near the head reads little.
 */
export function historySql(): string {
  const rows = collectionNames.map((name) => {
    const def = collections[name]
    const table = quoteIdent(def.name)
    const id = quoteIdent(def.idField)
    const ws = quoteIdent(WORKSPACE_COLUMN)
    const ids = `SELECT value ->> 1${def.key === 'text' ? ', value ->> 3' : ''} FROM json_each(?1) WHERE value ->> 0 = '${name}'`
    const named = def.key === 'text' ? `(${id}, ${ws}) IN (${ids})` : `${id} IN (${ids})`
    return `SELECT '${name}', ${id}, ${ws}, NULL, NULL, ${image(def, table)}, NULL FROM ${table} WHERE ${named}`
  })
  return [HISTORY_CHANGES, ...rows].join(' UNION ALL ')
}

/**
 * Steps of rebuilding (a history row read, a change taken back) between two turns of the event
 * loop: a read far behind the head takes back every later change of its documents, and must not
 * hold up the other calls of a daemon meanwhile.
 */
const STEPS_PER_TURN = 2000

/** Counts steps: true when the event loop is due a turn (see STEPS_PER_TURN). */
class Pacer {
  #steps = 0

  due(): boolean {
    return ++this.#steps % STEPS_PER_TURN === 0
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

/** Seqs of history per statement far behind the head: each statement is a few ms. */
const HISTORY_CHUNK = 10_000

/** The changes of the documents ?1 names with seqs from ?2 up to ?3 (see historySql). */
const CHUNK_SQL = `${HISTORY_CHANGES} AND seq < ?3`

const PRUNED_MEANWHILE = () =>
  new Gone('Changes were pruned while they were read: read again from a later seq')

interface Step {
  seq: number | null
  event: string | null
  doc: Document | null
  undo: unknown
}

export class FeedDocuments {
  readonly #db: Executor
  readonly #sql = historySql()
  readonly #chunk: number

  /** `chunk`: the seqs of history one statement reads, far behind the head. */
  constructor(db: Executor, chunk = HISTORY_CHUNK) {
    this.#db = db
    this.#chunk = chunk
  }

  /**
   * The history rows of the documents `wanted` names from seq `from` on (see historySql). Far
   * behind the head, the changes up to the head as it was are read a chunk of seqs at a time, with
   * a turn of the event loop between chunks (changes do not change once written), and the rest
   * with the rows as they are now, in one statement: one snapshot of what the rebuild starts from.
   */
  async #history(wanted: string, from: number): Promise<Row[]> {
    const history: Row[] = []
    const { rows } = await this.#db.execute(`SELECT coalesce(max(seq), 0) AS head FROM ${CHANGES_TABLE}`)
    const head = Number(rows[0]?.head ?? 0)
    let start = from
    for (; head - start >= this.#chunk; start += this.#chunk) {
      const chunk = await this.#db.execute({ sql: CHUNK_SQL, args: [wanted, start, start + this.#chunk] })
      history.push(...chunk.rows)
      await nextTurn()
    }
    history.push(...(await this.#db.execute({ sql: this.#sql, args: [wanted, start] })).rows)
    if (start > from) {
      // pruning takes the oldest first: if it reached `from` meanwhile, a chunk may lack changes
      const state = await this.#db.execute(`SELECT pruned_through FROM ${FEED_STATE_TABLE} WHERE id = 1`)
      if (Number(state.rows[0]?.pruned_through ?? 0) >= from) throw PRUNED_MEANWHILE()
    }
    return history
  }

  /** The document of each change row (by seq), rebuilding those that keep none. */
  async of(rows: readonly Row[]): Promise<Map<number, Document>> {
    const docs = new Map<number, Document>()
    const oldest = new Map<string, [string, string, number, string]>()
    const wanted: number[] = []
    let from = Number.POSITIVE_INFINITY
    for (const row of rows) {
      const seq = Number(row.seq)
      const collection = String(row.collection)
      if (row.doc !== null) {
        docs.set(seq, documentOf(collection, parsed(row.doc) as Document))
        continue
      }
      wanted.push(seq)
      from = Math.min(from, seq)
      const key = documentKey(row)
      const known = oldest.get(key)
      if (!known || known[2] > seq)
        oldest.set(key, [collection, String(row.doc_id), seq, String(row.workspace)])
    }
    if (oldest.size === 0) return docs
    const history = await this.#history(JSON.stringify([...oldest.values()]), from)
    const pacer = new Pacer()
    const steps = new Map<string, Step[]>()
    for (const row of history) {
      if (pacer.due()) await nextTurn()
      const key = documentKey(row)
      // older than any change of this document that was asked for
      if (row.seq !== null && Number(row.seq) < oldest.get(key)![2]) continue
      const list = steps.get(key) ?? []
      list.push({
        seq: row.seq === null ? null : Number(row.seq),
        event: row.event === null ? null : String(row.event),
        doc: parsed(row.doc) as Document | null,
        undo: parsed(row.undo)
      })
      steps.set(key, list)
    }
    for (const [key, list] of steps) await rebuild(key.slice(0, key.indexOf('\n')), list, docs, pacer)
    // pruning removes the oldest first: a change read a moment ago that is gone now took its
    // undo with it, and what is older than it can no longer be rebuilt
    if (wanted.some((seq) => !docs.has(seq))) throw PRUNED_MEANWHILE()
    return docs
  }
}

/** Walks one document's changes from its row as it is now back to the oldest asked for. */
async function rebuild(
  collection: string,
  steps: Step[],
  docs: Map<number, Document>,
  pacer: Pacer
): Promise<void> {
  const current = steps.find((s) => s.seq === null)
  let state = current?.doc ? documentOf(collection, current.doc) : undefined
  const changes = steps.filter((s) => s.seq !== null).sort((a, b) => b.seq! - a.seq!)
  for (const step of changes) {
    if (pacer.due()) await nextTurn()
    const seq = step.seq!
    const own = step.doc ? documentOf(collection, step.doc) : undefined
    const written = own ?? state
    if (!own && !docs.has(seq)) docs.set(seq, written ?? {})
    state = before(collection, step, written)
  }
}

/** The document before a change: none before a creation; for a removal, the one it removed. */
function before(collection: string, step: Step, written: Document | undefined): Document | undefined {
  if (step.event === 'created' || !written) return undefined
  if (step.event === 'removed') return written
  if (Array.isArray(step.undo)) return applyUndo(written, step.undo as UndoEntry[])
  // an update (the store's or another writer's) keeps the row before it whole
  if (step.undo && typeof step.undo === 'object') return documentOf(collection, step.undo as Document)
  return undefined
}
