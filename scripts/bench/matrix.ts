/**
 * The operations that every side does (sides/side.ts), at every size: their inputs, a check that
 * every side gives the same answer before anything is timed, and their interleaved rounds.
 */
import { isDeepStrictEqual } from 'node:util'
import type { SizeName } from './context.js'
import { type Entry, type OpCosts, opCosts } from './costs.js'
import type { Lookup } from './dataset-ids.js'
import { fieldPool, patchSha, type SessionFields } from './documents.js'
import { type Doc, NO_KEYS, type Page, type Side } from './sides/side.js'
import { type Contender, interleave, type TimingOptions } from './timing.js'

export const OPS = ['get_whole', 'get_prefix8', 'create', 'array_create', 'patch', 'page'] as const
export type OpName = (typeof OPS)[number]
export const READS: readonly OpName[] = ['get_whole', 'get_prefix8', 'page']
export const WRITES: readonly OpName[] = ['create', 'array_create', 'patch']

/** What each operation is, for the tables and charts. */
export const OP_TITLES: Record<OpName, string> = {
  get_whole: 'get by whole id',
  get_prefix8: 'get by an 8-digit prefix',
  create: 'create of one session',
  array_create: 'array create of 1,000 sessions',
  patch: 'patch of one nested field',
  page: 'page of 50 newest with the exact total'
}

/** The documents of an array create. */
export const ARRAY = 1000

/** The inputs of the operations on one data set. */
export interface Inputs {
  /** Whole ids of existing sessions. */
  ids: readonly string[]
  /** Sessions with a unique 8-digit prefix. */
  prefix8: readonly Lookup[]
}

const POOL = fieldPool(ARRAY, 7)
const SHAS = Array.from({ length: 1000 }, (_, i) => patchSha(i))
const at = <T>(items: readonly T[], i: number) => items[i % items.length]!

/** A side at a size: what one contender of an operation's rounds runs. */
export interface Placed {
  side: Side
  size: SizeName
  inputs: Inputs
  /** One of the limit's drivers. */
  limit?: boolean
  /** Undoes what the writes of this contender added (between samples, untimed). */
  discard?: () => unknown
}

/** Operation `op` of a side, called with a running counter. */
export function operation(op: OpName, side: Side, inputs: Inputs): (i: number) => unknown {
  switch (op) {
    case 'get_whole':
      return (i) => side.getWhole(at(inputs.ids, i))
    case 'get_prefix8':
      return (i) => side.getPrefix(at(inputs.prefix8, i).prefix)
    case 'create':
      return (i) => side.create(at(POOL, i))
    case 'array_create':
      return () => side.createMany(POOL)
    case 'patch':
      return (i) => side.patch(at(inputs.ids, i * 7), at(SHAS, i))
    case 'page':
      return () => side.page()
  }
}

/** The parts of a new document that every side must give back as it was given. */
function written(doc: Doc): Doc {
  const { session_id: _id, created_at: _created, updated_at: _updated, ...rest } = doc
  return rest
}

const EXPECTED_NEW = (fields: SessionFields) => ({
  status: 'idle',
  ...NO_KEYS,
  ...fields
})

/**
 * Runs `op` once on every side of one size and throws unless each answer is right: the same
 * document (or page) as the first side's for reads, the given fields for creates, the new value
 * for patches.
 */
export async function check(op: OpName, placed: readonly Placed[]): Promise<void> {
  let expected: unknown
  let first = true
  for (const { side, size, inputs, discard } of placed) {
    const what = `${op} on ${side.label} ${size}`
    const answer = await operation(op, side, inputs)(0)
    if (op === 'create' || op === 'array_create') {
      const docs = (op === 'create' ? [answer] : answer) as Doc[]
      const pool = op === 'create' ? [POOL[0]!] : POOL
      if (docs.length !== pool.length) throw new Error(`${what}: ${docs.length} documents`)
      for (const [k, doc] of docs.entries()) {
        if (!isDeepStrictEqual(written(doc), EXPECTED_NEW(pool[k]!)))
          throw new Error(`${what}: wrong document`)
      }
      const created = new Set(docs.map((d) => d.created_at))
      if (created.size !== 1) throw new Error(`${what}: ${created.size} different created_at`)
    } else if (op === 'patch') {
      const doc = answer as Doc
      const gitState = doc.git_state as Doc
      if (doc.session_id !== inputs.ids[0] || gitState.current_sha !== SHAS[0] || !gitState.base_sha)
        throw new Error(`${what}: wrong document`)
    } else {
      if (op === 'page' && (answer as Page).data.length !== 50) throw new Error(`${what}: not 50 documents`)
      if (first) expected = answer
      else if (!isDeepStrictEqual(answer, expected))
        throw new Error(`${what}: another answer than the first side's`)
      first = false
    }
    await discard?.()
  }
}

/** Checks `op` on every side, then times it in interleaved rounds; its costs by the CPU clock. */
export async function measure(
  op: OpName,
  placed: readonly Placed[],
  timing: TimingOptions
): Promise<OpCosts> {
  const bySize = new Map<SizeName, Placed[]>()
  for (const p of placed) bySize.set(p.size, [...(bySize.get(p.size) ?? []), p])
  for (const group of bySize.values()) await check(op, group)
  const contenders: Contender[] = placed.map(({ side, size, inputs, discard }) => ({
    label: `${side.label} ${size}`,
    op: operation(op, side, inputs),
    ...(discard && { afterSample: discard })
  }))
  const rounds = await interleave(contenders, timing)
  const entries: Entry[] = placed.map((p) => ({ side: p.side.label, size: p.size, limit: p.limit }))
  return opCosts(op, entries, rounds.cpu)
}
