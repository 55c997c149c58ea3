/**
 * The short ids of the last list of each collection of each database, kept in
 * `~/.agor/last-list.json` so that shell completion can offer them (`agor session show <TAB>`): the
 * ids of one database mean nothing in another. Losing them costs nothing: a failure to read or
 * write the file is ignored, and it never holds more than a page per collection of a few databases.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { isPlainObject } from '../store/plain-json.js'

/** The most ids kept per collection. */
const KEPT = 500
/** The most databases kept, the most recently listed ones. */
const DATABASES = 20

type Lists = Record<string, Record<string, unknown>>

function file(): string {
  return join(homedir(), '.agor', 'last-list.json')
}

/** The lists per database (as `sourceKey` names it); anything else in the file is left out. */
function readAll(): Lists {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file(), 'utf8'))
    if (!isPlainObject(parsed)) return {}
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, Lists[string]] => isPlainObject(entry[1]))
    )
  } catch {
    return {}
  }
}

/** The short ids the last list of `collection` in `database` showed (none if unknown). */
export function lastListed(database: string, collection: string): string[] {
  const ids = readAll()[database]?.[collection]
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : []
}

/** Remembers the short ids a list of `collection` in `database` showed. */
export function rememberListed(database: string, collection: string, shortIds: readonly string[]): void {
  try {
    const path = file()
    mkdirSync(join(homedir(), '.agor'), { recursive: true })
    const all = readAll()
    const lists = { ...all[database], [collection]: shortIds.slice(0, KEPT) }
    // this database becomes the most recent: the oldest go first
    delete all[database]
    const kept = Object.entries(all).slice(-(DATABASES - 1))
    const temporary = `${path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(Object.fromEntries([...kept, [database, lists]])))
    renameSync(temporary, path)
  } catch {
    // completion works without it
  }
}
