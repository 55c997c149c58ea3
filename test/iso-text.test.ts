import { describe, expect, it } from 'vitest'
import { toIso, toMillis } from '../src/store/row.js'

/** A deterministic spread of numbers: the same cases on every run. */
function* spread(count: number, seed: number): Generator<number> {
  let x = seed
  for (let i = 0; i < count; i++) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648
    yield x / 2_147_483_648
  }
}

describe('stored milliseconds as ISO text', () => {
  it('writes what toISOString writes, across the years a timestamp can have four digits of', () => {
    for (const r of spread(20_000, 7)) {
      const ms = Math.floor(r * 253_402_300_800_000)
      expect(toIso(ms)).toBe(new Date(ms).toISOString())
    }
  })

  it('writes the edges of a day, of leap years and of the range right, in any order', () => {
    const day = 86_400_000
    const edges = [0, 1, 999, 1000, day - 1, day, day + 1, Date.UTC(2024, 1, 29, 23, 59, 59, 999)]
    edges.push(Date.UTC(2024, 2, 1), Date.UTC(2000, 1, 29, 12), Date.UTC(2100, 2, 1) - 1)
    edges.push(253_402_300_799_999, 253_402_300_800_000, 8.64e15, -1, -day, -8.64e15, Date.now())
    // each edge after every other, so that the day last written out is never the one it needs
    for (const a of edges)
      for (const b of edges) {
        expect(toIso(a)).toBe(new Date(a).toISOString())
        expect(toIso(b)).toBe(new Date(b).toISOString())
      }
  })

  it('writes a fraction of a millisecond as toISOString does, even within the day last written', () => {
    const ms = Date.UTC(2026, 11, 1, 10, 0, 0, 5)
    expect(toIso(ms)).toBe('2026-12-01T10:00:00.005Z')
    for (const fraction of [ms + 0.25, ms + 0.75, ms - 0.5])
      expect(toIso(fraction)).toBe(new Date(fraction).toISOString())
  })

  it('refuses what is no time, as Date does', () => {
    expect(() => toIso(Number.NaN)).toThrow(RangeError)
    expect(() => toIso(8.64e15 + 1)).toThrow(RangeError)
    expect(() => toIso(Number.POSITIVE_INFINITY)).toThrow(RangeError)
  })

  it('converts back to the milliseconds it was written from', () => {
    for (const r of spread(2_000, 11)) {
      const ms = Math.floor(r * 4_102_444_800_000)
      expect(toMillis(toIso(ms))).toBe(ms)
    }
  })
})
