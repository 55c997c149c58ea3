import { describe, expect, it } from 'vitest'
import { runRealtimeLoad } from './realtime-scenario.js'

describe('realtime under load', () => {
  it('every listener receives every event in the order the server emitted it, despite flapping clients', async () => {
    const { emitted, listeners, reconnects } = await runRealtimeLoad({
      listeners: 12,
      flappers: 3,
      writesPerWriter: 60
    })
    // creates, patches and removes from three writers
    expect(emitted.length).toBeGreaterThan(3 * 60)
    for (const seen of listeners) expect(seen).toEqual(emitted)
    // each writer's writes are seen in the order it made them
    for (const writer of ['socket', 'rest', 'local']) {
      const seqs = emitted.filter((e) => e.writer === writer && e.event !== 'removed').map((e) => e.seq)
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    }
    expect(reconnects.every((n) => n >= 1)).toBe(true)
  })
})
