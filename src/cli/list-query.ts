/**
 * The list filters of the command line as a Feathers query. Values stay strings, as in a REST
 * query string: the service gives them their fields' types (`tool_use_count>5` compares numbers,
 * `title=null` means no title).
 */
import { InvalidArgumentError } from 'commander'
import { checkIsoTime } from '../iso-time.js'
import { inexactIntegerError, isInexactInteger } from '../json-integers.js'
import type { Query } from '../store/query-walk.js'
import { UsageError } from './errors.js'

const WHERE = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(!=|>=|<=|=|>|<|~)(.*)$/s
const OPERATOR: Record<string, string> = {
  '!=': '$ne',
  '>': '$gt',
  '>=': '$gte',
  '<': '$lt',
  '<=': '$lte',
  '~': '$like'
}

/**
 * One `--where` condition: `field=value`, `field!=value`, `field>n` (also `>=`, `<`, `<=`) or
 * `field~pattern` (LIKE: `%` any text, `_` one character; without `%` it matches anywhere).
 *
 * @example
 * parseWhere('git_state.ref=main') // { 'git_state.ref': 'main' }
 * parseWhere('title~login')        // { title: { $like: '%login%' } }
 */
export function parseWhere(expression: string): Query {
  const match = WHERE.exec(expression.trim())
  if (!match) {
    throw new UsageError(
      `Invalid --where '${expression}': expected field=value, field!=value, field>value, field>=value, field<value, field<=value or field~pattern`
    )
  }
  const field = match[1]!
  assertNoProtoKey(field, `--where '${expression}'`)
  const op = match[2]!
  const value = match[3]!.trim()
  // `a==b`, `a!==b` and `a=>b` are other languages' operators: taken as written they would compare
  // with '=b' or '>b'
  const doubled = value.startsWith('=') ? op : undefined
  const swapped = op === '=' && /^[<>]/.test(value) ? `${value[0]}=` : undefined
  const meant = doubled ?? swapped
  if (meant) {
    throw new UsageError(
      `Invalid --where '${expression}': '${op}${value[0]}' is no operator here; write ${field}${meant}${value.slice(1).trim()}`
    )
  }
  if (op === '=') return { [field]: value }
  if (op === '~') return { [field]: { $like: value.includes('%') ? value : `%${value}%` } }
  return { [field]: { [OPERATOR[op]!]: value } }
}

/**
 * A `__proto__` key would be dropped on its way into the query object (it sets the prototype), and
 * a condition that vanishes widens what a list, and a delete of its ids, takes.
 */
function assertNoProtoKey(field: string, what: string): void {
  if (field.split('.').includes('__proto__'))
    throw new UsageError(`Invalid ${what}: the key __proto__ is not allowed`)
}

/**
 * The `$inc` of `--inc field=n` flags: each field raised by n (a field named twice, by the sum).
 *
 * @example
 * parseIncrements(['tool_use_count=1']) // { tool_use_count: 1 }
 */
export function parseIncrements(values: readonly string[]): Record<string, number> {
  const increments: Record<string, number> = {}
  for (const value of values) {
    const match =
      /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*=\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i.exec(
        value.trim()
      )
    if (!match)
      throw new UsageError(`Invalid --inc '${value}': expected field=number, such as tool_use_count=1`)
    assertNoProtoKey(match[1]!, `--inc '${value}'`)
    if (isInexactInteger(match[2]!)) throw inexactIntegerError(`--inc '${value}'`, match[2]!)
    const by = Number(match[2])
    if (!Number.isFinite(by)) throw new UsageError(`Invalid --inc '${value}': the number is too large`)
    increments[match[1]!] = (increments[match[1]!] ?? 0) + by
  }
  return increments
}

/**
 * `--sort created_at` (ascending) or `--sort -created_at` (descending); several fields separated
 * by commas.
 */
export function parseSort(sort: string): Record<string, 1 | -1> {
  const result: Record<string, 1 | -1> = {}
  for (const part of sort.split(',').map((s) => s.trim())) {
    const descending = part.startsWith('-')
    const field = descending || part.startsWith('+') ? part.slice(1) : part
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(field))
      throw new UsageError(`Invalid --sort '${sort}': expected field or -field`)
    assertNoProtoKey(field, `--sort '${sort}'`)
    result[field] = descending ? -1 : 1
  }
  return result
}

