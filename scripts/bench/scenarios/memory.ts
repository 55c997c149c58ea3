/**
 * Memory: peak RSS while paging through the 1M data set with find, and while creating
 * 200k sessions one by one through the service, each in a child process of its own. "Flat" is
 * the growth of RSS from a quarter of the run to its end: a leak grows with the work (the
 * driver's native statements cost 4-11 KiB each when nothing collects them), a bounded cache or
 * heap does not.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runChild } from '../child.js'
import type { Context, Scenario } from '../context.js'
import type { Result } from '../report.js'

const CHILD = fileURLToPath(new URL('../memory-child.ts', import.meta.url))
const PEAK_MIB = 300
/** Most RSS growth from 25% to 100% of a run that still counts as flat: a tenth of the budget. */
const FLAT_MIB = 30

interface ChildReport {
  peak: number
  checkpoints: number[]
}

function memoryResults(name: string, what: string, report: ChildReport): Result[] {
  const [quarter, , , end] = report.checkpoints
  return [
    {
      item: 6,
      name: `${name}_peak_rss_mib`,
      value: report.peak,
      unit: 'MiB',
      description: `peak RSS while ${what}`,
      target: { op: '<=', value: PEAK_MIB }
    },
    {
      item: 6,
      name: `${name}_rss_growth_mib`,
      value: end! - quarter!,
      unit: 'MiB',
      description: `RSS growth from 25% to 100% of the run while ${what} (RSS at 25/50/75/100%: ${report.checkpoints.map((c) => c.toFixed(0)).join(', ')} MiB)`,
      target: { op: '<=', value: FLAT_MIB }
    }
  ]
}

export const memory: Scenario = async (context: Context) => {
  const dataset = await context.dataset('1m')
  const creates = context.profile.memoryCreates
  context.log(`memory: paging through ${dataset.size} sessions`)
  const paging = await runChild<ChildReport>(CHILD, ['paging', dataset.path, String(dataset.size)])
  context.log(`memory: creating ${creates} sessions one by one`)
  const creating = await runChild<ChildReport>(CHILD, [
    'creates',
    join(context.workDir, 'memory-creates.db'),
    String(creates)
  ])
  context.note(
    `memory: paging = service find with { session_id: { $gt: last }, $sort: { session_id: 1 }, $limit: 500 } and paginate: false (keyset pages; $skip paging is quadratic); peak RSS = the child process's high-water mark (VmHWM)`
  )
  return [
    ...memoryResults(
      'find_paging_1m',
      `paging through ${dataset.size.toLocaleString('en')} sessions with find`,
      paging
    ),
    ...memoryResults('create_200k', `creating ${creates.toLocaleString('en')} sessions one by one`, creating)
  ]
}
