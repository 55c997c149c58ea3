// Validation judges fields by plain rules where zod's verdict is simple to know (schema-checks.ts):
// these compare every rule with zod's own parse, on the store's schemas and on others a
// collection could use, so that a rule never accepts what zod refuses.

import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { newId } from '../src/ids.js'
import { collections } from '../src/schema/index.js'
import { refinedString } from '../src/schema/refinements.js'
import { checkOf, passesFields, strictFieldsOf } from '../src/store/schema-checks.js'

class Point {
  x = 1
}

/** Plain JSON values of every kind, with the edges the rules draw. */
const PLAIN: unknown[] = [
  null,
  true,
  false,
  '',
  '  ',
  'text',
  'claude-code',
  'idle',
  'running',
  'manual',
  newId(),
  newId().toUpperCase(),
  '0199b73d',
  '2026-12-01T10:00:00.000Z',
  '2026-12-01T10:00:00+02:00',
  '2026-12-01',
  'a@b.example',
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  3,
  10,
  11,
  2 ** 53 - 1,
  2 ** 53,
  -(2 ** 53),
  1e300,
  [],
  ['a'],
  ['a', 'b', 'c'],
  [1, 'a'],
  [null],
  {},
  { ref: 'main' },
  { ref: 'main', extra: 1 },
  { ref: 5 },
  { cwd: '/tmp', managed_worktree: true },
  { a: { b: [1, 2, { c: null }] } },
  { x: 1, y: 'two' }
]

/** Values no document holds (the store refuses them before validation), for soundness only. */
const OTHER: unknown[] = [
  undefined,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  new Date(0),
  new Point(),
  Object.create(null),
  [undefined],
  10n
]

/** Every schema inside `schema` (wrappers, object fields, record values, array items). */
function* schemasIn(schema: z.ZodType): Generator<z.ZodType> {
  yield schema
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable)
    yield* schemasIn(schema.def.innerType as z.ZodType)
  else if (schema instanceof z.ZodObject)
    for (const field of Object.values(schema.shape)) yield* schemasIn(field as z.ZodType)
  else if (schema instanceof z.ZodRecord) yield* schemasIn(schema.def.valueType as z.ZodType)
  else if (schema instanceof z.ZodArray) yield* schemasIn(schema.def.element as z.ZodType)
}

const accepts = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success

/** The values that `check` and zod judge differently: none may be accepted by the check alone. */
function disagreements(schema: z.ZodType) {
  const check = checkOf(schema)
  const values = [...PLAIN, ...OTHER, ...PLAIN.map((v) => ({ nested: v })), ...PLAIN.map((v) => [v])]
  // twice: a rule that remembers what it accepted must still refuse what follows
  const judged = [...values, ...values].map((value) => ({
    value,
    check: check(value),
    zod: accepts(schema, value)
  }))
  return {
    unsound: judged.filter((j) => j.check && !j.zod),
    refusedPlain: judged.filter((j) => !j.check && j.zod && PLAIN.includes(j.value))
  }
}

