/**
 * What the change feed costs a write: the store with its feed against the same store without it,
 * each on its own copy of one data set (in which every session has the change its creation would
 * have left), in interleaved rounds of the writes item's operations: a create of one session, an
 * array create of 1,000 and a patch of one nested field. After every sample,
 * untimed, each copy goes back to how it was (the sessions creates added, the changes the writes
 * left) and its WAL is checkpointed.
 */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Store } from '../../../src/service/store.js'
import type { Context, SizeName } from '../context.js'
import { fieldPool } from '../documents.js'
import { check, type OpName, operation, type Placed } from '../matrix.js'
import { inputsOf, writableCopy } from '../placement.js'
import { compared, type Result } from '../report.js'
import { openStoreSide, type StoreSide } from '../sides/store.js'
import { interleave } from '../timing.js'
import { changeCount, discarder, openFile, recordCreations } from './tables.js'
import { dropFeed } from './without-feed.js'

export const FEED_SIZE: SizeName = '10k'

const WHAT: Record<'create' | 'array_create' | 'patch', string> = {
  create: 'store create of one session',
  array_create: 'store create of an array of 1,000 sessions',
  patch: 'store patch of one nested field (git_state.current_sha)'
}

/** The stores compared, in the order of the rounds' contenders; each on its own copy. */
const VARIANTS: { name: string; label: string; changes: number; alter?: (store: Store) => Promise<void> }[] =
  [
    { name: 'feed', label: 'with the feed', changes: 1 },
    { name: 'nofeed', label: 'without the feed', changes: 0, alter: dropFeed }
  ]

/** Copies of the data set, alike: every session with the change of its creation. */
async function copies(context: Context): Promise<{ paths: string[]; changes: number }> {
  const first = await writableCopy(context, FEED_SIZE, 'feed')
  // the store's open brings the copy's schema to this version (the feed's tables and triggers)
  await (await openStoreSide(first)).close()
  const db = openFile(first)
  const changes = recordCreations(db)
  db.close()
  const paths = VARIANTS.map(({ name }) => join(context.workDir, `${name}-${FEED_SIZE}.db`))
  for (const path of paths) copyFileSync(first, path)
  return { paths, changes }
}

/** Fails unless a create leaves as many changes as the variant should (one with the feed). */
async function checkChanges(side: StoreSide, path: string, expected: number): Promise<void> {
  const db = openFile(path)
  const before = changeCount(db)
  await side.create(fieldPool(1, 3)[0]!)
  const left = changeCount(db) - before
  db.close()
  if (left !== expected) throw new Error(`a create ${side.label} left ${left} changes, not ${expected}`)
}

export async function feedThroughput(context: Context): Promise<Result[]> {
  const { paths, changes } = await copies(context)
  const inputs = await inputsOf(context, FEED_SIZE)
  const closers: (() => unknown)[] = []
  try {
    const placed: Placed[] = []
    for (const [k, variant] of VARIANTS.entries()) {
      const side = await openStoreSide(paths[k]!, {}, variant.label)
      closers.push(() => side.close())
      await variant.alter?.(side.store)
      await checkChanges(side, paths[k]!, variant.changes)
      // opened after the check: each copy goes back to how it is now after each sample
      const undo = discarder(paths[k]!)
      closers.push(() => undo.close())
      placed.push({ side, size: FEED_SIZE, inputs, discard: () => undo.discard() })
    }
    const results: Result[] = []
    for (const op of ['create', 'array_create', 'patch'] as const satisfies readonly OpName[]) {
      await check(op, placed)
      context.log(`feed: ${op} with the feed and without it`)
      const rounds = await interleave(
        placed.map(({ side, discard }) => ({
          label: side.label,
          op: operation(op, side, inputs),
          afterSample: discard
        })),
        context.profile.writeTiming
      )
      const nofeed = VARIANTS.length - 1
      results.push(
        compared(
          {
            item: 11,
            name: `feed_${op}_vs_nofeed`,
            description: `${WHAT[op]}: throughput with the change feed / without it (writing to its tables directly, no triggers), ${FEED_SIZE}`,
            unit: 'throughput ratio',
            target: { op: '>=', value: 0.75 }
          },
          rounds,
          0,
          nofeed
        )
      )
    }
    context.note(
      `feed: throughput on copies of the ${FEED_SIZE} data set, each session with the change of its creation (${changes.toLocaleString('en')} changes); without the feed = its triggers dropped and its writes sent to the tables directly instead of through its write views, in the benchmark's process only; samples of about ${context.profile.writeTiming.sampleMs} ms; after each, untimed, the sessions and changes the writes added are deleted and the WAL checkpointed`
    )
    return results
  } finally {
    for (const close of closers.reverse()) await close()
  }
}
