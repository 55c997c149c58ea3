// Events go on after what could have stopped them: a daemon whose tail fell behind the feed's
// retention skips what was pruned (and connect() clients hear that they missed something), and a
// connect() client whose catch-up read fails tries again instead of going silent.

import { GeneralError } from '@feathersjs/errors'
import type { HookContext } from '@feathersjs/feathers'
import { io, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { type AgorClient, connect } from '../src/client.js'
import { type AgorServer, createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import { Feed } from '../src/store/feed.js'
import { tempDbUrl } from './helpers.js'
import { waitFor } from './transport-helpers.js'

const cleanup: (() => unknown)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

/** A daemon on a new file, another store on the same file, a plain socket and a connect() client. */
async function setup(feedInterval: number) {
  const url = tempDbUrl()
  const daemon = await openStore({ url, auth: false })
  const server: AgorServer = await createServer(daemon, { host: '127.0.0.1', port: 0, feedInterval })
  const other: Store = await openStore({ url, auth: false })
  const raw: Socket = io(server.url, { transports: ['websocket'] })
  const plain: string[] = []
  raw.on('sessions created', (doc: { agent: string }) => plain.push(doc.agent))
  let gone = 0
  const follower: AgorClient = connect(server.url, { onGone: () => gone++ })
  const followed: string[] = []
  follower.app.service('sessions').on('created', (doc) => followed.push(doc.agent))
  cleanup.push(
    () => daemon.close(),
    () => other.close(),
    () => server.close(),
    () => raw.close(),
    () => follower.close()
  )
  await new Promise<void>((resolve) => raw.once('connect', () => resolve()))
  await waitFor(() => follower.lastSeq !== undefined, 'the follower to start')
  return { daemon, server, other, plain, followed, follower, gone: () => gone }
}

describe('the change feed when a reader falls behind or a read fails', () => {
  it('a daemon whose tail fell behind the retention skips what was pruned and goes on sending events', async () => {
    // a tail that looks only when its own services write: the other store's writes wait for it
    const { daemon, other, plain, followed, gone } = await setup(3_600_000)
    await other.service('sessions').create(Array.from({ length: 10 }, (_, i) => ({ agent: `unseen ${i}` })))
    expect(await new Feed(other.database.connection).prune({ keep: 3 })).toBeGreaterThan(0)

    await daemon.service('sessions').create({ agent: 'after the prune' })
    await waitFor(
      () => plain.includes('after the prune'),
      'the plain client to get the write after the prune'
    )
    // the three changes still kept come first, in seq order; the pruned ones are gone
    expect(plain).toEqual(['unseen 7', 'unseen 8', 'unseen 9', 'after the prune'])
    await waitFor(() => gone() === 1, "the connect() client's onGone")
    await daemon.service('sessions').create({ agent: 'and after that' })
    await waitFor(() => followed.includes('and after that'), 'the connect() client to go on')
    expect(followed.at(-1)).toBe('and after that')
    expect(plain.at(-1)).toBe('and after that')
  })

  it('a connect() client whose catch-up read fails tries again, and gets what it missed', async () => {
    const { daemon, other, followed } = await setup(50)
    let failures = 0
    const unavailable = async (context: HookContext) => {
      if (context.params.provider && failures < 3) {
        failures++
        throw new GeneralError('the database did not answer in time')
      }
    }
    daemon.app.service('changes').hooks({ before: { find: [unavailable] } })
    const sockets: { sockets: Map<string, { conn: { close(): void } }> } = Reflect.get(
      daemon.app,
      'io'
    ).sockets
    for (const socket of sockets.sockets.values()) socket.conn.close()
    await other.service('sessions').create({ agent: 'missed' })
    await waitFor(() => failures === 3, 'three failed catch-up reads')
    await waitFor(() => followed.includes('missed'), 'the missed change after the reads fail', 20_000)
    await other.service('sessions').create({ agent: 'live' })
    await waitFor(() => followed.includes('live'), 'the next change')
    expect(followed).toEqual(['missed', 'live'])
  })
})
