/**
 * Where the sides run: on a data set as it is (reads), or on a copy of it in the scenario's work
 * folder (writes, which would otherwise change the cached file). A side that writes shares its copy
 * with the others of its size; between samples, the rows the writes added are deleted, so that the
 * table keeps its size.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Context, SizeName } from './context.js'
import type { Inputs, Placed } from './matrix.js'
import { type LimitDriver, openLimit } from './sides/limit.js'
import type { Side } from './sides/side.js'
import { openStoreSide, type StoreSide } from './sides/store.js'

export const SIZES: readonly SizeName[] = ['10k', '100k', '1m']
const DRIVERS: readonly LimitDriver[] = ['libsql', 'better-sqlite3']

/** A copy of the data set of `size` in the work folder, for writes. */
export async function writableCopy(context: Context, size: SizeName, name = 'writes'): Promise<string> {
  const dataset = await context.dataset(size)
  const path = join(context.workDir, `${name}-${size}.db`)
  copyFileSync(dataset.path, path)
  if (existsSync(`${dataset.path}-wal`)) copyFileSync(`${dataset.path}-wal`, `${path}-wal`)
  return path
}

export async function inputsOf(context: Context, size: SizeName): Promise<Inputs> {
  const { samples } = await context.dataset(size)
  return { ids: samples.random, prefix8: samples.prefix8 }
}

/** The sides of one size: the store (if asked for) and the limit's drivers, with their placement. */
export interface SizeSides {
  /** The file they run on: the data set, or its copy. */
  path: string
  store?: StoreSide
  /** The limit's drivers; for writes also their multi-row array creates. */
  limits: Side[]
  multiLimits: Side[]
  inputs: Inputs
  /** Deletes the rows writes added to this size's copy (nothing for reads). */
  discard?: () => unknown
  close(): Promise<void>
}

/** Opens the store and the limit at `size`: on the data set to read, or on a copy to write. */
export async function openSizeSides(
  context: Context,
  size: SizeName,
  options: { writes: boolean; store: boolean }
): Promise<SizeSides> {
  const path = options.writes ? await writableCopy(context, size) : (await context.dataset(size)).path
  const readonly = !options.writes
  const limits = DRIVERS.map((driver) => openLimit(driver, path, { readonly }))
  const multiLimits = options.writes
    ? DRIVERS.map((driver) => openLimit(driver, path, { arrayMode: 'multi' }))
    : []
  const store = options.store ? await openStoreSide(path) : undefined
  const first = limits[0]!
  return {
    path,
    store,
    limits,
    multiLimits,
    inputs: await inputsOf(context, size),
    ...(options.writes && { discard: () => first.discard?.() }),
    async close() {
      await store?.close()
      for (const side of [...limits, ...multiLimits]) await side.close()
      if (options.writes) for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
    }
  }
}

/** The contenders of an operation at one size: the store, then the limit's drivers. */
export function placeAll(size: SizeName, sides: SizeSides, withMulti: boolean): Placed[] {
  const { inputs, discard } = sides
  const placed: Placed[] = []
  if (sides.store) placed.push({ side: sides.store, size, inputs, discard })
  for (const side of [...sides.limits, ...(withMulti ? sides.multiLimits : [])])
    placed.push({ side, size, inputs, discard, limit: true })
  return placed
}
