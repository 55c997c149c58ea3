/**
 * Import of an export folder (see transfer-files.ts for the format): every document is validated
 * and written in one transaction, so that everything lands or nothing does, also when the process
 * is killed half way. A document whose id is stored already fails the import, or, on request, is
 * skipped or replaces the stored one.
 */
import { createReadStream } from 'node:fs'
import { BadRequest, Conflict } from '@feathersjs/errors'
import type { Executor, Statement } from '../db/connection.js'
import { StoredIdError, UniqueViolationError } from '../errors.js'
import { assertExactIntegers } from '../json-integers.js'
import type { AnyDefinition } from '../schema/collection.js'
import type { CollectionName } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import { DEFAULT_WORKSPACE, IN_WORKSPACE, WORKSPACE_COLUMN, WORKSPACES_TABLE } from '../schema/workspaces.js'
import { loopTriggersAside } from './ancestor-loops.js'
import type { Collection } from './collection.js'
import { explainWriteError } from './constraints.js'
import type { Database, OpenOptions } from './database.js'
import { type ExportFolder, type ImportFile, readExportFolder, workspaceFolders } from './export-folder.js'
import { contextStatements, IMPORT } from './feed-triggers.js'
import { assertNoLoops, assertReferences, foreignKeyViolations } from './import-references.js'
import { isPlainObject } from './plain-json.js'
import { type Document, type RowMapper, rowMapper } from './row.js'
import { searchIndexes } from './search-index.js'
import {
  located,
  type Manifest,
  PAGE,
  type TransferOptions,
  WORKSPACES_DIR,
  withDatabase
} from './transfer-files.js'
import { storedDocument } from './validate.js'
import { checkName } from './workspaces.js'

/** What an import does with a document whose id is stored already. */
export type OnConflict = 'fail' | 'skip' | 'replace'

export interface ImportOptions extends TransferOptions {
  /**
   * A document whose id is stored already: `fail` the whole import (the default), `skip` it (the
   * stored one stays), or `replace` the stored one with it (timestamps included). A unique key
   * (a repo's slug) that another document holds fails the import in every case.
   */
  onConflict?: OnConflict
  /**
   * The workspace to import the folder's documents into (made if it does not exist). Without it
   * they go where they were exported from: `default`, the workspace the manifest names, and for
   * an export of a whole database every other workspace into its own.
   */
  workspace?: string
  /**
   * More writes of the same transaction, once the documents are in (and their references checked
   * again after them): what lands with the import or not at all.
   */
  alongside?: (tx: Executor) => Promise<void>
}

type Counts = Manifest['counts']

export interface ImportResult {
  /** Documents written as new, per collection. */
  imported: Counts
  /** Documents left out because one with their id is stored (onConflict: 'skip'). */
  skipped: Counts
  /** Stored documents overwritten by the import's (onConflict: 'replace'). */
  replaced: Counts
}

/**
 * Imports an export folder into a database given by its configuration (see importDocuments).
 *
 * @example
 * await importDatabase({ url: 'file:./copy.db' }, './dump') // { imported: { sessions: 120, … }, skipped: {}, replaced: {} }
 */
export async function importDatabase(
  options: OpenOptions,
  dir: string,
  transfer: ImportOptions = {}
): Promise<ImportResult> {
  // judged before the database is opened: a mistyped folder must not leave a new, empty database
  const onConflict = conflictMode(transfer.onConflict)
  const parts = exportParts(dir, transfer.workspace)
  return withDatabase(options, (docs) => importParts(docs, parts, { ...transfer, onConflict }))
}

/** The folders of an export with the workspace each goes into. */
function exportParts(dir: string, into: string | undefined): { workspace: string; folder: ExportFolder }[] {
  const folder = readExportFolder(dir)
  const others = workspaceFolders(dir)
  if (into !== undefined) {
    checkName(into, 'workspace')
    if (others.length > 0)
      throw new BadRequest(
        `${dir} holds several workspaces (${WORKSPACES_DIR}/): import it without a workspace, each goes into its own`
      )
    return [{ workspace: into, folder }]
  }
  for (const { workspace } of others) checkName(workspace, 'workspace')
  return [{ workspace: folder.manifest?.workspace ?? DEFAULT_WORKSPACE, folder }, ...others]
}

function conflictMode(onConflict: OnConflict | undefined): OnConflict {
  const mode = onConflict ?? 'fail'
  if (!['fail', 'skip', 'replace'].includes(mode)) {
    throw new BadRequest(`onConflict is fail, skip or replace, got ${JSON.stringify(mode)}`)
  }
  return mode
}

