/**
 * Timing on a shared, noisy 2-core machine. Contenders run in interleaved rounds (A B, B A, …),
 * each sample times enough operations to last a few milliseconds, and a comparison is the median
 * over rounds of the two contenders' per-operation times in the same round: a slow phase of the
 * machine slows both sides of a round alike, so it cancels out of the ratio.
 *
 * Every sample is timed by two clocks. The wall clock counts everything, including the
 * milliseconds this process waits for a core while other processes run, which land on one side
 * or the other at random. The CPU time of this process (user + kernel, every thread: V8's GC
 * helpers too) counts only the work the operations make it do, and the drivers of a local file do
 * all their work in it (they are synchronous). Comparisons of local work use the CPU clock; work
 * that waits for another process (a server) uses the wall clock.
 */

/**
 * One side of a comparison: an operation, called with a running counter to vary its input. A
 * synchronous operation (a driver's prepared statement) returns its value: only a promise is
 * awaited, so that the limit is not charged a turn of the microtask queue it does not need.
 */
export interface Contender {
  label: string
  op: (i: number) => unknown
  /** Run after each sample and after the warm-up, untimed: undoes what the writes added. */
  afterSample?: () => unknown
}

export interface TimingOptions {
  rounds: number
  /** How long one sample should last (ms); each contender gets its own operation count. */
  sampleMs: number
  /** Warm-up time per contender before the rounds (ms). */
  warmupMs: number
  /**
   * The fewest operations a sample times (default 1). The first operation of a sample finds the
   * caches as the other contenders left them; a sample of a few slow operations (a page of 100
   * messages, 1 ms) would weigh that first one as much as the contender's own cost.
   */
  minOps?: number
}

/** Per contender, per round: the mean time of one operation in that round's sample (ms). */
export type Times = number[][]

export interface Rounds {
  /** CPU time of this process. */
  cpu: Times
  wall: Times
}

/** CPU time of this process (ms): getrusage, which Linux counts to the nanosecond. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The nearest-rank percentile `q` (0-1) of `values`: the p99 of 100 values is the 99th smallest. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
}

/** The quartiles of `values`, to show how noisy a ratio was. */
export function quartiles(values: readonly number[]): [number, number] {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return [at(0.25), at(0.75)]
}

/** Median over rounds of a[r] / b[r]: how many times longer A took than B. */
export function timeRatio(
  a: readonly number[],
  b: readonly number[]
): { value: number; iqr: [number, number] } {
  const ratios = a.map((t, r) => t / b[r]!)
  return { value: median(ratios), iqr: quartiles(ratios) }
}

async function timeOps(
  contender: Contender,
  counter: { i: number },
  ops: number
): Promise<{ cpu: number; wall: number }> {
  const cpu = cpuNow()
  const wall = performance.now()
  for (let k = 0; k < ops; k++) {
    const result = contender.op(counter.i++)
    if (result instanceof Promise) await result
  }
  const wallTime = performance.now() - wall
  const cpuTime = cpuNow() - cpu
  await contender.afterSample?.()
  return { cpu: cpuTime, wall: wallTime }
}

/** Runs a contender for about `warmupMs` and returns how many operations fill one sample. */
async function calibrate(
  contender: Contender,
  counter: { i: number },
  options: TimingOptions
): Promise<number> {
  let ops = 0
  const started = performance.now()
  while (performance.now() - started < options.warmupMs || ops < 2) {
    await contender.op(counter.i++)
    ops++
  }
  const perOp = (performance.now() - started) / ops
  await contender.afterSample?.()
  return Math.max(options.minOps ?? 1, Math.round(options.sampleMs / perOp))
}

/**
 * Times the contenders in interleaved rounds; round r starts with contender r mod n and
 * alternates direction, so that no contender always runs first or after the same one.
 */
export async function interleave(contenders: readonly Contender[], options: TimingOptions): Promise<Rounds> {
  const counters = contenders.map(() => ({ i: 0 }))
  const ops: number[] = []
  for (const [c, contender] of contenders.entries())
    ops.push(await calibrate(contender, counters[c]!, options))
  const rounds: Rounds = { cpu: contenders.map(() => []), wall: contenders.map(() => []) }
  for (let r = 0; r < options.rounds; r++) {
    const order = contenders.map((_, k) => (r + k) % contenders.length)
    if (r % 2) order.reverse()
    for (const c of order) {
      const { cpu, wall } = await timeOps(contenders[c]!, counters[c]!, ops[c]!)
      rounds.cpu[c]!.push(cpu / ops[c]!)
      rounds.wall[c]!.push(wall / ops[c]!)
    }
  }
  return rounds
}
