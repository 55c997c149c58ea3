/**
 * Where the CLI writes, and whether in colour: colours only on a terminal, never with NO_COLOR
 * (unless --color or FORCE_COLOR ask for them).
 */
import pc from 'picocolors'
import { type CollectionName, collections } from '../schema/index.js'
import { counted } from '../words.js'

export type Colors = ReturnType<typeof pc.createColors>

export interface Output {
  /** Print what the service returned as JSON instead of text. */
  json: boolean
  /** Colours for stdout and stderr. */
  color: Colors
  errColor: Colors
  /** True when stdout is a terminal. */
  tty: boolean
  /** Columns of the terminal (80 when stdout is not one). */
  width: number
  out(text: string): void
  err(text: string): void
}

/**
 * Whether to colour a stream: an explicit --color/--no-color wins, then NO_COLOR (set and not
 * empty) and FORCE_COLOR, then whether the stream is a terminal.
 */
export function wantsColor(
  stream: { isTTY?: boolean },
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env
): boolean {
  if (flag !== undefined) return flag
  if (env.NO_COLOR) return false
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  return stream.isTTY === true && env.TERM !== 'dumb'
}

export function createOutput(options: { json?: boolean; color?: boolean }): Output {
  const { stdout, stderr } = process
  return {
    json: options.json === true,
    color: pc.createColors(wantsColor(stdout, options.color)),
    errColor: pc.createColors(wantsColor(stderr, options.color)),
    tty: stdout.isTTY === true,
    width: stdout.isTTY ? stdout.columns || 80 : 80,
    out: (text) => stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => stderr.write(text.endsWith('\n') ? text : `${text}\n`)
  }
}

/** Prints a value as the service returned it: JSON, two-space indented. */
export function printJson(output: Output, value: unknown): void {
  output.out(JSON.stringify(value, null, 2))
}

/**
 * `1 session`, `2 sessions`, `2 board comments`: a count of documents of the collection called
 * `name`, in words (a command's `board-comment`, a table's `board_comments`, read as two words).
 */
export function countedDocuments(name: string, n: number | undefined): string {
  if (!isCollectionName(name)) return `${n ?? 0} ${name}`
  const def = collections[name]
  return counted(n ?? 0, def.singular.replaceAll('-', ' '), def.name.replaceAll('_', ' '))
}

export function isCollectionName(name: string): name is CollectionName {
  return Object.hasOwn(collections, name)
}

/** The Examples section of a command's help. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`
}
