// Validation judges a document field by field when its schema is a plain strict object; these
// check that it accepts exactly what zod's parse of the whole document accepts, and refuses the
// rest with zod's own issues.

import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ValidationError } from '../src/errors.js'
import { newId } from '../src/ids.js'
import type { AnyDefinition } from '../src/schema/collection.js'
import { sessions } from '../src/schema/sessions.js'
import { tasks } from '../src/schema/tasks.js'
import { validateDocument } from '../src/store/validate.js'

const now = '2026-12-01T10:00:00.000Z'
const session = (extra: Record<string, unknown> = {}) => ({
  session_id: newId(),
  status: 'idle',
  created_at: now,
  updated_at: now,
  agent: 'claude-code',
  git_state: { ref: 'main', current_sha: 'abc' },
  custom_context: { anything: [1, { deep: true }] },
  ...extra
})

/** What validateDocument says of `doc`: 'ok', or the issues it throws. */
function verdict(def: AnyDefinition, doc: Record<string, unknown>, stored?: Record<string, unknown>) {
  try {
    validateDocument(def, doc, stored)
    return 'ok'
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error
    return (error.data as { issues: unknown[] }).issues
  }
}

describe('validation', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['a whole session', session()],
    ['nulls for optional fields', session({ title: null, git_state: null, archived: null })],
    ['an unknown key', session({ colour: 'red' })],
    ['an unknown nested key', session({ git_state: { ref: 'main', extra: 1 } })],
    ['a missing required field', (({ agent: _agent, ...rest }) => rest)(session())],
    ['a null required field', session({ agent: null })],
    ['a blank required field', session({ agent: '  ' })],
    ['a wrong type', session({ message_count: 'three' })],
    ['a field named like a member of every object', session({ constructor: 'x', toString: 'y' })],
    ['an id that is not canonical', session({ session_id: 'ABC' })],
    ['a status not in the list', session({ status: 'sleeping' })],
    ['a timestamp that is no timestamp', session({ created_at: 'yesterday' })],
    ['an undefined optional field', session({ title: undefined })],
    ['repeated tags', session({ tags: ['a', 'a'] })]
  ]

  it.each(cases)('accepts what zod accepts, and refuses the rest with its issues: %s', (_name, doc) => {
    const result = verdict(sessions, doc)
    const parsed = sessions.schema.safeParse(doc)
    expect(result === 'ok').toBe(parsed.success)
    if (!parsed.success) expect((result as unknown[]).length).toBeGreaterThan(0)
  })

  it('names every issue of a document with several', () => {
    const result = verdict(sessions, session({ agent: '', colour: 'red', message_count: -1 }))
    expect(result).not.toBe('ok')
    const paths = (result as { path: (string | number)[] }[]).map((issue) => issue.path.join('.')).sort()
    expect(paths).toEqual(['agent', 'colour', 'message_count'])
  })

  it('looks again at what a collection changed after the document passed', () => {
    const changes: [string, (doc: Record<string, unknown>) => void][] = [
      ['a field set to a wrong type', (doc) => (doc.title = 5)],
      ['a nested object changed in place', (doc) => ((doc.git_state as Record<string, unknown>).extra = 1)],
      ['a required field dropped', (doc) => delete doc.agent],
      ['an unknown key added', (doc) => (doc.colour = 'red')]
    ]
    for (const [what, change] of changes) {
      const doc = session()
      expect(verdict(sessions, doc), what).toBe('ok')
      const passed = { ...doc }
      change(doc)
      expect(() => validateDocument(sessions, doc, undefined, { passed }), what).toThrow(ValidationError)
    }
    const doc: Record<string, unknown> = session()
    const passed = { ...doc }
    doc.title = 'a title the adjustment set'
    expect(() => validateDocument(sessions, doc, undefined, { passed })).not.toThrow()
  })

  it('accepts an unknown key only where the stored document has it', () => {
    const stored = session({ git_state: { ref: 'main', newer: 1 } })
    expect(verdict(sessions, session({ git_state: { ref: 'dev', newer: 2 } }), stored)).toBe('ok')
    expect(verdict(sessions, session({ git_state: { ref: 'dev', other: 2 } }), stored)).not.toBe('ok')
  })

  it('judges another collection by its own schema', () => {
    const task = {
      task_id: newId(),
      session_id: newId(),
      status: 'created',
      created_at: now,
      updated_at: now
    }
    for (const doc of [
      task,
      { ...task, session_id: undefined },
      { ...task, unknown: 1 },
      { ...task, status: 'x' }
    ])
      expect(verdict(tasks, doc) === 'ok').toBe(tasks.schema.safeParse(doc).success)
    expect(verdict(tasks, { ...task, unknown: 1 })).not.toBe('ok')
  })

  it('lets the whole parse judge schemas that are more than their fields', () => {
    const refined = z
      .strictObject({ id: z.string(), low: z.number(), high: z.number() })
      .refine((doc) => doc.low <= doc.high, { message: 'low above high', path: ['low'] })
    const def = { schema: refined, singular: 'range', keyColumns: [] } as unknown as AnyDefinition
    expect(verdict(def, { id: 'a', low: 1, high: 2 })).toBe('ok')
    expect(verdict(def, { id: 'a', low: 3, high: 2 })).toEqual([
      { path: ['low'], message: 'low above high', code: 'custom' }
    ])
    // zod leaves out only fields marked optional: one that takes undefined is required all the same
    for (const field of [z.unknown(), z.any(), z.union([z.string(), z.undefined()]), z.string().optional()]) {
      const schema = z.strictObject({ id: z.string(), field })
      const fieldDef = { schema, singular: 'thing', keyColumns: [] } as unknown as AnyDefinition
      expect(verdict(fieldDef, { id: 'a' }) === 'ok').toBe(schema.safeParse({ id: 'a' }).success)
      expect(verdict(fieldDef, { id: 'a', field: 'x' })).toBe('ok')
    }
    const loose = z.looseObject({ id: z.string() })
    const looseDef = { schema: loose, singular: 'thing', keyColumns: [] } as unknown as AnyDefinition
    expect(verdict(looseDef, { id: 'a', more: 1 })).toBe('ok')
  })
})
