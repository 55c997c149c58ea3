/**
 * The short ids of the last list of each collection, kept in `~/.agor/last-list.json` so that
 * shell completion can offer them (`agor session show <TAB>`). Losing them costs nothing: a
 * failure to read or write the file is ignored, and it never holds more than a page.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { isPlainObject } from '../store/plain-json.js'

/** The most ids kept per collection. */
const KEPT = 500

function file(): string {
  return join(homedir(), '.agor', 'last-list.json')
}

function readAll(): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file(), 'utf8'))
    return isPlainObject(parsed) ? parsed : {}
  } catch {
    return {}
  }
}

/** The short ids the last list of `collection` showed (none if unknown). */
export function lastListed(collection: string): string[] {
  const ids = readAll()[collection]
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : []
}

/** Remembers the short ids a list of `collection` showed. */
export function rememberListed(collection: string, shortIds: readonly string[]): void {
  try {
    const path = file()
    mkdirSync(join(homedir(), '.agor'), { recursive: true })
    const temporary = `${path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify({ ...readAll(), [collection]: shortIds.slice(0, KEPT) }))
    renameSync(temporary, path)
  } catch {
    // completion works without it
  }
}
