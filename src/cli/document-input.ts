/**
 * Documents from the command line: the common fields as flags, everything else as
 * `--data '<json>'`, `--data @file.json` or `--data @-` (standard input). Flags win over --data.
 */
import { readFileSync } from 'node:fs'
import { assertExactIntegers } from '../json-integers.js'
import type { CollectionName } from '../schema/index.js'
import { mergePatch } from '../store/merge.js'
import { isPlainObject } from '../store/plain-json.js'
import type { Doc } from './backend.js'
import { UsageError } from './errors.js'

/** A flag that sets one field (a dot path sets a nested one). */
export interface FieldFlag {
  /** Commander's flag syntax: `--agent <agent>`. */
  flags: string
  /** The field it sets: `agent`, `git_state.ref`. */
  field: string
  description: string
  /** The collection whose document the value names (by a short id). */
  references?: CollectionName
  /** The flag may be given again: its values make a list. */
  repeatable?: boolean
  /** For a list filter: the operator it compares with (equality without one). */
  operator?: string
}

/** Commander's parser of a repeatable flag's values: each one joins the list. */
export const collect = (value: string, previous: string[] = []) => [...previous, value]

/** The flag as a person types it: `--remote-url`. */
export function flagName(flag: FieldFlag): string {
  return `--${/--([a-z0-9-]+)/.exec(flag.flags)?.[1] ?? flag.field}`
}

/** Commander's name of a flag's value: `--remote-url <url>` → `remoteUrl`. */
export function optionKey(flag: FieldFlag): string {
  return flagName(flag)
    .slice(2)
    .replace(/-([a-z0-9])/g, (_, ch: string) => ch.toUpperCase())
}

/** Parses --data: JSON, or @file with JSON in it, or @- for standard input. */
export function readData(value: string): unknown {
  let text = value
  let source = '--data'
  if (value === '@') {
    throw new UsageError(
      '--data @ names no file: give its name after the @ (--data @doc.json), or @- for standard input'
    )
  }
  if (value.startsWith('@')) {
    source = value === '@-' ? 'standard input' : value.slice(1)
    try {
      text = readFileSync(value === '@-' ? 0 : value.slice(1), 'utf8')
    } catch (error) {
      throw new UsageError(
        `Cannot read ${source}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
      )
    }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}`)
  }
  assertExactIntegers(text, source)
  return parsed
}

function setPath(doc: Doc, path: string, value: unknown): void {
  const keys = path.split('.')
  let target = doc
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(target[key])) target[key] = {}
    target = target[key] as Doc
  }
  target[keys.at(-1)!] = value
}

/** What --data holds (read once: standard input can be read only once), `{}` without it. */
export function dataOf(options: Record<string, unknown>): unknown {
  return typeof options.data === 'string' ? readData(options.data) : {}
}

/**
 * The document (or, from a JSON array in --data, the documents) that flags and --data describe.
 * `allowList` is true where a list means several documents (create).
 */
export function documentFrom(
  options: Record<string, unknown>,
  flags: readonly FieldFlag[],
  allowList = false,
  data = dataOf(options)
): Doc | Doc[] {
  const fromFlags: Doc = {}
  for (const flag of flags) {
    const value = options[optionKey(flag)]
    if (value !== undefined) setPath(fromFlags, flag.field, value)
  }
  if (Array.isArray(data) && allowList) {
    // an empty list would create nothing and say nothing: most likely a script's empty result
    if (data.length === 0)
      throw new UsageError('--data must be a JSON object or a list of objects, not an empty list')
    if (!data.every(isPlainObject)) throw new UsageError('--data must be a JSON object or a list of objects')
    return data.map((item) => mergePatch(item, fromFlags))
  }
  if (!isPlainObject(data)) {
    throw new UsageError(`--data must be a JSON object${allowList ? ' or a list of objects' : ''}`)
  }
  return mergePatch(data, fromFlags)
}
