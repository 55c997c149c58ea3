/**
 * How the CLI reports failures: one clear line on stderr (git-style for ambiguous ids), the
 * Feathers error JSON with --json, and an exit code a script can branch on.
 */
import { DEFAULT_DB_URL, localPath } from '../db/config.js'
import { type AmbiguousCandidate, DatabaseFileError, NoDatabaseError } from '../errors.js'
import type { Output } from './output.js'
import { localTime } from './render.js'
import { visible } from './visible.js'

export const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3, ambiguous: 4, noDatabase: 5 } as const

const hints = new WeakMap<object, string[]>()

/** Adds lines that tell a person what to do about `error`: printed as `hint:` lines, not with --json. */
export function withHint<T>(error: T, ...lines: string[]): T {
  if (error !== null && typeof error === 'object') hints.set(error, [...(hints.get(error) ?? []), ...lines])
  return error
}

/** A path as a shell word: quoted when it holds anything a shell would split or expand. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}

/** The hints of an error: those added to it, and those its kind always deserves. */
function hintsOf(error: unknown): string[] {
  const lines = error !== null && typeof error === 'object' ? [...(hints.get(error) ?? [])] : []
  if (error instanceof NoDatabaseError) {
    const { path } = error
    if (path === localPath(DEFAULT_DB_URL)) {
      lines.push('create it with: agor db setup (agor serve creates it too)')
    } else {
      lines.push(`create it with: agor db setup --db ${shellWord(path)}`)
      lines.push('or check the path you gave (--db, AGOR_DB_URL)')
    }
  }
  if (error instanceof DatabaseFileError) {
    const { path, problem } = error
    if (problem === 'damaged' || problem === 'not-a-database')
      lines.push(`agor db check --db ${shellWord(path)} tells what is wrong and what to do`)
  }
  return lines
}

/**
 * Something wrong with what was typed (not with the data): exit 2, with the command's help, or with
 * its usage line alone when `brief` (a mistake the help has nothing to add to).
 */
export class UsageError extends Error {
  override name = 'UsageError'
  readonly brief: boolean

  constructor(message: string, options: { brief?: boolean } = {}) {
    super(message)
    this.brief = options.brief === true
  }
}

/**
 * A Feathers error as both the store and a daemon's client produce it. Errors from
 * @feathersjs/client are instances of its bundled copy of the error classes, so they are
 * recognised by shape, not by class.
 */
export interface WireError {
  name: string
  message: string
  code: number
  className: string
  data?: unknown
  toJSON(): object
}

export function asWireError(error: unknown): WireError | undefined {
  if (error === null || typeof error !== 'object') return undefined
  const e = error as Partial<WireError>
  const shaped =
    typeof e.code === 'number' &&
    typeof e.className === 'string' &&
    typeof e.name === 'string' &&
    typeof e.toJSON === 'function'
  return shaped ? (error as WireError) : undefined
}

function candidatesOf(error: WireError): AmbiguousCandidate[] | undefined {
  const data = error.data as { candidates?: unknown } | undefined
  return error.code === 409 && Array.isArray(data?.candidates)
    ? (data.candidates as AmbiguousCandidate[])
    : undefined
}

/** The exit code of a failure: 5 no database, 3 not found, 4 ambiguous id, 2 usage, 1 anything else. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage
  if (error instanceof NoDatabaseError) return EXIT.noDatabase
  const wire = asWireError(error)
  if (!wire) return EXIT.error
  if (wire.code === 404) return EXIT.notFound
  if (candidatesOf(wire)) return EXIT.ambiguous
  if (wire.name === 'BadRequest' && (wire.data as { input?: unknown } | undefined)?.input !== undefined) {
    // a malformed id on the command line (InvalidIdError) is a usage error
    return EXIT.usage
  }
  return EXIT.error
}

/** The JSON printed on stderr with --json: the Feathers error as a client would receive it. */
export function errorJson(error: unknown): object {
  const wire = asWireError(error)
  if (wire) return wire.toJSON()
  const usage = error instanceof UsageError
  return {
    name: usage ? 'BadRequest' : 'GeneralError',
    message: error instanceof Error ? error.message : String(error),
    code: usage ? 400 : 500,
    className: usage ? 'bad-request' : 'general-error'
  }
}

/** The lines that explain a failure to a person. */
export function errorLines(error: unknown, output: Output): string[] {
  const c = output.errColor
  const message = error instanceof Error ? error.message : String(error)
  // messages may quote documents (a slug, a summary): nothing in them may drive the terminal
  const lines = [`${c.red('error:')} ${visible(message)}`]
  const wire = asWireError(error)
  const candidates = wire && candidatesOf(wire)
  if (candidates) {
    lines.push(`${c.yellow('hint:')} The candidates are:`)
    const width = Math.max(...candidates.map((k) => k.short_id.length))
    const statusWidth = Math.max(0, ...candidates.map((k) => visible(k.status ?? '').length))
    for (const k of candidates) {
      const status = visible(k.status ?? '').padEnd(statusWidth)
      lines.push(
        `${c.yellow('hint:')}   ${c.bold(k.short_id.padEnd(width))}  ${localTime(k.created_at)}  ${status}  ${visible(String(k.summary ?? ''))}`.trimEnd()
      )
    }
    if (message.includes('more than')) lines.push(`${c.yellow('hint:')}   … and more: type more digits`)
  }
  for (const hint of hintsOf(error)) lines.push(`${c.yellow('hint:')} ${visible(hint)}`)
  if (
    !wire &&
    !(error instanceof UsageError) &&
    process.env.AGOR_DEBUG &&
    error instanceof Error &&
    error.stack
  ) {
    lines.push(error.stack)
  }
  return lines
}

/** Reports a failure on stderr and returns the exit code. */
export function reportError(error: unknown, output: Output): number {
  if (output.json) output.err(JSON.stringify(errorJson(error)))
  else for (const line of errorLines(error, output)) output.err(line)
  return exitCodeOf(error)
}
