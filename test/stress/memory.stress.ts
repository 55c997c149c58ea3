// A daemon that serves a long run of mixed requests keeps a flat RSS.
// AGOR_SOAK_REQUESTS sets the number of requests (default 1,000,000).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runFixture, stop } from '../crash-helpers.js'
import { tempDir } from '../helpers.js'

const REQUESTS = Number(process.env.AGOR_SOAK_REQUESTS ?? 1_000_000)
const CONCURRENCY = 32

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024
}

describe('daemon memory (stress)', () => {
  it(`stays flat over ${REQUESTS} mixed requests`, async () => {
    const child = runFixture('test/fixtures/serve.ts', [join(tempDir(), 'soak.db')])
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        const match = /listening (\S+)/.exec(String(chunk))
        if (match) resolve(match[1]!)
      })
      child.once('exit', (code) => reject(new Error(`daemon exited ${code}`)))
    })
    const pid = child.pid!
    try {
      const json = { 'content-type': 'application/json' }
      const ids: string[] = []
      for (let i = 0; i < 200; i++) {
        const response = await fetch(`${url}/sessions`, {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ agent: 'soak' })
        })
        ids.push(((await response.json()) as { session_id: string }).session_id)
      }
      // the short ids the store prints: a fixed-length prefix of ids made in one burst may name two
      const shortIds = (await (
        await fetch(`${url}/sessions`, {
          method: 'POST',
          headers: { ...json, 'x-service-method': 'shortIds' },
          body: JSON.stringify({ ids })
        })
      ).json()) as string[]
      expect(shortIds).toHaveLength(ids.length)
      const samples: { done: number; rss: number }[] = []
      let done = 0
      let failures = 0
      const started = Date.now()
      const worker = async (w: number) => {
        for (let n = w; n < REQUESTS; n += CONCURRENCY) {
          const id = ids[n % ids.length]!
          const kind = n % 10
          const response =
            kind < 5
              ? await fetch(`${url}/sessions/${shortIds[n % ids.length]}`)
              : kind < 7
                ? await fetch(`${url}/sessions?agent=soak&$limit=5&$sort[created_at]=-1`)
                : kind < 9
                  ? await fetch(`${url}/tasks`, {
                      method: 'POST',
                      headers: json,
                      body: JSON.stringify({ session_id: id, description: `t${n}` })
                    })
                  : await fetch(`${url}/sessions/${id}`, {
                      method: 'PATCH',
                      headers: json,
                      body: JSON.stringify({ title: `n${n}` })
                    })
          await response.arrayBuffer()
          if (!response.ok) failures++
          done++
          if (done % Math.ceil(REQUESTS / 20) === 0) samples.push({ done, rss: rssMiB(pid) })
        }
      }
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)))
      const seconds = (Date.now() - started) / 1000
      const quarter = samples[Math.floor(samples.length / 4)]!
      const last = samples.at(-1)!
      const peak = Math.max(...samples.map((s) => s.rss))
      console.log(
        `soak: ${REQUESTS} requests in ${seconds.toFixed(0)} s (${(REQUESTS / seconds).toFixed(0)}/s); RSS MiB at`,
        samples.map((s) => `${s.done}:${s.rss.toFixed(0)}`).join(' '),
        `peak ${peak.toFixed(0)}`
      )
      expect(failures).toBe(0)
      expect(peak).toBeLessThan(300)
      // flat: after warm-up, growth over the remaining three quarters stays small
      expect(last.rss - quarter.rss).toBeLessThan(40)
    } finally {
      await stop(child, 'SIGTERM')
    }
  })
})
