/**
 * The benchmark's items, by number and name, with the data sets each one reads, whether it runs
 * the peers (whose packages `npm run bench` installs into bench/node_modules first) or the built
 * CLI (dist/, which `npm run bench` rebuilds when src/ changed).
 */
import type { Scenario, SizeName } from '../context.js'
import { cli } from './cli.js'
import { display } from './display.js'
import { feed } from './feed.js'
import { finds } from './finds.js'
import { memory } from './memory.js'
import { messages } from './messages.js'
import { peers } from './peers.js'
import { reads } from './reads.js'
import { remote } from './remote.js'
import { replica } from './replica.js'
import { soak } from './soak.js'
import { writes } from './writes.js'

export interface Item {
  name: string
  scenario: Scenario
  datasets: SizeName[]
  /** Uses the peers' packages (better-sqlite3 is one of the limit's drivers). */
  peer?: boolean
  /** Runs the built CLI. */
  build?: boolean
}

const ALL: SizeName[] = ['10k', '100k', '1m']

export const ITEMS: Record<number, Item> = {
  1: { name: 'reads', scenario: reads, datasets: ALL, peer: true },
  2: { name: 'writes', scenario: writes, datasets: ALL, peer: true },
  3: { name: 'finds', scenario: finds, datasets: ALL, peer: true },
  4: { name: 'display', scenario: display, datasets: ['1m'], peer: true },
  5: { name: 'peers', scenario: peers, datasets: ALL, peer: true },
  6: { name: 'memory', scenario: memory, datasets: ['1m'] },
  7: { name: 'remote', scenario: remote, datasets: ['10k'] },
  8: { name: 'replica', scenario: replica, datasets: ['10k'] },
  9: { name: 'cli', scenario: cli, datasets: ['10k'], build: true },
  10: { name: 'soak', scenario: soak, datasets: ['10k'], build: true },
  11: { name: 'feed', scenario: feed, datasets: ['10k'], build: true },
  // its own data sets of messages (messages-data.ts), built or found in the cache by the item
  12: { name: 'messages', scenario: messages, datasets: [], peer: true }
}

/** The items `--only` names (numbers or names, comma-separated); all of them without it. */
export function selectItems(only: string | undefined): number[] {
  const all = Object.keys(ITEMS).map(Number)
  if (!only) return all
  const wanted = only.split(',').map((w) => w.trim())
  const chosen = all.filter((n) => wanted.includes(String(n)) || wanted.includes(ITEMS[n]!.name))
  const unknown = wanted.filter((w) => !all.some((n) => w === String(n) || w === ITEMS[n]!.name))
  if (unknown.length)
    throw new Error(
      `--only: no item ${unknown.join(', ')} (items: ${all.map((n) => `${n} ${ITEMS[n]!.name}`).join(', ')})`
    )
  return chosen
}
