/**
 * Export and import of whole databases as JSON Lines: a folder with one `<collection>.jsonl` per
 * collection (one document per line, in its API shape, fields a newer version wrote included) and
 * a manifest.json with the counts, so that an incomplete export is noticed on import.
 *
 * Export pages through each collection by id, never holding a table in memory. Import validates
 * every document and writes them all in one transaction: everything lands, or nothing does, also
 * when the process is killed half way.
 */
import { once } from 'node:events'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { finished } from 'node:stream/promises'
import { BadRequest, FeathersError } from '@feathersjs/errors'
import type { Transaction } from '@libsql/client'
import { backupDatabase } from '../db/admin.js'
import { resolveDatabaseConfig } from '../db/config.js'
import { prepareLocalFile } from '../db/local-file.js'
import { MissingReferenceError } from '../errors.js'
import type { AnyDefinition } from '../schema/collection.js'
import { type CollectionName, collections } from '../schema/index.js'
import { quoteIdent } from '../schema/sql.js'
import type { Collection } from './collection.js'
import { explainWriteError } from './constraints.js'
import { type Documents, type OpenOptions, openDocuments } from './documents.js'
import { isPlainObject } from './merge.js'
import type { Document } from './row.js'
import { validateStoredDocument } from './validate.js'

/** The file that describes an export. */
export const MANIFEST = 'manifest.json'
export const EXPORT_FORMAT = 'agor-store/jsonl'
/** Documents per page read on export, and per INSERT on import. */
const PAGE = 1000

export interface Manifest {
  format: typeof EXPORT_FORMAT
  version: 1
  exported_at: string
  /** Documents per collection. */
  counts: Partial<Record<CollectionName, number>>
}

export interface TransferOptions {
  /** Called as the work advances: documents (export) or bytes (import) done of the total. */
  onProgress?: (done: number, total: number) => void
}

const NAMES = Object.keys(collections) as CollectionName[]

function isCollectionName(name: string): name is CollectionName {
  return (NAMES as string[]).includes(name)
}

/** Puts where it happened in front of an error's message (Feathers errors keep their class). */
function located(where: string, error: unknown): unknown {
  if (error instanceof FeathersError) error.message = `${where}: ${error.message}`
  return error
}

/**
 * Writes every document of `documents` into `dir` (created if needed; it must not hold an export
 * already). Returns the manifest it wrote.
 *
 * @example
 * await exportDocuments(store.documents, './backup') // backup/sessions.jsonl, tasks.jsonl, …, manifest.json
 */
export async function exportDocuments(
  documents: Documents,
  dir: string,
  options: TransferOptions = {}
): Promise<Manifest> {
  mkdirSync(dir, { recursive: true })
  const clash = readdirSync(dir).filter((f) => f === MANIFEST || f.endsWith('.jsonl'))
  if (clash.length) throw new BadRequest(`${dir} already holds an export (${clash.join(', ')})`)

  const sources = NAMES.map((name) => ({ name, collection: documents.collection(name) as Collection }))
  const totals = await Promise.all(
    sources.map(
      async (s) => (await s.collection.find({ query: { $limit: 0 }, paginate: { default: 0 } })).total
    )
  )
  const total = totals.reduce((a, b) => a + b, 0)
  const counts: Manifest['counts'] = {}
  const written: string[] = []
  let done = 0
  options.onProgress?.(0, total)
  try {
    for (const { name, collection } of sources) {
      const file = join(dir, `${name}.jsonl`)
      written.push(file)
      counts[name] = await exportCollection(collection, file, (n) => {
        done += n
        options.onProgress?.(done, total)
      })
    }
    const manifest: Manifest = {
      format: EXPORT_FORMAT,
      version: 1,
      exported_at: new Date().toISOString(),
      counts
    }
    writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
    return manifest
  } catch (error) {
    for (const file of written) rmSync(file, { force: true })
    throw error
  }
}

// Keyset pagination on the primary key: every page is one index range, however deep the export.
async function exportCollection(
  collection: Collection,
  file: string,
  advance: (documents: number) => void
): Promise<number> {
  const id = collection.idField
  const out = createWriteStream(file, { flags: 'wx' })
  const failed = once(out, 'error').then(([error]) => {
    throw error
  })
  failed.catch(() => {})
  let count = 0
  let after: string | undefined
  try {
    for (;;) {
      const page = await collection.find({
        query: { ...(after === undefined ? {} : { [id]: { $gt: after } }), $sort: { [id]: 1 }, $limit: PAGE }
      })
      if (page.length === 0) break
      const chunk = `${page.map((doc) => JSON.stringify(doc)).join('\n')}\n`
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed])
      count += page.length
      advance(page.length)
      after = String(page.at(-1)![id])
      if (page.length < PAGE) break
    }
  } finally {
    out.end()
  }
  await Promise.race([finished(out), failed])
  return count
}

/**
 * Exports a database given by its configuration. A local file is first copied with VACUUM INTO,
 * so that the export is one consistent snapshot even while a daemon writes to the file.
 *
 * @example
 * await exportDatabase({ url: 'file:~/.agor/agor.db' }, './dump')
 */
