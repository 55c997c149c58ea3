/**
 * Documents about to be written: what a create, update or patch turns its input into, with ids,
 * statuses and timestamps the store sets, and the checks every write passes before it reaches the
 * table (plain JSON, the schema, the collection's own adjustments). What must hold against every
 * write committed before this one (unique keys, references, no ancestor loops) is judged inside
 * the write, by the database's constraints and triggers, and explained by constraints.ts.
 */
import { BadRequest } from '@feathersjs/errors'
import type { InValue, Value } from '../db/connection.js'
import { isCanonicalV7, newId, parseTextKey } from '../ids.js'
import { type AnyDefinition, AUTHOR_FIELD } from '../schema/collection.js'
import { isPlainObject, ownValue, plainJsonCopy } from './plain-json.js'
import { type Document, type RowMapper, toIso, toMillis } from './row.js'
import { canonicalTimestamps } from './timestamps.js'
import { ValidRows } from './valid-rows.js'
import { assertTimestamps, carryUnknownKeys, validateDocument } from './validate.js'

/** Where in a create's array an item is, for its messages. */
const at = (index: number | undefined) => (index === undefined ? '' : ` (item ${index})`)

export class Drafts {
  readonly #def: AnyDefinition
  readonly #mapper: RowMapper
  readonly #validRows = new ValidRows()
  /** Stored documents read from a row this process validated and wrote, unchanged since. */
  readonly #valid = new WeakSet<Document>()

  constructor(def: AnyDefinition, mapper: RowMapper) {
    this.#def = def
    this.#mapper = mapper
  }

  /** The stored document of a row's values (see ValidRows: some need no second look). */
  stored(values: ArrayLike<Value>): Document {
    const doc = this.#mapper.fromValues(values)
    if (this.#validRows.has(values)) this.#valid.add(doc)
    return doc
  }

  /** Notes the rows of an update or patch once written (see `stored`). */
  wrote(rows: readonly { values: InValue[] }[]): void {
    for (const { values } of rows) this.#validRows.wrote(values)
  }

  /** A copy of what a write was given, checked to be a plain JSON object with sane timestamps. */
  input(data: unknown): Document {
    if (!isPlainObject(data)) throw new BadRequest(`A ${this.#def.singular} must be a JSON object`)
    const input = plainJsonCopy(data, this.#def.singular)
    assertTimestamps(this.#def, input)
    return input
  }

  /** The new documents of a create (one, or an array): ids, default status and timestamps set. */
  created(data: unknown): Document[] {
    const now = toIso(Date.now())
    const items: unknown[] = Array.isArray(data) ? data : [data]
    return items.map((item, i) => this.#created(item, now, Array.isArray(data) ? i : undefined))
  }

  #created(item: unknown, now: string, index: number | undefined): Document {
    const input = this.input(item)
    const { idField, statuses } = this.#def
    const givenId = ownValue(input, idField)
    if (this.#def.key === 'text') {
      // a text key is the caller's to choose: there is none to make
      if (givenId === undefined) throw new BadRequest(`${idField} is required${at(index)}`)
      input[idField] = parseTextKey(givenId).text
    } else if (givenId !== undefined && !isCanonicalV7(givenId)) {
      // ids order documents by creation time and short ids rely on their random tail: only v7
      throw new BadRequest(`${idField} must be a UUIDv7 in canonical form${at(index)}`)
    } else {
      // the input is a copy already (see input): it becomes the document
      input[idField] = givenId ?? newId()
    }
    // a status left out is the default; a null one is refused by validation, as on patch
    if (statuses && ownValue(input, 'status') === undefined) input.status = statuses[0]
    input.created_at = now
    input.updated_at = now
    return input
  }

  /** `doc`, a new document (its relation fields resolved already), once it is valid. */
  validNew(doc: Document): Document {
    this.#validate(doc, undefined, String(doc.created_at))
    return doc
  }

  /** The document an update makes of `stored`: `input` with the id and created_at kept. */
  replaced(stored: Document, input: Document): Document {
    const { idField, statuses } = this.#def
    const next: Document = { [idField]: stored[idField] }
    if (statuses) next.status = input.status === undefined ? statuses[0] : input.status
    next.created_at = stored.created_at
    next.updated_at = stored.updated_at
    for (const key of Object.keys(input)) {
      if (!Object.hasOwn(next, key)) next[key] = input[key]
    }
    carryUnknownKeys(this.#def.schema, stored, next)
    return next
  }

  /** `change` applied to `stored`, with a later updated_at, validated. */
  changed(stored: Document, change: (stored: Document) => Document): Document {
    const next = change(stored)
    // updated_at strictly increases on every write of a row, even within one millisecond
    next.updated_at = toIso(Math.max(Date.now(), toMillis(String(stored.updated_at)) + 1))
    this.#validate(next, stored, String(next.updated_at))
    return next
  }

  /**
   * Validates a document about to be written, then lets the collection adjust it. What the caller
   * gave is judged before the adjustment, so that a value it would overwrite (a task's
   * `completed_at`) is refused the same way on create, update and patch, not silently replaced.
   */
  #validate(next: Document, stored: Document | undefined, now: string): void {
    canonicalTimestamps(this.#def, next)
    if (stored && this.#def.authored) keepAuthor(next, stored)
    // what a change left as a valid stored document had it is valid still
    validateDocument(this.#def, next, stored, {
      unchanged: stored && this.#valid.has(stored) ? stored : undefined
    })
    const { beforeWrite } = this.#def
    if (!beforeWrite) return
    const passed = { ...next }
    beforeWrite(next, stored, now)
    validateDocument(this.#def, next, stored, { passed })
  }
}

/**
 * Authorship is the creator's for good: a write that leaves `created_by` out keeps it, one that
 * names another author is refused (an update may send back the one stored).
 */
function keepAuthor(next: Document, stored: Document): void {
  const author = stored[AUTHOR_FIELD] ?? null
  const given = next[AUTHOR_FIELD]
  if (given !== undefined && given !== author) throw new BadRequest(`${AUTHOR_FIELD} cannot change`)
  if (author === null) delete next[AUTHOR_FIELD]
  else next[AUTHOR_FIELD] = author
}