/**
 * Imports an export folder: every document is validated (fields a newer version wrote are kept)
 * and written with its id and timestamps, all in one transaction. An id that is stored already
 * (unless `onConflict` says to skip or replace it), a unique key another document holds, a
 * reference to a document that exists nowhere, or any invalid line fails the whole import, and
 * nothing is written. Returns the documents imported, skipped and replaced per collection.
 *
 * @example
 * const { imported } = await importDocuments(store.database, './dump', { onConflict: 'skip' })
 */
export async function importDocuments(
  database: Database,
  dir: string,
  options: ImportOptions = {}
): Promise<ImportResult> {
  const onConflict = conflictMode(options.onConflict)
  return importParts(database, exportParts(dir, options.workspace), { ...options, onConflict })
}

async function importParts(
  database: Database,
  parts: readonly { workspace: string; folder: ExportFolder }[],
  options: ImportOptions & { onConflict: OnConflict }
): Promise<ImportResult> {
  const { onConflict } = options
  const files = parts.flatMap(({ workspace, folder }) =>
    folder.files.map((file) => ({ workspace, folder, file }))
  )
  const total = files.reduce((sum, f) => sum + f.file.bytes, 0)
  const result: ImportResult = { imported: {}, skipped: {}, replaced: {} }
  const add = (counts: Counts, name: CollectionName, n: number) => {
    counts[name] = (counts[name] ?? 0) + n
  }
  let before = 0
  options.onProgress?.(0, total)
  await database.connection.transaction('write', async (tx) => {
    // references are checked once everything is in, so the order of files and lines is free
    await tx.execute('PRAGMA defer_foreign_keys = ON')
    const [begin, end] = contextStatements(IMPORT)
    await tx.execute(begin)
    const known = await foreignKeyViolations(tx)
    // links are checked for loops once everything is in too: a file that replaces documents
    // may pass through a loop on its way to links that hold none
    const loopsMade = await loopTriggersAside(tx)
    for (const { workspace } of parts) {
      await tx.execute({
        sql: `INSERT OR IGNORE INTO ${WORKSPACES_TABLE} (name, created_at) VALUES (?, ?)`,
        args: [workspace, Date.now()]
      })
    }
    for (const { workspace, folder, file } of files) {
      const collection = database.workspace(workspace).collection(file.name)
      const counted = await importFile(tx, collection, file, onConflict, (bytes) =>
        options.onProgress?.(before + bytes, total)
      )
      before += file.bytes
      add(result.imported, file.name, counted.imported)
      if (onConflict === 'skip') add(result.skipped, file.name, counted.stored)
      if (onConflict === 'replace') add(result.replaced, file.name, counted.stored)
      const expected = folder.manifest?.counts[file.name]
      if (expected !== undefined && expected !== counted.read) {
        const why = counted.read < expected ? 'the export is incomplete' : 'the files are not of one export'
        throw new BadRequest(
          `${file.name}.jsonl holds ${counted.read} documents, the manifest says ${expected}: ${why}`
        )
      }
    }
    await options.alongside?.(tx)
    await assertReferences(tx, known)
    assertNoLoops(await loopsMade())
    // the search index takes the imported text in now, a segment for all of it
    for (const index of searchIndexes()) for (const sql of index.catchUp) await tx.execute(sql)
    await tx.execute(end)
  })
  return result
}

/**
 * The ids among `docs` that the collection's workspace holds already. A UUID that another workspace
 * holds cannot be imported here however conflicts are settled (UUIDs are unique in the table): it
 * fails the import, naming its line. A text key is another entry in each workspace.
 */
async function storedIds(
  tx: Executor,
  collection: Collection,
  docs: readonly Document[],
  lineOf: (doc: Document) => string
): Promise<Set<unknown>> {
  const def = collection.definition
  const id = quoteIdent(def.idField)
  const own = def.key === 'text' ? ` AND ${IN_WORKSPACE}` : ''
  const { rows } = await tx.execute({
    sql: `SELECT ${id} AS id, ${quoteIdent(WORKSPACE_COLUMN)} AS workspace FROM ${quoteIdent(def.name)} WHERE ${id} IN (SELECT value FROM json_each(?))${own}`,
    args: [JSON.stringify(docs.map((doc) => doc[def.idField])), ...(own ? [collection.workspace] : [])]
  })
  const elsewhere = rows.find((row) => row.workspace !== collection.workspace)
  if (elsewhere) {
    const doc = docs.find((d) => d[def.idField] === elsewhere.id)!
    throw new Conflict(
      `${lineOf(doc)}: a ${def.singular} with ${def.idField} ${JSON.stringify(elsewhere.id)} is stored in another workspace`
    )
  }
  return new Set(rows.map((row) => row.id))
}

