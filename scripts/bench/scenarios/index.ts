/**
 * The items, in its order, with the data sets each one reads, and whether it runs the knex
 * peer (whose packages `npm run bench` installs into bench/node_modules first).
 */
import type { Scenario, SizeName } from '../context.js'
import { create } from './create.js'
import { display } from './display.js'
import { gets } from './gets.js'
import { jsonFind } from './json-find.js'
import { memory } from './memory.js'
import { remote } from './remote.js'
import { resolution } from './resolution.js'

export const ITEMS: Record<number, { scenario: Scenario; datasets: SizeName[]; peer?: boolean }> = {
  1: { scenario: resolution, datasets: ['10k', '100k', '1m'] },
  2: { scenario: create, datasets: [], peer: true },
  3: {
    scenario: async (context) => [...(await gets(context)), ...(await jsonFind(context))],
    datasets: ['100k', '1m'],
    peer: true
  },
  4: { scenario: display, datasets: ['1m'] },
  5: { scenario: memory, datasets: ['1m'] },
  6: { scenario: remote, datasets: ['10k'] }
}
