/**
 * What every scenario gets: the run's profile (sizes, rounds), a work folder for the files it
 * writes, and the data sets (built by the parent process before the scenarios run; read-only).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { OpCosts } from './costs.js'
import { type Dataset, keepInSystemCache, sessionsDataset } from './datasets.js'
import type { Result } from './report.js'
import type { TimingOptions } from './timing.js'

/** The data set sizes, by the name the issue gives them. */
export type SizeName = '10k' | '100k' | '1m'

export interface Profile {
  mode: 'quick' | 'full'
  sizes: Record<SizeName, number>
  /** For most operations: samples of a few milliseconds, and of ten operations at least. */
  timing: TimingOptions
  /** For slow operations (a full scan, a page with its count): one operation per sample. */
  slowTiming: TimingOptions
  /**
   * For writes: samples of many writes (tens of milliseconds), each starting with an empty WAL: it
   * is checkpointed between samples, untimed, for every side alike (see sides/limit.ts), so that
   * no side's sample pays for the pages another wrote.
   */
  writeTiming: TimingOptions
  /** Documents created one by one in the memory scenario (the issue: 200k). */
  memoryCreates: number
}

export const PROFILES: Record<Profile['mode'], Profile> = {
  full: {
    mode: 'full',
    sizes: { '10k': 10_000, '100k': 100_000, '1m': 1_000_000 },
    timing: { rounds: 101, sampleMs: 5, warmupMs: 300, minOps: 10 },
    slowTiming: { rounds: 31, sampleMs: 1, warmupMs: 300 },
    writeTiming: { rounds: 61, sampleMs: 40, warmupMs: 300 },
    memoryCreates: 200_000
  },
  quick: {
    mode: 'quick',
    sizes: { '10k': 2_000, '100k': 20_000, '1m': 200_000 },
    timing: { rounds: 61, sampleMs: 3, warmupMs: 150, minOps: 10 },
    slowTiming: { rounds: 15, sampleMs: 1, warmupMs: 150 },
    writeTiming: { rounds: 41, sampleMs: 20, warmupMs: 150 },
    memoryCreates: 20_000
  }
}

export class Context {
  readonly profile: Profile
  /** A folder for this scenario's own files, removed at the end. */
  readonly workDir = mkdtempSync(join(tmpdir(), 'agor-bench-'))
  readonly notes: string[] = []
  /** The operations measured at every size (for the charts and the peers' comparisons). */
  readonly costs: OpCosts[] = []
  readonly #datasets = new Map<SizeName, Promise<Dataset>>()

  constructor(profile: Profile) {
    this.profile = profile
  }

  log(line: string): void {
    process.stderr.write(`bench: ${line}\n`)
  }

  note(line: string): void {
    this.notes.push(line)
  }

  /** The sessions data set of a named size (from the cache; built there if it is missing). */
  dataset(size: SizeName): Promise<Dataset> {
    let dataset = this.#datasets.get(size)
    if (!dataset) {
      dataset = sessionsDataset(this.profile.sizes[size], { log: (l) => this.log(l) }).then((found) => {
        keepInSystemCache(found.path)
        return found
      })
      this.#datasets.set(size, dataset)
    }
    return dataset
  }

  close(): void {
    rmSync(this.workDir, { recursive: true, force: true })
  }
}

export type Scenario = (context: Context) => Promise<Result[]>
