/**
 * Export of whole databases as JSON Lines (see transfer-files.ts for the format). Export pages
 * through each collection by id, never holding a table in memory; a local file is exported from a
 * snapshot, so that the export is consistent while a daemon writes.
 */
import { once } from 'node:events'
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { BadRequest } from '@feathersjs/errors'
import { backupDatabase } from '../db/admin.js'
import { isDamage } from '../db/check.js'
import { type ResolvedDatabaseConfig, resolveDatabaseConfig } from '../db/config.js'
import { LocalConnection } from '../db/local.js'
import { prepareLocalFile } from '../db/local-file.js'
import { collectionNames } from '../schema/index.js'
import { DEFAULT_WORKSPACE } from '../schema/workspaces.js'
import type { Collection } from './collection.js'
import { Database, type OpenOptions } from './database.js'
import { pages } from './pages.js'
import {
  EXPORT_FORMAT,
  MANIFEST,
  type Manifest,
  PAGE,
  type TransferOptions,
  WORKSPACES_DIR,
  withDatabase
} from './transfer-files.js'

/** What an export wrote: the manifest of its folder, and the documents of each workspace. */
export interface ExportResult extends Manifest {
  workspaces: Record<string, Manifest['counts']>
}

export interface ExportOptions extends TransferOptions {
  /** Export this workspace's documents only (its manifest names it); otherwise every workspace's. */
  workspace?: string
}

/**
 * Writes every document of `database` into `dir` (created if needed; it must not hold an export
 * already): `default`'s in `dir` itself, every other workspace's under `workspaces/<name>/`; or,
 * with `workspace`, that workspace's alone. Returns the manifest it wrote in `dir`.
 *
 * @example
 * await exportDocuments(store.database, './backup') // backup/sessions.jsonl, tasks.jsonl, …, manifest.json
 */
export async function exportDocuments(
  database: Database,
  dir: string,
  options: ExportOptions = {}
): Promise<ExportResult> {
  const only =
    options.workspace === undefined ? undefined : await database.workspaces.existing(options.workspace)
  mkdirSync(dir, { recursive: true })
  const clash = readdirSync(dir).filter((f) => f === MANIFEST || f.endsWith('.jsonl') || f === WORKSPACES_DIR)
  if (clash.length) throw new BadRequest(`${dir} already holds an export (${clash.join(', ')})`)
  const names = only === undefined ? await database.workspaces.inUse() : [only]
  const folders = names.map((workspace) => ({
    workspace,
    folder: only !== undefined || workspace === DEFAULT_WORKSPACE ? dir : join(dir, WORKSPACES_DIR, workspace)
  }))
  const sources = folders.flatMap(({ workspace, folder }) =>
    collectionNames.map((name) => ({
      workspace,
      folder,
      name,
      collection: database.workspace(workspace).collection(name) as Collection
    }))
  )
  const totals = await Promise.all(
    sources.map(
      async (s) => (await s.collection.find({ query: { $limit: 0 }, paginate: { default: 0 } })).total
    )
  )
  const total = totals.reduce((a, b) => a + b, 0)
  const counts = new Map<string, Manifest['counts']>()
  const written: string[] = []
  let done = 0
  options.onProgress?.(0, total)
  try {
    for (const { workspace, folder, name, collection } of sources) {
      mkdirSync(folder, { recursive: true })
      const file = join(folder, `${name}.jsonl`)
      written.push(file)
      const count = await exportCollection(collection, file, (n) => {
        done += n
        options.onProgress?.(done, total)
      })
      counts.set(workspace, { ...counts.get(workspace), [name]: count })
    }
    let top: Manifest | undefined
    for (const { workspace, folder } of folders) {
      const manifest: Manifest = {
        format: EXPORT_FORMAT,
        version: 1,
        exported_at: new Date().toISOString(),
        counts: counts.get(workspace) ?? {},
        ...(workspace === DEFAULT_WORKSPACE ? {} : { workspace })
      }
      writeFileSync(join(folder, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`)
      if (folder === dir) top = manifest
    }
    return { ...top!, workspaces: Object.fromEntries(counts) }
  } catch (error) {
    for (const file of written) rmSync(file, { force: true })
    rmSync(join(dir, WORKSPACES_DIR), { recursive: true, force: true })
    throw error
  }
}

async function exportCollection(
  collection: Collection,
  file: string,
  advance: (documents: number) => void
): Promise<number> {
  const out = createWriteStream(file, { flags: 'wx' })
  const failed = once(out, 'error').then(([error]) => {
    throw error
  })
  failed.catch(() => {})
  let count = 0
  try {
    for await (const page of pages(collection, PAGE)) {
      const chunk = `${page.map((doc) => JSON.stringify(doc)).join('\n')}\n`
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed])
      count += page.length
      advance(page.length)
    }
  } finally {
    out.end()
  }
  await Promise.race([finished(out), failed])
  return count
}

/**
 * Exports a database given by its configuration. A local file is first copied with VACUUM INTO,
 * so that the export is one consistent snapshot even while a daemon writes to the file. VACUUM
 * INTO reads every page, so a file damaged anywhere (an index, the migrations) cannot be copied:
 * its documents are then read from the file itself, opened read-only, which saves all that can be
 * read (the export still fails when the damage is in the documents).
 *
 * @example
 * await exportDatabase({ url: 'file:~/.agor/agor.db' }, './dump')
 */
export async function exportDatabase(
  options: OpenOptions,
  dir: string,
  transfer: ExportOptions = {}
): Promise<ExportResult> {
  const config = resolveDatabaseConfig(options)
  if (config.mode !== 'file') return withDatabase(options, (docs) => exportDocuments(docs, dir, transfer))
  prepareLocalFile(config.path!, false)
  const scratch = mkdtempSync(join(tmpdir(), 'agor-export-'))
  try {
    const snapshot = join(scratch, 'snapshot.db')
    try {
      await backupDatabase(config.path!, snapshot)
    } catch (error) {
      if (!isDamage(error)) throw error
      return await exportDamaged(config, dir, transfer)
    }
    return await withDatabase({ url: `file:${snapshot}`, syncUrl: '' }, (docs) =>
      exportDocuments(docs, dir, transfer)
    )
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** Exports from a damaged file directly: read-only and unmigrated, so nothing is written to it. */
async function exportDamaged(
  config: ResolvedDatabaseConfig,
  dir: string,
  transfer: ExportOptions
): Promise<ExportResult> {
  const connection = await LocalConnection.open(config, { create: false, readOnly: true })
  try {
    return await exportDocuments(new Database(connection), dir, transfer)
  } finally {
    connection.close()
  }
}
