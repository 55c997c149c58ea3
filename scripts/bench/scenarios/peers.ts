/**
 * The peers: knex + better-sqlite3 (the usual Feathers SQL stack), @libsql/client (the driver a
 * libSQL user reaches for first) and NeDB (an embedded document store), each doing every operation
 * at every size in a process of its own (peer-child.ts), against the same limit as the store.
 */
import { fileURLToPath } from 'node:url'
import { runChild } from '../child.js'
import type { Context, Scenario } from '../context.js'
import type { OpCosts } from '../costs.js'
import { OP_TITLES, type OpName } from '../matrix.js'
import type { Result } from '../report.js'
import { limitResults } from '../targets.js'

const CHILD = fileURLToPath(new URL('../peer-child.ts', import.meta.url))

/** Each peer: its process's name, its side's label, and its results' prefix. */
export const PEERS = [
  { child: 'knex', label: 'knex', key: 'knex' },
  { child: 'libsql-client', label: '@libsql/client', key: 'libsql_client' },
  { child: 'nedb', label: 'NeDB', key: 'nedb' }
] as const

export const peers: Scenario = async (context: Context) => {
  const results: Result[] = []
  for (const peer of PEERS) {
    context.log(`peers: ${peer.label}`)
    const output = await runChild<{ costs: OpCosts[]; notes: string[] }>(CHILD, [
      peer.child,
      context.profile.mode
    ])
    context.costs.push(...output.costs)
    for (const note of output.notes) context.note(note)
    for (const costs of output.costs) {
      const title = OP_TITLES[costs.op as OpName]
      results.push(
        ...limitResults(5, `${peer.key}_${costs.op}_vs_limit`, `${peer.label} ${title}`, costs, peer.label)
      )
    }
  }
  return results
}
