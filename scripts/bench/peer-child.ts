// A peer in a process of its own: peer-child.ts <knex|libsql-client|nedb> <quick|full>. Times every
// operation of the peer at every size against the limit (the faster of its two drivers) at that
// size, and against the limit at 10k (the charts' unit), and prints the costs as JSON.
// A peer is not interleaved with the store: two stacks that alternate every few milliseconds in
// one process slow each other down, and not alike. Each is timed against the same limit instead.
import type { Context, SizeName } from './context.js'
import { PROFILES, Context as RunContext } from './context.js'
import { mergeCosts, type OpCosts } from './costs.js'
import { measure, type OpName, operation, type Placed, READS, WRITES } from './matrix.js'
import { inputsOf, openSizeSides, placeAll, SIZES, type SizeSides } from './placement.js'
import { openKnex } from './sides/knex.js'
import { openLibsqlClient } from './sides/libsql-client.js'
import { openNedb } from './sides/nedb.js'
import type { Side } from './sides/side.js'

type PeerName = 'knex' | 'libsql-client' | 'nedb'

/** The peer at one size: one side for reads (on the data set), one for writes (on the limit's copy). */
interface PeerSides {
  read: Side
  write: Side
  close(): Promise<void>
}

async function openPeer(peer: PeerName, context: Context, size: SizeName, copy: string): Promise<PeerSides> {
  const { path } = await context.dataset(size)
  if (peer === 'nedb') {
    const started = performance.now()
    const nedb = await openNedb(path, context.workDir)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    const rss = (process.memoryUsage.rss() / 2 ** 20).toFixed(0)
    context.note(`peers: NeDB loaded the ${size} data set in ${seconds} s (RSS then ${rss} MiB)`)
    return { read: nedb, write: nedb, close: async () => nedb.close() }
  }
  const open = (file: string) => (peer === 'knex' ? openKnex(file) : openLibsqlClient(file))
  const read = await open(path)
  const write = await open(copy)
  return {
    read,
    write,
    async close() {
      await read.close()
      await write.close()
    }
  }
}

/**
 * Runs the peer's operation alone for a while before its first rounds: knex compiles slowly, and
 * after the usual warm-up it is still half-optimised (measured: 1.4x slower).
 */
async function prewarm(placed: Placed, op: OpName, ms: number): Promise<void> {
  const run = operation(op, placed.side, placed.inputs)
  const started = performance.now()
  for (let i = 0; performance.now() - started < ms; i++) await run(i)
  await placed.discard?.()
}

const [peer, mode] = process.argv.slice(2)
if ((peer !== 'knex' && peer !== 'libsql-client' && peer !== 'nedb') || (mode !== 'quick' && mode !== 'full'))
  throw new Error('usage: peer-child.ts <knex|libsql-client|nedb> <quick|full>')
const context = new RunContext(PROFILES[mode])
const costs = new Map<OpName, OpCosts>()
// the limit at 10k, the unit of every cost, is in every size's rounds
const anchor = {
  read: await openSizeSides(context, '10k', { writes: false, store: false }),
  write: await openSizeSides(context, '10k', { writes: true, store: false })
}
try {
  for (const size of SIZES) {
    const first = size === '10k'
    const sides = {
      read: first ? anchor.read : await openSizeSides(context, size, { writes: false, store: false }),
      write: first ? anchor.write : await openSizeSides(context, size, { writes: true, store: false })
    }
    const peerSides = await openPeer(peer, context, size, sides.write.path)
    const inputs = await inputsOf(context, size)
    try {
      // reads first: NeDB reads and writes the same documents, and a patch changes them
      for (const op of [...READS, ...WRITES]) {
        const writes = WRITES.includes(op)
        const own: SizeSides = writes ? sides.write : sides.read
        const base: SizeSides = writes ? anchor.write : anchor.read
        const side = writes ? peerSides.write : peerSides.read
        const discard = peer === 'nedb' ? () => side.discard?.() : own.discard
        const placed: Placed[] = [
          { side, size, inputs, ...(writes && { discard }) },
          ...placeAll(size, own, op === 'array_create'),
          ...(first ? [] : placeAll('10k', base, op === 'array_create'))
        ]
        const { profile } = context
        const timing = writes ? profile.writeTiming : op === 'page' ? profile.slowTiming : profile.timing
        context.log(`peers: ${peer} ${op} ${size}`)
        if (peer === 'knex' && first) await prewarm(placed[0]!, op, mode === 'full' ? 2000 : 1000)
        // the peers' ratios are information, not targets: half the rounds (a third in a quick run)
        const rounds = Math.ceil(timing.rounds / (mode === 'full' ? 2 : 3))
        const measured = await measure(op, placed, { ...timing, rounds })
        const known = costs.get(op)
        if (known) mergeCosts(known, measured)
        else costs.set(op, measured)
      }
    } finally {
      await peerSides.close()
      if (!first) {
        await sides.read.close()
        await sides.write.close()
      }
    }
  }
  console.log(JSON.stringify({ costs: [...costs.values()], notes: context.notes }))
} finally {
  await anchor.read.close()
  await anchor.write.close()
  context.close()
}
