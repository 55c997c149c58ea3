/**
 * What the change feed costs a write: the store with its feed against the same store without it,
 * each on its own copy of one data set (in which every session has the change its creation would
 * have left), in interleaved rounds of the writes item's operations: a create of one session, an
 * array create of 1,000 and a patch of one nested field. After every sample, untimed, each copy
 * goes back to how it was (the sessions creates added, the changes the writes left) and its WAL
 * is checkpointed.
 */
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
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

/** Two copies of the data set, alike: every session with the change of its creation. */
async function copies(context: Context): Promise<{ feed: string; nofeed: string; changes: number }> {
  const feed = await writableCopy(context, FEED_SIZE, 'feed')
  // the store's open brings the copy's schema to this version (the feed's tables and triggers)
  await (await openStoreSide(feed)).close()
  const db = openFile(feed)
  const changes = recordCreations(db)
  db.close()
  const nofeed = join(context.workDir, `nofeed-${FEED_SIZE}.db`)
  copyFileSync(feed, nofeed)
  return { feed, nofeed, changes }
}

/** Fails unless a create on the store with its feed leaves one change, and on the other none. */
async function checkFeeds(sides: { side: StoreSide; path: string; changes: number }[]): Promise<void> {
  for (const { side, path, changes } of sides) {
    const db = openFile(path)
    const before = changeCount(db)
    await side.create(fieldPool(1, 3)[0]!)
    const left = changeCount(db) - before
    db.close()
    if (left !== changes) throw new Error(`a create on ${side.label} left ${left} changes, not ${changes}`)
  }
}

export async function feedThroughput(context: Context): Promise<Result[]> {
  const paths = await copies(context)
  const inputs = await inputsOf(context, FEED_SIZE)
  const closers: (() => unknown)[] = []
  try {
    const withFeed = await openStoreSide(paths.feed, {}, 'with the feed')
    closers.push(() => withFeed.close())
    const without = await openStoreSide(paths.nofeed, {}, 'without the feed')
    closers.push(() => without.close())
    await dropFeed(without.store)
    await checkFeeds([
      { side: withFeed, path: paths.feed, changes: 1 },
      { side: without, path: paths.nofeed, changes: 0 }
    ])
    // the rows the checks added are kept: each copy goes back to how it is now after each sample
    const placed: Placed[] = [withFeed, without].map((side, k) => {
      const undo = discarder(k === 0 ? paths.feed : paths.nofeed)
      closers.push(() => undo.close())
      return { side, size: FEED_SIZE, inputs, discard: () => undo.discard() }
    })
    const results: Result[] = []
    for (const op of ['create', 'array_create', 'patch'] as const satisfies readonly OpName[]) {
      await check(op, placed)
      context.log(`feed: ${op} with and without the feed`)
      const rounds = await interleave(
        placed.map(({ side, discard }) => ({
          label: side.label,
          op: operation(op, side, inputs),
          afterSample: discard
        })),
        context.profile.writeTiming
      )
      results.push(
        compared(
          {
            item: 11,
            name: `feed_${op}_vs_nofeed`,
            description: `${WHAT[op]}: throughput with the change feed / without it (its triggers dropped), ${FEED_SIZE}`,
            unit: 'throughput ratio',
            target: { op: '>=', value: 0.75 }
          },
          rounds,
          0,
          1
        )
      )
    }
    context.note(
      `feed: throughput on two copies of the ${FEED_SIZE} data set, each session with the change of its creation (${paths.changes.toLocaleString('en')} changes); without the feed = its triggers dropped and the two statements that leave a write's context for them left out, in the benchmark's process only; samples of about ${context.profile.writeTiming.sampleMs} ms; after each, untimed, the sessions and changes the writes added are deleted and the WAL checkpointed`
    )
    return results
  } finally {
    for (const close of closers.reverse()) await close()
  }
}