/** The UPDATE that overwrites a stored row of the workspace with an imported document, every column included. */
function replaceStatement(collection: Collection, mapper: RowMapper, doc: Document): Statement {
  const def = collection.definition
  const values = mapper.toRow(doc)
  const columns = mapper.columns.slice(1).map((column) => `${quoteIdent(column)} = ?`)
  return {
    sql: `UPDATE ${quoteIdent(def.name)} SET ${columns.join(', ')} WHERE ${quoteIdent(def.idField)} = ? AND ${quoteIdent(WORKSPACE_COLUMN)} = ?`,
    args: [...values.slice(1), values[0]!, collection.workspace]
  }
}

/** Imports one collection file: the documents it holds, those written as new, and those whose id was stored. */
async function importFile(
  tx: Executor,
  collection: Collection,
  file: ImportFile,
  onConflict: OnConflict,
  progress: (bytes: number) => void
): Promise<{ read: number; imported: number; stored: number }> {
  const def = collection.definition
  const mapper = rowMapper(def)
  const where = `${file.name}.jsonl`
  const input = createReadStream(file.path, { encoding: 'utf8' })
  const counts = { read: 0, imported: 0, stored: 0 }
  let line = 0
  let chunk: Document[] = []
  const lines = new Map<Document, number>()
  const write = async (docs: Document[], statements: Statement[]) => {
    try {
      for (const statement of statements) await tx.execute(statement)
    } catch (error) {
      throw onLines(where, def, await explainWriteError(error, tx, collection, docs), docs, lines)
    }
  }
  const flush = async () => {
    if (chunk.length === 0) return
    const stored = await storedIds(tx, collection, chunk, (doc) => `${where} line ${lines.get(doc)}`)
    // with fail, a stored id fails the INSERT itself (and is explained there)
    if (onConflict === 'fail') stored.clear()
    const fresh = chunk.filter((doc) => !stored.has(doc[def.idField]))
    const known = chunk.filter((doc) => stored.has(doc[def.idField]))
    await write(fresh, collection.insertStatements(fresh))
    if (onConflict === 'replace')
      await write(
        known,
        known.map((doc) => replaceStatement(collection, mapper, doc))
      )
    counts.read += chunk.length
    counts.imported += fresh.length
    counts.stored += known.length
    chunk = []
    lines.clear()
    progress(input.bytesRead)
  }
  // loaded here: every command that opens a store would pay for it otherwise
  const { createInterface } = await import('node:readline')
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++
    if (text.trim() === '') continue
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      throw new BadRequest(`${where} line ${line}: not valid JSON`)
    }
    assertExactIntegers(text, `${where} line ${line}`)
    if (!isPlainObject(doc))
      throw new BadRequest(`${where} line ${line}: a ${def.singular} must be a JSON object`)
    let stored: Document
    try {
      stored = storedDocument(def, doc)
    } catch (error) {
      throw located(`${where} line ${line}`, error)
    }
    chunk.push(stored)
    lines.set(stored, line)
    if (chunk.length === PAGE) await flush()
  }
  await flush()
  progress(file.bytes)
  return counts
}

/**
 * A unique key that a write of `docs` broke, named by the lines that hold it: two lines of the file
 * with the same value, or one whose value (an id: see onConflict) the database holds already.
 */
function onLines(
  where: string,
  def: AnyDefinition,
  error: unknown,
  docs: readonly Document[],
  lines: ReadonlyMap<Document, number>
): unknown {
  if (!(error instanceof UniqueViolationError)) return located(where, error)
  const { field, value } = error.data as { field: string; value: unknown }
  const holders = docs.filter((doc) => doc[field] === value).map((doc) => lines.get(doc) ?? 0)
  if (holders.length > 1) {
    const [first, second] = holders
    return new Conflict(
      `${where} lines ${first} and ${second} hold the same ${field} ${JSON.stringify(value)}`,
      {
        file: where,
        lines: [first, second],
        field,
        value
      }
    )
  }
  if (holders.length === 0) return located(where, error)
  if (field === def.idField) return new StoredIdError(where, holders[0]!, def.singular, field, value)
  return located(`${where} line ${holders[0]}`, error)
}
