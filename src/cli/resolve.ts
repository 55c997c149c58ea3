/**
 * From what a person typed to the documents it names: id arguments (never empty; the value of a
 * unique key, such as a repo's slug, names its document), flags that name other documents, and
 * the fields a create cannot do without. All of it is derived from the collection definitions.
 */
import { type AmbiguousCandidate, AmbiguousIdError, DocumentNotFoundError } from '../errors.js'
import { parseIdPrefix } from '../ids.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collections } from '../schema/index.js'
import type { Backend, Doc, DocumentsApi } from './backend.js'
import { type FieldFlag, flagName, optionKey } from './document-input.js'
import { asWireError, UsageError } from './errors.js'

/**
 * Refuses an empty or blank id argument before any call: through a daemon, `GET /sessions/` would
 * be a find, and `DELETE /sessions/` a remove of every document.
 */
export function assertIdGiven(def: AnyDefinition, text: string): void {
  if (text.trim() === '') {
    throw new UsageError(
      `An empty id names no ${def.singular}: give its id or a unique prefix of at least 4 hex digits`
    )
  }
}

/** How an id argument is described in help: the values of unique keys name documents too. */
export function idArgument(def: AnyDefinition): string {
  const keys = def.keyColumns.filter((k) => k.unique).map((k) => k.name)
  return `a short id: any unique prefix, dashes optional, any case${keys.length ? `; or the ${keys.join(' or ')}` : ''}`
}

/**
 * The document whose unique key (a repo's slug) is exactly `text`, if the collection has one.
 * Text that is no unique key's value and cannot be an id either names nothing: not found (exit 3)
 * rather than the malformed id (exit 2) it would be in a collection without unique keys.
 */
async function byUniqueKey(api: DocumentsApi, def: AnyDefinition, text: string): Promise<Doc | undefined> {
  const keys = def.keyColumns.filter((k) => k.unique)
  for (const key of keys) {
    const page = await api.find({ [key.name]: text, $limit: 1 })
    const doc = page.data[0]
    if (doc) return isIdForm(text) ? notAlsoAnId(api, def, text, doc, key.name) : doc
  }
  if (keys.length > 0 && !isIdForm(text)) throw new DocumentNotFoundError(def.singular, text)
  return undefined
}

/**
 * `doc`, whose `key` is `text`, unless `text` is also the prefix of another document's id: what
 * `list` printed for that one (a slug may look like a short id), so neither is picked for a write
 * that could hit the wrong document.
 */
async function notAlsoAnId(
  api: DocumentsApi,
  def: AnyDefinition,
  text: string,
  doc: Doc,
  key: string
): Promise<Doc> {
  const id = String(doc[def.idField])
  let others: AmbiguousCandidate[]
  try {
    const byId = await api.get(text)
    if (byId[def.idField] === id) return doc
    others = await candidates(api, def, [byId])
  } catch (error) {
    const wire = asWireError(error)
    if (wire?.code === 404) return doc
    const data = wire?.code === 409 ? (wire.data as { candidates?: AmbiguousCandidate[] }) : undefined
    if (!data?.candidates) throw error
    others = data.candidates.filter((c) => c.id !== id)
  }
  const [named] = await candidates(api, def, [doc])
  if (named) named.summary = `${key} ${text}: ${named.summary}`
  throw new AmbiguousIdError(def.singular, text, [...(named ? [named] : []), ...others], false)
}

async function candidates(api: DocumentsApi, def: AnyDefinition, docs: Doc[]): Promise<AmbiguousCandidate[]> {
  const ids = docs.map((d) => String(d[def.idField]))
  const shortIds = await api.shortIds(ids)
  return docs.map((doc, i) => ({
    id: ids[i] ?? '',
    short_id: shortIds[i] ?? '',
    created_at: String(doc.created_at),
    status: typeof doc.status === 'string' ? doc.status : null,
    summary: def.summary(doc)
  }))
}

function isIdForm(text: string): boolean {
  try {
    parseIdPrefix(text)
    return true
  } catch {
    return false
  }
}

/**
 * The document an argument names: the one whose unique key equals it, else the one the service
 * finds by id or prefix (404 and 409 as usual).
 */
export async function documentNamed(api: DocumentsApi, def: AnyDefinition, text: string): Promise<Doc> {
  assertIdGiven(def, text)
  return (await byUniqueKey(api, def, text)) ?? api.get(text)
}

/**
 * What to hand the service as the id of an argument: the whole id of the document whose unique key
 * equals it, else the argument itself (the service resolves a prefix in the same call).
 */
export async function idNamed(api: DocumentsApi, def: AnyDefinition, text: string): Promise<string> {
  assertIdGiven(def, text)
  const doc = await byUniqueKey(api, def, text)
  return doc ? String(doc[def.idField]) : text
}

/**
 * The options with every flag that names another document (`--session 0199b73d`) resolved to its
 * whole id, so that a prefix that names nothing is "not found" (exit 3) and an ambiguous one
 * lists its candidates (exit 4), as for an id argument, rather than the 400 of a write that names
 * a missing document or an empty list.
 */
export async function withReferences(
  backend: Backend,
  flags: readonly FieldFlag[],
  options: Record<string, unknown>
): Promise<Record<string, unknown>> {
  const resolved = { ...options }
  for (const flag of flags) {
    const key = optionKey(flag)
    const value = resolved[key]
    if (!flag.references || typeof value !== 'string') continue
    const def: AnyDefinition = collections[flag.references]
    resolved[key] = String((await documentNamed(backend.service(flag.references), def, value))[def.idField])
  }
  return resolved
}

/** Fields the store sets itself on create, whatever the schema says of them. */
const STORE_SET = new Set(['status', 'created_at', 'updated_at'])

/**
 * Refuses a create that lacks a field the schema requires (not optional, without a default),
 * before any call: `--session is required` where a flag sets it, `label is required (give it in
 * --data)` where none does, so that every collection of the registry answers alike. The status has
 * a default: the first one.
 */
export function assertRequiredFields(
  def: AnyDefinition,
  flags: readonly FieldFlag[],
  docs: Doc | Doc[]
): void {
  const list = Array.isArray(docs) ? docs : [docs]
  for (const [field, schema] of Object.entries(def.schema.shape)) {
    if (field === def.idField || STORE_SET.has(field) || schema.safeParse(undefined).success) continue
    const missing = list.findIndex((doc) => doc[field] === undefined)
    if (missing < 0) continue
    const flag = flags.find((f) => f.field === field)
    const name = flag ? flagName(flag) : field
    throw new UsageError(
      Array.isArray(docs)
        ? `${name} is required: document ${missing + 1} of --data has no ${field}`
        : `${name} is required${flag ? '' : ' (give it in --data)'}`
    )
  }
}
