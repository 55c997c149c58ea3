import { describe, expect, it } from 'vitest'
import { runConcurrentWriters } from '../concurrency-scenario.js'

describe('concurrent writers (stress)', () => {
  it('a daemon and two processes for 30 s: nothing lost, no busy errors, a clean check', async () => {
    const { reports, errors, stored, sharedIds, check } = await runConcurrentWriters(30)
    console.log(`writers: ${reports.map((r) => `${r.name} ${r.rounds} rounds`).join(', ')}`)
    expect(errors).toEqual([])
    expect(check).toEqual({ integrity: 'ok', foreignKeyProblems: 0 })
    for (const report of reports) {
      for (const id of report.kept) expect(stored.has(id)).toBe(true)
      for (const id of report.deleted) expect(stored.has(id)).toBe(false)
    }
    for (const id of sharedIds) {
      const context = stored.get(id)?.custom_context as Record<string, number>
      for (const report of reports) {
        if (report.patches[id] !== undefined) expect(context[report.name]).toBe(report.patches[id])
      }
    }
  })
})
