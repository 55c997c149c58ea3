/**
 * The change feed's cost (issue 15): the throughput of writes with the feed against the same
 * writes without it (a create, an array create of 1,000, a patch), the latency of an event from a
 * write's commit to a socket client of a daemon that learns of it through the feed only (a write
 * by another process on its file; a write through another daemon on another replica of one sqld),
 * and the feed's size on disk per change. Latencies are absolute times, dominated by how often a
 * daemon looks at the feed (AGOR_FEED_INTERVAL: 100 ms on a file, 1 s on a replica, the defaults
 * used here); the rest are ratios and bytes.
 */
import { join } from 'node:path'
import { startSqld } from '../../sqld.js'
import type { Context, Scenario } from '../context.js'
import { startDaemon } from '../daemon.js'
import { fieldPool } from '../documents.js'
import { eventLatencies, type Latencies, type LatencyRun } from '../feed/latency.js'
import { feedSize } from '../feed/size.js'
import { FEED_SIZE, feedThroughput } from '../feed/throughput.js'
import { writableCopy } from '../placement.js'
import type { Result } from '../report.js'
import { openStoreSide } from '../sides/store.js'
import { median, percentile } from '../timing.js'

/** Writes timed per latency, and the longest gap between two (ms): a run of a few seconds each. */
const WRITES = {
  quick: { file: 200, replica: 100, fileGapMs: 50, replicaGapMs: 120 },
  full: { file: 1000, replica: 500, fileGapMs: 50, replicaGapMs: 120 }
}
const TIMEOUT_MS = 15_000

const POOL = fieldPool(64, 13)
const fieldsOf = (i: number) => POOL[Math.abs(i) % POOL.length]!

/** Median and p99 of a run's latencies as results, and a note of its writes' own durations. */
function latencyResults(context: Context, name: string, what: string, run: Latencies): Result[] {
  const n = run.latencies.length
  context.note(
    `feed: ${what}: ${n.toLocaleString('en')} writes; latencies (ms) min ${Math.min(...run.latencies).toFixed(1)}, median ${median(run.latencies).toFixed(1)}, p99 ${percentile(run.latencies, 0.99).toFixed(1)}, max ${Math.max(...run.latencies).toFixed(1)}; the writes themselves took a median of ${median(run.durations).toFixed(1)} ms (p99 ${percentile(run.durations, 0.99).toFixed(1)}) from call to return, the commit inside that`
  )
  const result = (stat: 'median' | 'p99', value: number): Result => ({
    item: 11,
    name: `feed_latency_${name}_${stat}_ms`,
    value,
    unit: 'ms',
    description: `${stat} of ${n.toLocaleString('en')} events: ${what}, from the write's return (committed) to the event's arrival at a socket client`
  })
  return [result('median', median(run.latencies)), result('p99', percentile(run.latencies, 0.99))]
}

/** A daemon (agor serve) on a copy of the data set; this process writes to the same file as a library. */
async function otherProcess(context: Context): Promise<Latencies> {
  const path = await writableCopy(context, FEED_SIZE, 'feed-events')
  const daemon = await startDaemon(path, context.workDir)
  try {
    const writer = await openStoreSide(path, {}, 'writer')
    try {
      const { file, fileGapMs } = WRITES[context.profile.mode]
      context.log(`feed: ${file} writes by another process on the daemon's file`)
      return await eventLatencies({
        url: daemon.url,
        write: async (i) => String((await writer.sessions.create(fieldsOf(i))).session_id),
        writes: file,
        maxGapMs: fileGapMs,
        timeoutMs: TIMEOUT_MS
      })
    } finally {
      await writer.close()
    }
  } finally {
    await daemon.stop()
  }
}

/** Two daemons, each on an embedded replica of one sqld: writes through A, events at a client of B. */
async function otherReplica(context: Context): Promise<Latencies> {
  const sqld = await startSqld()
  const closers: (() => Promise<void>)[] = [() => sqld.stop()]
  try {
    const replica = (name: string) =>
      startDaemon(join(context.workDir, `replica-${name}.db`), context.workDir, {
        AGOR_DB_SYNC_URL: sqld.url
      })
    // one after the other: the first one's open migrates the primary
    const a = await replica('a')
    closers.push(() => a.stop())
    const b = await replica('b')
    closers.push(() => b.stop())
    const write: LatencyRun['write'] = async (i) => {
      const response = await fetch(`${a.url}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fieldsOf(i))
      })
      const body = (await response.json()) as { session_id?: string }
      if (!response.ok || !body.session_id)
        throw new Error(`feed: a create through daemon A: ${response.status}`)
      return body.session_id
    }
    const { replica: writes, replicaGapMs } = WRITES[context.profile.mode]
    context.log(`feed: ${writes} writes through daemon A, events from daemon B`)
    return await eventLatencies({ url: b.url, write, writes, maxGapMs: replicaGapMs, timeoutMs: TIMEOUT_MS })
  } finally {
    for (const close of closers.reverse()) await close()
  }
}

export const feed: Scenario = async (context: Context): Promise<Result[]> => {
  const results = await feedThroughput(context)
  results.push(
    ...latencyResults(
      context,
      'other_process',
      'a create by another process (the store as a library) on the file a daemon serves',
      await otherProcess(context)
    ),
    ...latencyResults(
      context,
      'other_replica',
      'a create through daemon A (REST) on one embedded replica of sqld, to a client of daemon B on another',
      await otherReplica(context)
    ),
    ...(await feedSize(context))
  )
  return results
}
