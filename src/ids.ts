/**
 * UUIDv7 ids and their git-style short forms.
 *
 * Every id is a canonical, lowercase, hyphenated UUIDv7 (8-4-4-4-12). People type any prefix of
 * at least 4 hex digits; the database finds it with an index range scan on the primary key.
 */
import { UUID } from 'uuidv7'
import { InvalidIdError } from './errors.js'

/** Hex digits in a whole id. */
export const ID_HEX_LENGTH = 32
/** The shortest prefix accepted as input. */
export const MIN_PREFIX_HEX = 4
/** The shortest short id ever displayed. */
export const MIN_SHORT_ID_HEX = 8

/** Hex-digit counts after which the canonical form has a dash. */
const DASHES = [8, 12, 16, 20] as const
const DASH = 45

function dashAfter(digits: number): boolean {
  return digits === 8 || digits === 12 || digits === 16 || digits === 20
}

/** The dashes a canonical prefix of `digits` hex digits has. */
function dashesBefore(digits: number): number {
  let count = 0
  for (const at of DASHES) if (at < digits) count++
  return count
}
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const RULE = `expected a UUID or a prefix of at least ${MIN_PREFIX_HEX} hex digits (dashes optional, only where a UUID has them)`

// Ids are made by RFC 9562 method 3: the 12 bits of rand_a carry the sub-millisecond fraction of the
// clock, so ids created in one burst differ within the first 16 hex digits instead of sharing 23
// (the uuidv7 package's default spends those bits on a +1 counter). The fraction only orders ids
// within a millisecond; monotonicity is enforced below, whatever the clocks do.
let lastMs = 0
let lastFraction = -1

const randomWords = new Uint32Array(512)
let randomIndex = randomWords.length

function random32(): number {
  if (randomIndex === randomWords.length) {
    crypto.getRandomValues(randomWords)
    randomIndex = 0
  }
  return randomWords[randomIndex++]!
}

/**
 * A new UUIDv7, strictly greater than every id this process made before.
 *
 * @example
 * newId() // '0199b73d-b52e-7ed1-b028-277d6ad08cef'
 */
export function newId(): string {
  let ms = Date.now()
  let fraction = Math.floor(((performance.timeOrigin + performance.now()) % 1) * 4096)
  if (ms < lastMs || (ms === lastMs && fraction <= lastFraction)) {
    ms = lastMs
    fraction = lastFraction + 1
    if (fraction > 0xfff) {
      ms += 1
      fraction = 0
    }
  }
  lastMs = ms
  lastFraction = fraction
  return UUID.fromFieldsV7(ms, fraction, random32() >>> 2, random32()).toString()
}

/** True for a whole id in canonical form. */
export function isCanonicalId(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL.test(value)
}

const CANONICAL_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** True for a canonical UUID of version 7 and the RFC 9562 variant: the ids this store makes. */
export function isCanonicalV7(value: unknown): value is string {
  return typeof value === 'string' && CANONICAL_V7.test(value)
}

/** A parsed id or id prefix with the bounds of its index range (`lo <= id < hi`). */
export interface IdPrefix {
  /** The lowercase hex digits, without dashes. */
  hex: string
  /** The prefix in canonical form: `0199b73d-b5`. */
  text: string
  /** True when all 32 digits are given: look up by equality. */
  full: boolean
  lo: string
  hi: string
}

/**
 * Parses what a person typed as an id. Accepts a whole UUID or a prefix of at least 4 hex digits,
 * with or without dashes, in any case. Throws {@link InvalidIdError} (400) naming the rule.
 *
 * @example
 * parseIdPrefix('0199B73DB5') // { hex: '0199b73db5', text: '0199b73d-b5', lo: '0199b73d-b5', hi: '0199b73d-b6', full: false }
 */
export function parseIdPrefix(input: unknown): IdPrefix {
  // what code passes is mostly a whole id as the store wrote it: nothing to make canonical
  if (isCanonicalId(input)) {
    const hex =
      input.slice(0, 8) + input.slice(9, 13) + input.slice(14, 18) + input.slice(19, 23) + input.slice(24)
    return { hex, text: input, full: true, lo: input, hi: upperBound(input) }
  }
  const raw = typeof input === 'number' && Number.isSafeInteger(input) && input >= 0 ? String(input) : input
  if (typeof raw !== 'string') throw new InvalidIdError(input, RULE)
  let digits = 0
  let dashes = 0
  let upper = false
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) digits++
    else if (c >= 65 && c <= 70) {
      digits++
      upper = true
    } else if (c !== DASH || !dashAfter(digits) || raw.charCodeAt(i - 1) === DASH) {
      throw new InvalidIdError(input, RULE)
    } else dashes++
  }
  const lower = upper ? raw.toLowerCase() : raw
  if (digits < MIN_PREFIX_HEX || digits > ID_HEX_LENGTH) throw new InvalidIdError(input, RULE)
  const hex = dashes === 0 ? lower : lower.replaceAll('-', '')
  // what people paste is mostly canonical already: a dash at every place before the last digit
  const canonical = dashes === dashesBefore(digits) && lower.charCodeAt(lower.length - 1) !== DASH
  const text = canonical ? lower : canonicalPrefix(hex)
  return { hex, text, full: digits === ID_HEX_LENGTH, lo: text, hi: upperBound(text) }
}

