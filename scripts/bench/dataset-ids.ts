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

/**
 * `size` sorted, distinct UUIDv7s: `burst` of them within one second, as RFC 9562 method 3 makes
 * them (the same milliseconds, the sub-millisecond fraction in rand_a, monotonic), the rest at
 * uniformly random times over the 90 days before END_MS.
 */
export function datasetIds(size: number, burst: number, seed: number): string[] {
  const random = seededRandom(seed)
  const ids: string[] = []
  for (let i = 0; i < size - burst; i++) {
    ids.push(v7(END_MS - SPAN_MS + randomBelow(random, SPAN_MS), randomBelow(random, 4096), random))
  }
  const times = Array.from({ length: burst }, () => random() * 1000).sort((a, b) => a - b)
  let lastMs = -1
  let lastFraction = -1
  for (const t of times) {
    let ms = BURST_START_MS + Math.floor(t)
    let fraction = Math.floor((t % 1) * 4096)
    if (ms === lastMs && fraction <= lastFraction) fraction = lastFraction + 1
    if (fraction > 0xfff) {
      ms += 1
      fraction = 0
    }
    ids.push(v7(ms, fraction, random))
    lastMs = ms
    lastFraction = fraction
  }
  ids.sort()
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] === ids[i - 1]) throw new Error('datasetIds: duplicate id; change the seed')
  }
  return ids
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
  /** Pages of 50 ids in created_at order (newest first), one of them inside the burst. */
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
  // created_at is the id's millisecond, so id order is created_at order; pages list newest first
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
