/**
 * A daemon's memory under a long load: `agor serve` (the built CLI) on a copy of the 10k data set,
 * answering a long run of mixed REST requests from 32 concurrent clients (half gets by a short
 * id, a fifth finds on agent sorted by created_at, a fifth task creates, a tenth patches), as
 * the stress suite's soak does. Its RSS is read from /proc as it goes; the result is its peak (the
 * kernel's high-water mark, VmHWM). A full run makes 1,000,000 requests; a quick run makes fewer,
 * and reports them under their own name: nothing is extrapolated.
 */
import { readFileSync } from 'node:fs'
import type { Context, Scenario } from '../context.js'
import { startDaemon } from '../daemon.js'
import { AGENTS } from '../documents.js'
import { writableCopy } from '../placement.js'
import type { Result } from '../report.js'

const CONCURRENCY = 32
const REQUESTS = { full: 1_000_000, quick: 50_000 }

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1]) / 1024
}

const countName = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`)

export const soak: Scenario = async (context: Context): Promise<Result[]> => {
  const requests = REQUESTS[context.profile.mode]
  const path = await writableCopy(context, '10k', 'soak')
  const { prefix8, longPrefix } = (await context.dataset('10k')).samples
  const lookups = [...prefix8, ...longPrefix]
  const daemon = await startDaemon(path, context.workDir)
  const json = { 'content-type': 'application/json' }
  const samples: number[] = []
  let done = 0
  const failures = new Map<string, number>()
  const started = performance.now()
  try {
    const worker = async (w: number) => {
      for (let n = w; n < requests; n += CONCURRENCY) {
        const { id, prefix } = lookups[n % lookups.length]!
        const kind = n % 10
        const url = daemon.url
        const response =
          kind < 5
            ? await fetch(`${url}/sessions/${prefix}`)
            : kind < 7
              ? await fetch(
                  `${url}/sessions?agent=${AGENTS[n % AGENTS.length]}&$limit=5&$sort[created_at]=-1`
                )
              : kind < 9
                ? await fetch(`${url}/tasks`, {
                    method: 'POST',
                    headers: json,
                    body: JSON.stringify({ session_id: id, description: `task ${n}` })
                  })
                : await fetch(`${url}/sessions/${id}`, {
                    method: 'PATCH',
                    headers: json,
                    body: JSON.stringify({ git_state: { current_sha: n.toString(16).padStart(40, '0') } })
                  })
        await response.arrayBuffer()
        if (!response.ok) {
          const what = `${['get', 'find', 'task create', 'patch'][kind < 5 ? 0 : kind < 7 ? 1 : kind < 9 ? 2 : 3]} ${response.status}`
          failures.set(what, (failures.get(what) ?? 0) + 1)
        }
        done++
        if (done % Math.ceil(requests / 20) === 0) {
          samples.push(status(daemon.pid, 'VmRSS'))
          context.log(`soak: ${done} requests, RSS ${samples.at(-1)!.toFixed(0)} MiB`)
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)))
    const peak = status(daemon.pid, 'VmHWM')
    if (failures.size > 0) {
      const counts = [...failures].map(([what, count]) => `${count} ${what}`).join(', ')
      throw new Error(`soak: requests failed: ${counts}`)
    }
    const seconds = (performance.now() - started) / 1000
    const quarter = samples[Math.floor(samples.length / 4)]!
    const name = countName(requests)
    context.note(
      `soak: agor serve on a copy of the 10k data set, ${requests.toLocaleString('en')} requests from ${CONCURRENCY} clients in ${seconds.toFixed(0)} s; RSS every 5% (MiB): ${samples.map((s) => s.toFixed(0)).join(', ')}`
    )
    return [
      {
        item: 10,
        name: `rss_daemon_${name}_requests_mib`,
        value: peak,
        unit: 'MiB',
        description: `peak RSS (VmHWM) of agor serve over ${requests.toLocaleString('en')} mixed REST requests`,
        target: { op: '<=', value: 200 }
      },
      {
        item: 10,
        name: `rss_daemon_${name}_requests_growth_mib`,
        value: samples.at(-1)! - quarter,
        unit: 'MiB',
        description: `RSS growth of agor serve from 25% to 100% of ${requests.toLocaleString('en')} requests`
      }
    ]
  } finally {
    await daemon.stop()
  }
}