/** Renders hex digits as the start of a canonical id: `0199b73db5` → `0199b73d-b5`. */
export function canonicalPrefix(hex: string): string {
  let text = ''
  let from = 0
  for (const at of DASHES) {
    if (at >= hex.length) break
    text += `${hex.slice(from, at)}-`
    from = at
  }
  return text + hex.slice(from)
}

// The smallest string greater than every canonical id that starts with `prefix`: drop trailing
// 'f's (and the dashes between them), then add one to the last digit. Dashes sit at fixed places
// in every id, so no other id falls inside the range.
function upperBound(prefix: string): string {
  let end = prefix.length
  while (end > 0 && (prefix[end - 1] === 'f' || prefix[end - 1] === '-')) end--
  if (end === 0) return 'g'
  const last = prefix[end - 1]!
  const next = last === '9' ? 'a' : String.fromCharCode(last.charCodeAt(0) + 1)
  return prefix.slice(0, end - 1) + next
}

function commonHexDigits(a: string, b: string | null | undefined): number {
  if (!b) return 0
  let n = 0
  let digits = 0
  while (n < a.length && a[n] === b[n]) {
    if (a[n] !== '-') digits++
    n++
  }
  return digits
}

/**
 * The short id of `id`: its shortest prefix (at least 8 hex digits) that no other id in the table
 * shares, computed from its two neighbours in the primary-key order and written as the start of the
 * canonical string.
 *
 * @example
 * shortIdFromNeighbours('0199b73d-b52e-…', '0199b73d-a000-…', '0199b73e-0000-…') // '0199b73d-b'
 */
export function shortIdFromNeighbours(id: string, previous?: string | null, next?: string | null): string {
  const shared = Math.max(commonHexDigits(id, previous), commonHexDigits(id, next))
  const digits = Math.min(ID_HEX_LENGTH, Math.max(MIN_SHORT_ID_HEX, shared + 1))
  return canonicalPrefix(id.replaceAll('-', '').slice(0, digits))
}

/**
 * Short ids that tell apart the ids of a list (a log of changes, where removed documents' ids are
 * no longer in their table) as well as the table does: each id's short id in its table
 * (`inTable`, in the same order) lengthened, if need be, until no other id of the list shares it.
 *
 * @example
 * // two removed documents, whose ids share 28 digits: the table alone says '0199b73d' for both
 * shortIdsAmong(['0199b73d-0000-7000-8000-000000000001', '0199b73d-0000-7000-8000-000000000002'], ['0199b73d', '0199b73d'])
 * // ['0199b73d-0000-7000-8000-000000000001', '0199b73d-0000-7000-8000-000000000002']
 */
export function shortIdsAmong(ids: readonly string[], inTable: readonly string[]): string[] {
  const sorted = [...new Set(ids)].sort()
  const amongList = new Map(
    sorted.map((id, i) => [id, shortIdFromNeighbours(id, sorted[i - 1], sorted[i + 1])] as const)
  )
  return ids.map((id, i) => {
    const listed = amongList.get(id)!
    const table = inTable[i] ?? listed
    return table.length >= listed.length ? table : listed
  })
}

/** The longest text key, in characters (code points). */
export const MAX_KEY_LENGTH = 512

export const KEY_RULE = `expected a key of 1 to ${MAX_KEY_LENGTH} characters, without control characters, not '.' or '..'`

/**
 * Checks a text key (a key-value entry's): matched exactly, never by prefix. Control characters
 * would hide in a terminal and a log, and '.' and '..' cannot be named in a URL's path (clients
 * resolve them away); unpaired surrogates are not text. Throws {@link InvalidIdError} (400).
 */
export function parseTextKey(input: unknown): IdPrefix {
  if (typeof input !== 'string' || !isTextKey(input)) throw new InvalidIdError(input, KEY_RULE)
  return { hex: '', text: input, full: true, lo: input, hi: input }
}

/** True for a text key that {@link parseTextKey} takes. */
export function isTextKey(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value === '.' || value === '..') return false
  // 512 code points are at most 1,024 UTF-16 units: only longer strings need counting
  if (value.length > MAX_KEY_LENGTH && [...value].length > MAX_KEY_LENGTH) return false
  return !/\p{Cc}/u.test(value) && !LONE_SURROGATE.test(value)
}

/** Half of a surrogate pair alone: not text UTF-8 can hold. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** How the ids of a collection are made and named: UUIDv7s with short ids, or text keys. */
export type IdKind = 'uuid' | 'text'

/** Parses what names a document of a collection whose ids are of `kind`. */
export function parseDocumentId(kind: IdKind, input: unknown): IdPrefix {
  return kind === 'text' ? parseTextKey(input) : parseIdPrefix(input)
}
