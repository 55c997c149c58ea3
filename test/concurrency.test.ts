import { describe, expect, it } from 'vitest'
import { runConcurrentWriters } from './concurrency-scenario.js'

describe('concurrent writers on one database file', () => {
  it('a daemon and two processes: nothing lost, no busy errors, a clean check', async () => {
    const { reports, errors, stored, sharedIds, check } = await runConcurrentWriters(6)
    expect(errors).toEqual([])
    expect(check).toEqual({ integrity: 'ok', foreignKeyProblems: 0 })
    for (const report of reports) {
      expect(report.rounds, report.name).toBeGreaterThan(5)
      for (const id of report.kept) expect(stored.has(id), `${report.name} kept ${id}`).toBe(true)
      for (const id of report.deleted) expect(stored.has(id), `${report.name} deleted ${id}`).toBe(false)
    }
    // every writer's last patch of every shared document is there, next to the others'
    for (const id of sharedIds) {
      const context = stored.get(id)?.custom_context as Record<string, number>
      for (const report of reports) {
        if (report.patches[id] !== undefined)
          expect(context[report.name], `${report.name} on ${id}`).toBe(report.patches[id])
      }
    }
  })
})
