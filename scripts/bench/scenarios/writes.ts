/**
 * Writes at 10k, 100k and 1M sessions, each size on a copy of its data set: the store's create of
 * one session, create of an array of 1,000 and patch of one nested field, against the limit (a
 * prepared INSERT; one transaction of a reused one-row INSERT or one multi-row INSERT, whichever is
 * faster; a read, then the write guarded by it), which records each write's change as the store
 * does, through its write views. The rows the writes add are deleted between samples.
 */
import type { Context, Scenario } from '../context.js'
import { measure, type OpName } from '../matrix.js'
import { openSizeSides, placeAll, SIZES, type SizeSides } from '../placement.js'
import type { Result, Target } from '../report.js'
import { limitResults } from '../targets.js'

const TARGETS: Record<'create' | 'array_create' | 'patch', { what: string; target: Target }> = {
  create: { what: 'store create of one session', target: { op: '<=', value: 1.5 } },
  array_create: { what: 'store create of an array of 1,000 sessions', target: { op: '<=', value: 1.3 } },
  patch: { what: 'store patch of one nested field (git_state.current_sha)', target: { op: '<=', value: 2 } }
}

export const writes: Scenario = async (context: Context) => {
  const opened = new Map<string, SizeSides>()
  const results: Result[] = []
  try {
    for (const size of SIZES) {
      context.log(`writes: copying the ${size} data set`)
      opened.set(size, await openSizeSides(context, size, { writes: true, store: true }))
    }
    for (const op of ['create', 'array_create', 'patch'] as const satisfies readonly OpName[]) {
      const multi = op === 'array_create'
      const placed = SIZES.flatMap((size) => placeAll(size, opened.get(size)!, multi))
      context.log(`writes: ${op}, ${placed.length} contenders`)
      const costs = await measure(op, placed, context.profile.writeTiming)
      context.costs.push(costs)
      const { what, target } = TARGETS[op]
      results.push(...limitResults(2, `${op}_vs_limit`, what, costs, 'agor-store', target))
    }
  } finally {
    for (const sides of opened.values()) await sides.close()
  }
  context.note(
    `writes: each size on a copy of its data set; samples of about ${context.profile.writeTiming.sampleMs} ms (several WAL checkpoints each); after every sample, untimed, the rows that creates added are deleted (the table keeps its size) and the WAL is checkpointed`
  )
  return results
}