const OTHER_SCHEMAS: [string, z.ZodType][] = [
  ['int between', z.number().int().min(3).max(10)],
  ['open bounds', z.number().gt(0).lt(1)],
  ['positive', z.number().positive()],
  ['nonpositive', z.number().nonpositive()],
  ['z.int()', z.int()],
  ['multiple of', z.number().multipleOf(2)],
  ['coerced number', z.coerce.number()],
  ['coerced string', z.coerce.string()],
  ['coerced boolean', z.coerce.boolean()],
  ['string min', z.string().min(2)],
  ['string regex', z.string().regex(/^a/)],
  ['email', z.email()],
  ['timestamp with offset', z.iso.datetime({ offset: true })],
  ['timestamp refined', z.iso.datetime().refine((s) => s.startsWith('2026'))],
  ['refined string', refinedString((s) => s.length === 4, 'four')],
  ['plain refine', z.string().refine((s) => s.length === 4)],
  ['enum', z.enum(['a', 'idle', 'text'])],
  ['numeric enum', z.enum({ A: 0, B: 1 })],
  ['literal', z.literal('text')],
  ['array max', z.array(z.string()).max(2)],
  ['array of numbers', z.array(z.number().int())],
  ['record of strings', z.record(z.string(), z.string())],
  ['record with enum keys', z.record(z.enum(['x', 'y']), z.number())],
  ['record with checked keys', z.record(z.string().min(2), z.unknown())],
  ['strict object', z.strictObject({ ref: z.string().optional(), extra: z.number().optional() })],
  ['stripping object', z.object({ ref: z.string() })],
  ['loose object', z.looseObject({ ref: z.string() })],
  ['object with a whole check', z.strictObject({ x: z.number() }).refine((o) => o.x > 0)],
  ['required unknown', z.strictObject({ x: z.unknown() })],
  ['union', z.union([z.string(), z.number()])],
  [
    'union of a message content',
    z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())])
  ],
  ['exclusive union', z.xor([z.string(), z.string().min(2)])],
  [
    'discriminated union',
    z.discriminatedUnion('ref', [z.object({ ref: z.literal('main') }), z.object({ ref: z.literal(5) })])
  ],
  ['nullable optional', z.string().nullable().optional()],
  ['optional nullable', z.string().optional().nullable()],
  ['default', z.string().default('x')]
]

describe('schema checks', () => {
  it.each(Object.values(collections).map((def) => [def.name, def] as const))(
    'accept exactly what zod accepts, field by field, in the %s schema',
    (_name, def) => {
      for (const schema of schemasIn(def.schema)) {
        const { unsound, refusedPlain } = disagreements(schema)
        expect(unsound).toEqual([])
        // the store's own schemas are all of kinds with plain rules: JSON values get zod's verdict
        expect(refusedPlain).toEqual([])
      }
    }
  )

  it.each(OTHER_SCHEMAS)('never accept what zod refuses: %s', (_name, schema) => {
    expect(disagreements(schema).unsound).toEqual([])
  })

  it('follow a schema that holds itself', () => {
    const node = z.strictObject({
      name: z.string(),
      get children() {
        return z.array(node).optional()
      }
    })
    const check = checkOf(node)
    const tree = { name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] }
    expect(check(tree)).toBe(true)
    expect(check({ name: 'a', children: [{ name: 'b', children: [{ name: 5 }] }] })).toBe(false)
    expect(node.safeParse(tree).success).toBe(true)
  })

  it('look again at every field but those a valid document holds, the very same values', () => {
    const fields = strictFieldsOf(z.strictObject({ name: z.string(), tags: z.array(z.string()).optional() }))!
    const tags = ['a']
    const stored = { name: 'x', tags }
    expect(passesFields(fields, { name: 'y', tags }, undefined, stored)).toBe(true)
    // a value the valid document does not hold is judged, an equal copy of one included
    expect(passesFields(fields, { name: 5, tags }, undefined, stored)).toBe(false)
    expect(passesFields(fields, { name: 'y', tags: [5] }, undefined, { name: 'x', tags: [5] })).toBe(false)
    expect(passesFields(fields, { name: 'y', other: 1 }, undefined, stored)).toBe(false)
    expect(passesFields(fields, { tags }, undefined, stored)).toBe(false)
  })

  it('judge a hole in an array as zod does, and undefined in a format never yet given', () => {
    const list = z.array(z.string())
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const sparse = ['a', , 'c']
    expect(list.safeParse(sparse).success).toBe(false)
    expect(checkOf(list)(sparse)).toBe(false)
    expect(checkOf(z.array(z.string().optional()))(sparse)).toBe(true)
    const fresh = z.iso.datetime()
    expect(fresh.safeParse(undefined).success).toBe(false)
    expect(checkOf(fresh)(undefined)).toBe(false)
  })

  it('judge a timestamp again after a refused one, and a new one on its own', () => {
    const check = checkOf(z.iso.datetime({ offset: true }))
    expect(check('2026-12-01T10:00:00.000Z')).toBe(true)
    expect(check('yesterday')).toBe(false)
    expect(check('2026-12-01T10:00:00.000Z')).toBe(true)
    expect(check('2026-13-01T10:00:00.000Z')).toBe(false)
  })
})