export async function exportDatabase(
  options: OpenOptions,
  dir: string,
  transfer: TransferOptions = {}
): Promise<Manifest> {
  const config = resolveDatabaseConfig(options)
  if (config.mode !== 'file') return withDocuments(options, (docs) => exportDocuments(docs, dir, transfer))
  prepareLocalFile(config.path!, false)
  const scratch = mkdtempSync(join(tmpdir(), 'agor-export-'))
  try {
    const snapshot = join(scratch, 'snapshot.db')
    await backupDatabase(config.path!, snapshot)
    return await withDocuments({ url: `file:${snapshot}`, syncUrl: '' }, (docs) =>
      exportDocuments(docs, dir, transfer)
    )
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/**
 * Imports an export folder into a database given by its configuration (see importDocuments).
 *
 * @example
 * await importDatabase({ url: 'file:./copy.db' }, './dump') // { sessions: 120, tasks: 3400, … }
 */
export function importDatabase(options: OpenOptions, dir: string, transfer: TransferOptions = {}) {
  return withDocuments(options, (docs) => importDocuments(docs, dir, transfer))
}

async function withDocuments<T>(
  options: OpenOptions,
  work: (documents: Documents) => Promise<T>
): Promise<T> {
  const documents = await openDocuments(options)
  try {
    return await work(documents)
  } finally {
    documents.close()
  }
}

interface ImportFile {
  name: CollectionName
  path: string
  bytes: number
}

/** The collection files of an export folder, and its manifest if it has one. */
function readExportFolder(dir: string): { files: ImportFile[]; manifest?: Manifest } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BadRequest(`${dir} is not a folder`)
  const files: ImportFile[] = []
  for (const entry of readdirSync(dir).sort()) {
    if (!entry.endsWith('.jsonl')) continue
    const name = entry.slice(0, -'.jsonl'.length)
    if (!isCollectionName(name)) {
      throw new BadRequest(`${entry}: this version of agor-store has no collection '${name}'`)
    }
    const path = join(dir, entry)
    files.push({ name, path, bytes: statSync(path).size })
  }
  if (files.length === 0) throw new BadRequest(`${dir} holds no .jsonl files`)
  const manifestPath = join(dir, MANIFEST)
  if (!existsSync(manifestPath)) return { files }
  let manifest: unknown
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  } catch {
    throw new BadRequest(`${MANIFEST} is not valid JSON`)
  }
  if (!isPlainObject(manifest) || manifest.format !== EXPORT_FORMAT || !isPlainObject(manifest.counts)) {
    throw new BadRequest(`${MANIFEST} does not describe an ${EXPORT_FORMAT} export`)
  }
  for (const name of Object.keys(manifest.counts)) {
    if (!files.some((f) => f.name === name)) throw new BadRequest(`The export lacks ${name}.jsonl`)
  }
  return { files, manifest: manifest as unknown as Manifest }
}

/**
 * Imports an export folder: every document is validated (fields a newer version wrote are kept)
 * and written with its id and timestamps, all in one transaction. An id or unique key that already
 * exists, a reference to a document that exists nowhere, or any invalid line fails the whole
 * import, and nothing is written. Returns the documents imported per collection.
 *
 * @example
 * const counts = await importDocuments(store.documents, './dump', { onProgress: (done, total) => {} })
 */
export async function importDocuments(
  documents: Documents,
  dir: string,
  options: TransferOptions = {}
): Promise<Manifest['counts']> {
  const { files, manifest } = readExportFolder(dir)
  const total = files.reduce((sum, f) => sum + f.bytes, 0)
  const counts: Manifest['counts'] = {}
  let before = 0
  options.onProgress?.(0, total)
  await documents.db.transaction('write', async (tx) => {
    // references are checked once everything is in, so the order of files and lines is free
    await tx.execute('PRAGMA defer_foreign_keys = ON')
    const known = await foreignKeyViolations(tx)
    for (const file of files) {
      const collection = documents.collection(file.name)
      counts[file.name] = await importFile(tx, collection, file, (bytes) =>
        options.onProgress?.(before + bytes, total)
      )
      before += file.bytes
      const expected = manifest?.counts[file.name]
      if (expected !== undefined && expected !== counts[file.name]) {
        const why =
          counts[file.name]! < expected ? 'the export is incomplete' : 'the files are not of one export'
        throw new BadRequest(
          `${file.name}.jsonl holds ${counts[file.name]} documents, the manifest says ${expected}: ${why}`
        )
      }
    }
    await assertReferences(tx, known)
  })
  return counts
}

async function importFile(
  tx: Transaction,
  collection: Collection,
  file: ImportFile,
  progress: (bytes: number) => void
): Promise<number> {
  const def = collection.definition
  const where = `${file.name}.jsonl`
  const input = createReadStream(file.path, { encoding: 'utf8' })
  let count = 0
  let line = 0
  let chunk: Document[] = []
  const flush = async () => {
    if (chunk.length === 0) return
    try {
      for (const statement of collection.insertStatements(chunk)) await tx.execute(statement)
    } catch (error) {
      throw located(where, await explainWriteError(error, tx, def, chunk))
    }
    count += chunk.length
    chunk = []
    progress(input.bytesRead)
  }
  for await (const text of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++
    if (text.trim() === '') continue
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch {
      throw new BadRequest(`${where} line ${line}: not valid JSON`)
    }
    if (!isPlainObject(doc))
      throw new BadRequest(`${where} line ${line}: a ${def.singular} must be a JSON object`)
    try {
      validateStoredDocument(def, doc)
    } catch (error) {
      throw located(`${where} line ${line}`, error)
    }
    chunk.push(doc)
    if (chunk.length === PAGE) await flush()
  }
  await flush()
  progress(file.bytes)
  return count
}

interface Violation {
  table: string
  rowid: number
  parent: string
  fkid: number
}

async function foreignKeyViolations(tx: Transaction): Promise<Violation[]> {
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
async function assertReferences(tx: Transaction, before: Violation[]): Promise<void> {
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