/**
 * Reads a whole number option (`--limit 20`); commander reports the error with the command's help.
 * Beyond 2^53 a number is no longer exact (`--since-seq 99999999999999999999` would name another
 * seq), so it is refused here rather than by the service.
 */
export function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number.')
  const n = Number(value)
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('Expected a whole number below 2^53.')
  return n
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/**
 * A point in time for --since and --until, as an ISO string: a time relative to `now` (`30m`,
 * `2h`, `7d`, also `45s` and `2w`) or an ISO date or time (local time unless it names a zone).
 *
 * @example
 * parseTime('--since', '2h')          // two hours ago
 * parseTime('--until', '2025-11-22')  // local midnight of that day
 */
export function parseTime(flag: string, value: string, now = Date.now()): string {
  const text = value.trim()
  const relative = /^(\d+)([smhdw])$/.exec(text)
  if (relative) {
    const at = new Date(now - Number(relative[1]) * UNIT_MS[relative[2]!]!)
    // a Date reaches 270,000 years back; further is no time at all (toISOString would throw)
    if (Number.isNaN(at.getTime())) throw new UsageError(`Invalid ${flag} '${value}': too long ago`)
    return at.toISOString()
  }
  const iso = checkIsoTime(text)
  if (iso === 'calendar') {
    throw new UsageError(`Invalid ${flag} '${value}': there is no such day or hour in the calendar`)
  }
  // a date alone is local midnight, like a time without a zone (Date.parse would take it as UTC)
  const ms = iso === 'ok' ? Date.parse(text.length === 10 ? `${text}T00:00` : text) : Number.NaN
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `Invalid ${flag} '${value}': expected a time ago (30s, 30m, 2h, 7d, 2w) or an ISO date or time (2025-11-22, 2025-11-22T10:00)`
    )
  }
  return new Date(ms).toISOString()
}

export interface ListOptions {
  status?: string
  where?: string[]
  since?: string
  until?: string
  sort?: string
  /** Full-text search text (`$search`). */
  search?: string
  limit?: number
  skip?: number
}

/**
 * The query of a `list`: conditions from --status (comma-separated: any of them), every --where
 * (all of them), --since and --until (on created_at), --search, then sort (by default the newest
 * first, or with --search the best matches) and page. A field named twice is combined with $and.
 */
export function listQuery(
  options: ListOptions,
  statuses: readonly string[] | undefined,
  extra: Query = {}
): Query {
  const conditions: Query[] = [extra]
  if (options.status !== undefined) {
    if (!statuses) throw new UsageError('This collection has no status')
    const wanted = options.status.split(',').map((s) => s.trim())
    const unknown = wanted.filter((s) => !statuses.includes(s))
    if (unknown.length)
      throw new UsageError(`Unknown status '${unknown.join(', ')}': use ${statuses.join(', ')}`)
    conditions.push({ status: wanted.length === 1 ? wanted[0] : { $in: wanted } })
  }
  for (const where of options.where ?? []) conditions.push(parseWhere(where))
  if (options.since !== undefined)
    conditions.push({ created_at: { $gte: parseTime('--since', options.since) } })
  if (options.until !== undefined)
    conditions.push({ created_at: { $lte: parseTime('--until', options.until) } })
  const query: Query = {}
  const and: Query[] = []
  for (const condition of conditions) {
    for (const [field, value] of Object.entries(condition)) {
      if (Object.hasOwn(query, field)) and.push({ [field]: value })
      else query[field] = value
    }
  }
  if (and.length) query.$and = and
  if (options.search !== undefined) query.$search = options.search
  // a search lists its best matches first unless told otherwise
  if (options.sort !== undefined || options.search === undefined)
    query.$sort = parseSort(options.sort ?? '-created_at')
  if (options.limit !== undefined) query.$limit = options.limit
  if (options.skip !== undefined) query.$skip = options.skip
  return query
}
