import { uuidv7 } from 'uuidv7'
import { describe, expect, it } from 'vitest'
import { InvalidIdError } from '../src/errors.js'
import {
  canonicalPrefix,
  isCanonicalId,
  newId,
  parseIdPrefix,
  shortIdFromNeighbours,
  shortIdsAmong
} from '../src/ids.js'

const hex = (id: string) => id.replaceAll('-', '')

describe('newId', () => {
  it('makes canonical UUIDv7 strings with the RFC 9562 variant', () => {
    for (let i = 0; i < 1000; i++) {
      const id = newId()
      expect(isCanonicalId(id)).toBe(true)
      expect(id[14]).toBe('7')
      expect('89ab').toContain(id[19])
    }
  })

  it('is strictly increasing within the process, even in a tight loop', () => {
    let previous = newId()
    for (let i = 0; i < 100_000; i++) {
      const id = newId()
      expect(id > previous).toBe(true)
      previous = id
    }
  })

  it('carries the creation time in its first 48 bits', () => {
    const before = Date.now()
    const id = newId()
    const ms = Number.parseInt(hex(id).slice(0, 12), 16)
    expect(ms).toBeGreaterThanOrEqual(before)
    expect(ms).toBeLessThanOrEqual(Date.now() + 1)
  })

  it('keeps ids of one burst apart within 16 hex digits (method 3), where the default counter needs 24', () => {
    const lengths = (ids: string[]) => {
      const sorted = [...ids].sort()
      return sorted.map((id, i) => hex(shortIdFromNeighbours(id, sorted[i - 1], sorted[i + 1])).length)
    }
    const ours = lengths(Array.from({ length: 1000 }, newId))
    const counter = lengths(Array.from({ length: 1000 }, uuidv7))
    expect(Math.max(...ours)).toBeLessThanOrEqual(16)
    expect(Math.max(...counter)).toBeGreaterThan(20)
  })
})

describe('parseIdPrefix', () => {
  const id = '0199b73d-b52e-7ed1-b028-277d6ad08cef'

  it('accepts whole ids, dashless prefixes, dashed prefixes and any case', () => {
    expect(parseIdPrefix(id)).toMatchObject({ full: true, text: id })
    expect(parseIdPrefix(hex(id).toUpperCase())).toMatchObject({ full: true, text: id })
    expect(parseIdPrefix('0199')).toMatchObject({ hex: '0199', text: '0199', full: false })
    expect(parseIdPrefix('0199B73DB5')).toMatchObject({
      text: '0199b73d-b5',
      lo: '0199b73d-b5',
      hi: '0199b73d-b6'
    })
    expect(parseIdPrefix('0199b73d-b5')).toMatchObject({ text: '0199b73d-b5' })
    expect(parseIdPrefix('0199b73d-')).toMatchObject({ text: '0199b73d' })
  })

  it('parses a canonical whole id as it parses the same id typed any other way', () => {
    for (const whole of [
      id,
      uuidv7(),
      '0199b73d-b52e-7ed1-b028-277d6ad08cff',
      'ffffffff-ffff-ffff-ffff-ffffffffffff'
    ]) {
      const parsed = parseIdPrefix(whole)
      expect(parsed).toEqual(parseIdPrefix(whole.toUpperCase()))
      expect(parsed).toEqual(parseIdPrefix(hex(whole)))
      expect(parsed.hex).toBe(hex(whole))
    }
    expect(parseIdPrefix(id).hi).toBe('0199b73d-b52e-7ed1-b028-277d6ad08cf')
  })

  it.each([
    ['', 'empty'],
    ['abc', 'too short'],
    ['%', 'wildcard'],
    ['0199%', 'wildcard after hex'],
    ['0199_', 'LIKE wildcard'],
    ['0199b73d_', 'underscore'],
    ['0199b73d*', 'glob'],
    [`${hex(id)}0`, '33 hex digits'],
    ['0199b73g', 'not hex'],
    ['01-99b73d', 'dash out of place'],
    ['0199b73d--b5', 'double dash'],
    [' 0199b73d', 'leading space'],
    ["0199' OR 1=1 --", 'SQL']
  ])('rejects %j (%s) with a message naming the rule', (input) => {
    expect(() => parseIdPrefix(input)).toThrow(InvalidIdError)
    expect(() => parseIdPrefix(input)).toThrow(/at least 4 hex digits/)
  })

  it('rejects values that are not strings or whole numbers', () => {
    for (const input of [null, undefined, {}, [], 1.5, -12345, true]) {
      expect(() => parseIdPrefix(input)).toThrow(InvalidIdError)
    }
    expect(parseIdPrefix(123456789)).toMatchObject({ hex: '123456789' })
  })

  it('gives range bounds that hold exactly the ids starting with the prefix', () => {
    expect(parseIdPrefix('0199b73f-f')).toMatchObject({ lo: '0199b73f-f', hi: '0199b74' })
    expect(parseIdPrefix('ffff')).toMatchObject({ lo: 'ffff', hi: 'g' })
    expect(parseIdPrefix('01999')).toMatchObject({ hi: '0199a' })
    const inside = ['0199b73f-f000-7000-8000-000000000000', '0199b73f-ffff-7fff-bfff-ffffffffffff']
    const outside = ['0199b73f-efff-7fff-bfff-ffffffffffff', '0199b740-0000-7000-8000-000000000000']
    const { lo, hi } = parseIdPrefix('0199b73f-f')
    for (const x of inside) expect(x >= lo && x < hi).toBe(true)
    for (const x of outside) expect(x >= lo && x < hi).toBe(false)
  })
})

describe('shortIdFromNeighbours', () => {
  it('is at least 8 hex digits', () => {
    expect(shortIdFromNeighbours('0199b73d-b52e-7ed1-b028-277d6ad08cef', null, null)).toBe('0199b73d')
  })

  it('is one digit longer than the longer common prefix with either neighbour, in canonical form', () => {
    const id = '0199b73d-b52e-7ed1-b028-277d6ad08cef'
    expect(
      shortIdFromNeighbours(
        id,
        '0199b73d-b500-7000-8000-000000000000',
        '0199b73e-0000-7000-8000-000000000000'
      )
    ).toBe('0199b73d-b52')
    expect(
      shortIdFromNeighbours(
        id,
        '0199b73c-0000-7000-8000-000000000000',
        '0199b73d-c000-7000-8000-000000000000'
      )
    ).toBe('0199b73d-b')
    expect(canonicalPrefix('0199b73db52e7ed1b')).toBe('0199b73d-b52e-7ed1-b')
  })
})

describe('shortIdsAmong', () => {
  it("lengthens a table's short ids until no other id of the list shares them, and never shortens one", () => {
    const one = '0199b73d-0000-7000-8000-000000000001'
    const two = '0199b73d-0000-7000-8000-000000000002'
    const other = '0199b73e-5555-7000-8000-000000000000'
    // one and two are removed: their table gives both the same prefix; other is live, its table
    // prefix longer than the list needs
    expect(shortIdsAmong([two, one, other, two], ['0199b73d', '0199b73d', '0199b73e-5', '0199b73d'])).toEqual(
      [two, one, '0199b73e-5', two]
    )
    expect(shortIdsAmong([one, other], ['0199b73d', '0199b73e'])).toEqual(['0199b73d', '0199b73e'])
  })
})
