// A daemon's clients receive every change made anywhere (the daemon itself, another store on the
// same file, a CLI without the daemon, an import, a cascade) exactly once and in seq order; the
// audit fields say who and how; connect() clients resume without loss after a dropped connection.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AgorClient, connect } from '../src/client.js'
import { type AgorServer, createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import type { Change } from '../src/store/feed.js'
import { importDatabase } from '../src/store/transfer.js'
import { agor } from './cli-helpers.js'
import { tempDbUrl, tempDir } from './helpers.js'
import { request, waitFor } from './transport-helpers.js'

const KEY = 'ci:0123456789abcdef0123'
const url = tempDbUrl()
let daemon: Store
let server: AgorServer
let other: Store
let raw: Socket
let follower: AgorClient
const rawChanges: Change[] = []
const rawDocs: { event: string; id: string }[] = []
const followed: { event: string; id: string }[] = []

beforeAll(async () => {
  daemon = await openStore({ url, auth: { apiKeys: [KEY, 'plain-key-0123456789'] } })
  server = await createServer(daemon, { host: '127.0.0.1', port: 0, feedInterval: 50 })
  other = await openStore({ url, auth: false })
  raw = io(server.url, { transports: ['websocket'], auth: { apiKey: 'plain-key-0123456789' } })
  raw.on('changes created', (change: Change) => rawChanges.push(change))
  for (const event of ['created', 'updated', 'patched', 'removed']) {
    raw.on(`sessions ${event}`, (doc: { session_id: string }) => rawDocs.push({ event, id: doc.session_id }))
    raw.on(`tasks ${event}`, (doc: { task_id: string }) => rawDocs.push({ event, id: doc.task_id }))
  }
  follower = connect(server.url, { apiKey: KEY.slice(3) })
  for (const event of ['created', 'updated', 'patched', 'removed'] as const) {
    follower.app.service('sessions').on(event, (doc) => followed.push({ event, id: doc.session_id }))
    follower.app.service('tasks').on(event, (doc) => followed.push({ event, id: doc.task_id }))
  }
  await new Promise<void>((resolve) => raw.once('connect', () => resolve()))
  await waitFor(() => follower.lastSeq !== undefined, 'the follower to start')
})

afterAll(async () => {
  raw.close()
  follower.close()
  await server.close()
  await daemon.close()
  await other.close()
})

/** The server's side of every socket: closing one drops the connection as a network would. */
function socketsOf(store: Store): { conn: { close(): void } }[] {
  const ioServer: { sockets: { sockets: Map<string, { conn: { close(): void } }> } } = Reflect.get(
    store.app,
    'io'
  )
  return [...ioServer.sockets.sockets.values()]
}

describe('a daemon on a file that others write too', () => {
  it('sends every change exactly once, in seq order, to every client, with who made it', async () => {
    const start = rawChanges.length
    const headers = { 'x-api-key': KEY.slice(3) }
    const viaRest = await request(server.url, 'POST', '/sessions', { agent: 'rest' }, headers)
    expect(viaRest.status).toBe(201)
    const viaOther = await other.service('sessions').create({ agent: 'other process' })
    const task = await other.service('tasks').create({ session_id: viaOther.session_id, description: 't' })
    expect(
      (
        await agor([
          '--db',
          url.slice(5),
          '--no-daemon',
          'session',
          'update',
          viaOther.session_id,
          '--title',
          'cli'
        ])
      ).code
    ).toBe(0)
    const dir = join(tempDir(), 'dump')
    mkdirSync(dir)
    const imported = {
      session_id: '0199b73d-0000-7000-8000-0000000000cc',
      status: 'idle',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
      agent: 'imported'
    }
    writeFileSync(join(dir, 'sessions.jsonl'), `${JSON.stringify(imported)}\n`)
    await importDatabase({ url }, dir)
    // a cascade: the session goes, and its task with it
    expect(
      (await request(server.url, 'DELETE', `/sessions/${viaOther.session_id}`, undefined, headers)).status
    ).toBe(200)

    const expected = [
      ['sessions', 'created', viaRest.body.session_id],
      ['sessions', 'created', viaOther.session_id],
      ['tasks', 'created', task.task_id],
      ['sessions', 'patched', viaOther.session_id],
      ['sessions', 'created', imported.session_id]
    ]
    await waitFor(() => rawChanges.length - start >= expected.length + 2, 'every change')
    const got = rawChanges.slice(start)
    expect(got.slice(0, expected.length).map((c) => [c.collection, c.event, c.id])).toEqual(expected)
    expect(
      got
        .slice(expected.length)
        .map((c) => `${c.collection} ${c.event}`)
        .toSorted()
    ).toEqual(['sessions removed', 'tasks removed'])
    const seqs = got.map((c) => c.seq)
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i))
    expect(got[0]).toMatchObject({ actor: 'ci', transport: 'rest' })
    expect(got[0]!.remote).toMatch(/127\.0\.0\.1/)
    expect(got[1]).toMatchObject({ actor: 'library', transport: 'library' })
    expect(got[3]).toMatchObject({ actor: 'cli', transport: 'cli', patch: { title: 'cli' } })
    expect(got[4]).toMatchObject({ actor: 'import' })
    expect(got.slice(5).every((c) => c.actor === 'ci')).toBe(true)

    // document events: one per change, in seq order, to plain clients and to connect()'s, the
    // daemon's own writes (the REST create and delete) included
    const wanted = got.map((c) => ({ event: c.event, id: c.id }))
    await waitFor(
      () => rawDocs.length >= wanted.length && followed.length >= wanted.length,
      'document events'
    )
    expect(rawDocs.map((f, i) => `${i} ${f.event} ${f.id}`)).toEqual(
      wanted.map((f, i) => `${i} ${f.event} ${f.id}`)
    )
    expect(followed.map((f, i) => `${i} ${f.event} ${f.id}`)).toEqual(
      wanted.map((f, i) => `${i} ${f.event} ${f.id}`)
    )
    // nothing more arrives: exactly once
    await request(server.url, 'GET', '/health')
    expect(rawChanges.length - start).toBe(wanted.length)
    expect(rawDocs.length).toBe(wanted.length)
  })

  it("a daemon's own write never overtakes an earlier one made elsewhere: a removal after its creation", async () => {
    const headers = { 'x-api-key': KEY.slice(3) }
    const start = rawDocs.length
    const ids: string[] = []
    for (let round = 0; round < 5; round++) {
      const made = await other.service('sessions').create({ agent: `race ${round}` })
      ids.push(made.session_id)
      expect(
        (await request(server.url, 'DELETE', `/sessions/${made.session_id}`, undefined, headers)).status
      ).toBe(200)
    }
    await waitFor(() => rawDocs.length >= start + 10, 'the events of five creates and deletes')
    expect(rawDocs.slice(start)).toEqual(
      ids.flatMap((id) => [
        { event: 'created', id },
        { event: 'removed', id }
      ])
    )
  })

  it('a write that commits and then fails on its way back still has its event', async () => {
    const start = rawDocs.length
    const failing = async () => {
      throw new Error('an after hook that fails')
    }
    daemon.service('boards').hooks({ after: { create: [failing] } })
    const changes = rawChanges.length
    await expect(daemon.service('sessions').create({ agent: 'before' })).resolves.toBeTruthy()
    const session = (
      await daemon.service('sessions').find({ paginate: false, query: { agent: 'before' } })
    )[0]!
    raw.on('boards created', (doc: { board_id: string }) =>
      rawDocs.push({ event: 'created', id: doc.board_id })
    )
    await expect(daemon.service('boards').create({ name: 'committed' })).rejects.toThrow()
    const stored = await other.service('boards').find({ paginate: false, query: { name: 'committed' } })
    expect(stored).toHaveLength(1)
    await waitFor(() => rawDocs.length >= start + 2, 'the events of both writes')
    expect(rawDocs.slice(start)).toEqual([
      { event: 'created', id: session.session_id },
      { event: 'created', id: stored[0]!.board_id }
    ])
    await waitFor(() => rawChanges.length >= changes + 2, 'both changes')
  })

  it('connect() clients get what they missed while disconnected, once, before what follows', async () => {
    const seen = followed.length
    const before = follower.lastSeq!
    for (const socket of socketsOf(daemon)) socket.conn.close()
    const missed = await other.service('sessions').create([{ agent: 'missed 1' }, { agent: 'missed 2' }])
    await waitFor(() => follower.lastSeq! >= before + 2, 'the missed changes after the reconnect', 20_000)
    const after = await other.service('sessions').create({ agent: 'after' })
    await waitFor(() => followed.length >= seen + 3, 'the change after the reconnect')
    expect(followed.slice(seen)).toEqual([
      { event: 'created', id: missed[0]!.session_id },
      { event: 'created', id: missed[1]!.session_id },
      { event: 'created', id: after.session_id }
    ])
  })
})
