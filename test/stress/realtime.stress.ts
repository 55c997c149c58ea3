import { describe, expect, it } from 'vitest'
import { runRealtimeLoad } from '../realtime-scenario.js'

describe('realtime under load (stress)', () => {
  it('50 clients receive all events of 5,000 writes, in order, while others reconnect', async () => {
    const { emitted, listeners } = await runRealtimeLoad({
      listeners: 50,
      flappers: 5,
      writesPerWriter: 1667
    })
    expect(emitted.length).toBeGreaterThanOrEqual(5000)
    for (const seen of listeners) expect(seen).toEqual(emitted)
  })
})
