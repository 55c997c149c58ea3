/**
 * The ids of a benchmark data set: canonical UUIDv7s spread over 90 days plus a burst within one
 * second, from a fixed seed; and the lookups the scenarios pick among them.
 */
import { UUID } from 'uuidv7'

export const DAY_MS = 86_400_000
/** The time the 90 days end at: fixed, so that a data set is the same on every run. */
export const END_MS = Date.UTC(2026, 0, 1)
export const SPAN_MS = 90 * DAY_MS
export const BURST_SIZE = 10_000
/** The second the burst happens in: 30 days before END_MS. */
export const BURST_START_MS = END_MS - 30 * DAY_MS + 12_345

/** A deterministic PRNG (mulberry32): the same seed gives the same data set. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A random whole number below `below`. */
export const randomBelow = (random: () => number, below: number) => Math.floor(random() * below)

function v7(ms: number, fraction: number, random: () => number): string {
  return UUID.fromFieldsV7(
    ms,
    fraction,
    randomBelow(random, 2 ** 30),
    randomBelow(random, 2 ** 32)
  ).toString()
}

/** Documents made by one array create share one created_at (the store stamps them alike). */
export const ARRAY_SIZE = 1000
/** The share of the spread documents that came in array creates, and their sizes. */
const SPREAD_ARRAY_SHARE = 0.1
const SPREAD_ARRAY_MIN = 100
const SPREAD_ARRAY_MAX = 500
/** Ids a process makes per millisecond in an array create (method 3: the fraction counts up). */
const IDS_PER_MS = 500

/** The ids of a data set, sorted, and each one's created_at (ms) at the same index. */
export interface DatasetIds {
  ids: string[]
  createdAt: number[]
}

/** `count` ids of one array create at `start` ms, as method 3 makes them: monotonic. */
function arrayIds(start: number, count: number, random: () => number, into: [string, number][]): void {
  const step = Math.floor(4096 / IDS_PER_MS)
  for (let j = 0; j < count; j++) {
    const ms = start + Math.floor(j / IDS_PER_MS)
    const fraction = (j % IDS_PER_MS) * step + randomBelow(random, step)
    into.push([v7(ms, fraction, random), start])
  }
}

/**
 * `size` sorted, distinct UUIDv7s with their created_at: `burst` of them made by array creates of
 * 1,000 within one second (RFC 9562 method 3: the sub-millisecond fraction in rand_a, monotonic;
 * each array one created_at), a tenth of the rest by array creates of 100-500 at random times over
 * the 90 days before END_MS, and the others one by one at random times over those days.
 */
export function datasetIds(size: number, burst: number, seed: number): DatasetIds {
  const random = seededRandom(seed)
  const made: [string, number][] = []
  const spread = size - burst
  let arrays = Math.floor(spread * SPREAD_ARRAY_SHARE)
  while (arrays > 0) {
    const count = Math.min(
      arrays,
      SPREAD_ARRAY_MIN + randomBelow(random, SPREAD_ARRAY_MAX - SPREAD_ARRAY_MIN)
    )
    arrayIds(END_MS - SPAN_MS + randomBelow(random, SPAN_MS), count, random, made)
    arrays -= count
  }
  while (made.length < spread) {
    const ms = END_MS - SPAN_MS + randomBelow(random, SPAN_MS)
    made.push([v7(ms, randomBelow(random, 4096), random), ms])
  }
  const burstArrays = Math.ceil(burst / ARRAY_SIZE)
  for (let k = 0; k < burstArrays; k++) {
    const count = Math.min(ARRAY_SIZE, burst - k * ARRAY_SIZE)
    arrayIds(BURST_START_MS + Math.floor((k * 1000) / burstArrays), count, random, made)
  }
  made.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  for (let i = 1; i < made.length; i++) {
    if (made[i]![0] === made[i - 1]![0]) throw new Error('datasetIds: duplicate id; change the seed')
  }
  return { ids: made.map((m) => m[0]), createdAt: made.map((m) => m[1]) }
}

/** The millisecond timestamp of a UUIDv7. */
export function idMillis(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)
}

/** An id with the prefix a person would type for it. */
export interface Lookup {
  id: string
  prefix: string
}

/** Ids picked from a data set for the scenarios. */
export interface Samples {
  /** Documents whose first 8 hex digits are unique: their short id is those 8 digits. */
  prefix8: Lookup[]
  /** Documents that need more than 8 hex digits, with their shortest unique prefix. */
  longPrefix: Lookup[]
  /** Random whole ids. */
  random: string[]
  /** Pages of 50 neighbouring ids (newest first), one of them inside the burst. */
  pages: string[][]
  /** How long the longer prefixes are, in hex digits (mean). */
  meanLongPrefixHex: number
}

function commonHex(a: string, b: string | undefined): number {
  if (!b) return 0
  let digits = 0
  for (let i = 0; i < a.length && a[i] === b[i]; i++) if (a[i] !== '-') digits++
  return digits
}

function prefixText(id: string, hexDigits: number): string {
  let digits = 0
  let i = 0
  while (digits < hexDigits) if (id[i++] !== '-') digits++
  return id.slice(0, i)
}

function pick<T>(items: readonly T[], count: number, random: () => number): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomBelow(random, i + 1)
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy.slice(0, count)
}

const SAMPLES = 500

/** Chooses the lookups of a data set, from its sorted ids. */
export function chooseSamples(ids: readonly string[], burst: number, seed: number): Samples {
  const random = seededRandom(seed ^ 0x5eed)
  const prefix8: Lookup[] = []
  const longPrefix: Lookup[] = []
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!
    const shared = Math.max(commonHex(id, ids[i - 1]), commonHex(id, ids[i + 1]))
    if (shared < 8) prefix8.push({ id, prefix: prefixText(id, 8) })
    else longPrefix.push({ id, prefix: prefixText(id, shared + 1) })
  }
  const longSample = pick(longPrefix, SAMPLES, random)
  const hex = (l: Lookup) => l.prefix.replaceAll('-', '').length
  // neighbouring ids, newest first (as a list shows them)
  const starts = Array.from({ length: 19 }, () => randomBelow(random, ids.length - 50))
  const burstFirst = ids.findIndex((id) => idMillis(id) >= BURST_START_MS)
  if (burst >= 100 && burstFirst >= 0) starts.push(burstFirst + randomBelow(random, burst - 50))
  return {
    prefix8: pick(prefix8, SAMPLES, random),
    longPrefix: longSample,
    random: pick(ids, 2000, random),
    pages: starts.map((s) => ids.slice(s, s + 50).reverse()),
    meanLongPrefixHex: longSample.reduce((sum, l) => sum + hex(l), 0) / Math.max(1, longSample.length)
  }
}
