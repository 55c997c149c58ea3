// Two daemons on two embedded replicas of one primary (a real sqld): the clients of each receive
// every change made through either daemon or straight on the primary, exactly once, in seq order.
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AgorServer, createServer } from '../src/service/server.js'
import type { Store } from '../src/service/store.js'
import type { Change } from '../src/store/feed.js'
import { useSqld } from './sqld-helpers.js'
import { request, waitFor } from './transport-helpers.js'

const sqld = useSqld()
const daemons: { store: Store; server: AgorServer; socket: Socket; changes: Change[] }[] = []

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const store = await sqld.replica({ auth: false })
    const server = await createServer(store, { host: '127.0.0.1', port: 0, feedInterval: 100 })
    const socket = io(server.url, { transports: ['websocket'] })
    const changes: Change[] = []
    socket.on('changes created', (change: Change) => changes.push(change))
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    daemons.push({ store, server, socket, changes })
  }
})

afterAll(async () => {
  for (const { socket, server } of daemons) {
    socket.close()
    await server.close()
  }
})

describe('two daemons on two replicas of one primary', () => {
  it('send every change to the clients of both, once each, in seq order', async () => {
    const [a, b] = daemons as [(typeof daemons)[0], (typeof daemons)[0]]
    const primary = await sqld.open({ auth: false })
    const viaA = await request(a.server.url, 'POST', '/sessions', { agent: 'through a' })
    const viaB = await request(b.server.url, 'POST', '/sessions', [
      { agent: 'through b 1' },
      { agent: 'through b 2' }
    ])
    const direct = await primary.service('sessions').create({ agent: 'on the primary' })
    expect([viaA.status, viaB.status]).toEqual([201, 201])
    // a replica writes what its copy has: each waits to have seen the others' creates
    for (const daemon of daemons)
      await waitFor(() => daemon.changes.length >= 4, 'four creates on every daemon', 20_000)
    const patched = await request(a.server.url, 'PATCH', `/sessions/${viaB.body[0].session_id}`, {
      title: 'through a'
    })
    const removed = await request(b.server.url, 'DELETE', `/sessions/${direct.session_id}`)
    expect([patched.status, removed.status]).toEqual([200, 200])
    const ids = [viaA.body.session_id, viaB.body[0].session_id, viaB.body[1].session_id, direct.session_id]
    for (const daemon of daemons) {
      await waitFor(
        () => daemon.changes.length >= 6,
        `six changes on every daemon (${daemons.map((d) => d.changes.length)})`,
        20_000
      )
    }
    for (const daemon of daemons) {
      const seqs = daemon.changes.map((c) => c.seq)
      expect(seqs).toEqual(seqs.toSorted((x, y) => x - y))
      expect(new Set(seqs).size).toBe(seqs.length)
      expect(daemon.changes.map((c) => c.id).toSorted()).toEqual(
        [...ids, viaB.body[0].session_id, direct.session_id].toSorted()
      )
    }
    // the same changes, with the same seqs: one order for every writer of the primary
    expect(a.changes).toEqual(b.changes)
  })
})
