/**
 * Reading an export folder (see transfer-files.ts for the format): its collection files and
 * manifest, checked before anything is written, and the folders of its other workspaces.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { BadRequest } from '@feathersjs/errors'
import { type CollectionName, isCollectionName } from '../schema/index.js'
import { isPlainObject } from './plain-json.js'
import { EXPORT_FORMAT, MANIFEST, type Manifest, WORKSPACES_DIR } from './transfer-files.js'

type Counts = Manifest['counts']

export interface ExportFolder {
  files: ImportFile[]
  manifest?: Manifest
}

export interface ImportFile {
  name: CollectionName
  path: string
  bytes: number
}

/** The collection files of an export folder, and its manifest if it has one. */
export function readExportFolder(dir: string): ExportFolder {
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
  const counts: Counts = {}
  for (const [name, count] of Object.entries(manifest.counts)) {
    if (!files.some((f) => f.name === name)) throw new BadRequest(`The export lacks ${name}.jsonl`)
    if (isCollectionName(name) && typeof count === 'number') counts[name] = count
  }
  const workspace = typeof manifest.workspace === 'string' ? manifest.workspace : undefined
  return {
    files,
    manifest: {
      format: EXPORT_FORMAT,
      version: 1,
      exported_at: String(manifest.exported_at),
      counts,
      ...(workspace === undefined ? {} : { workspace })
    }
  }
}

/** The folders of the other workspaces of an export of a whole database, by workspace. */
export function workspaceFolders(dir: string): { workspace: string; folder: ExportFolder }[] {
  const root = join(dir, WORKSPACES_DIR)
  if (!existsSync(root)) return []
  return readdirSync(root)
    .sort()
    .map((workspace) => ({ workspace, folder: readExportFolder(join(root, workspace)) }))
}
