/**
 * The export format shared by export and import: a folder with one `<collection>.jsonl` per
 * collection (one document per line, in its API shape, fields a newer version wrote included) and
 * a manifest.json with the counts, so that an incomplete export is noticed on import. The folder
 * holds one workspace's documents (`default`'s, or the one its manifest names); an export of a
 * whole database keeps every other workspace's in a folder of the same form under
 * `workspaces/<name>/`.
 */
import { FeathersError } from '@feathersjs/errors'
import type { CollectionName } from '../schema/index.js'
import { type Database, type OpenOptions, openDatabase } from './database.js'

/** The file that describes an export. */
export const MANIFEST = 'manifest.json'
export const EXPORT_FORMAT = 'agor-store/jsonl'
/** Where an export of a whole database keeps the workspaces besides `default`. */
export const WORKSPACES_DIR = 'workspaces'
/** Documents per page read on export, and per INSERT on import. */
export const PAGE = 1000

export interface Manifest {
  format: typeof EXPORT_FORMAT
  version: 1
  exported_at: string
  /** Documents per collection. */
  counts: Partial<Record<CollectionName, number>>
  /** The workspace whose documents the folder holds, when it is not `default`. */
  workspace?: string
}

export interface TransferOptions {
  /** Called as the work advances: documents (export) or bytes (import) done of the total. */
  onProgress?: (done: number, total: number) => void
}

/** Puts where it happened in front of an error's message (Feathers errors keep their class). */
export function located(where: string, error: unknown): unknown {
  if (error instanceof FeathersError) error.message = `${where}: ${error.message}`
  return error
}

export async function withDatabase<T>(
  options: OpenOptions,
  work: (database: Database) => Promise<T>
): Promise<T> {
  const database = await openDatabase(options)
  try {
    return await work(database)
  } finally {
    database.close()
  }
}
