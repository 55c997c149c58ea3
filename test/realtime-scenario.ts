import { type AgorClient, connect } from '../src/client.js'
import { type Served, serve, waitFor } from './transport-helpers.js'

export interface RealtimeLoad {
  listeners: number
  /** Clients that disconnect and reconnect during the run. */
  flappers: number
  /** Writes per writer; there are three writers (socket.io, REST, in-process). */
  writesPerWriter: number
}

type Seen = { event: string; id: string; writer: string; seq: number }

/**
 * Runs writers against a served store while socket clients listen, and returns what the server
 * emitted and what each steady listener received.
 */
export async function runRealtimeLoad(load: RealtimeLoad) {
  const served: Served = await serve()
  const clients: AgorClient[] = []
  try {
    const emitted: Seen[] = []
    const serverBoards = served.store.service('boards')
    for (const event of ['created', 'patched', 'removed'] as const) {
      serverBoards.on(event, (doc: { board_id: string; name: string; icon?: string | null }) => {
        const [writer, seq] = doc.name.split(':')
        emitted.push({ event, id: doc.board_id, writer: writer!, seq: Number(seq) })
      })
    }
    const listen = (client: AgorClient) => {
      const seen: Seen[] = []
      for (const event of ['created', 'patched', 'removed'] as const) {
        client.app.service('boards').on(event, (doc) => {
          const [writer, seq] = doc.name.split(':')
          seen.push({ event, id: doc.board_id, writer: writer!, seq: Number(seq) })
        })
      }
      return seen
    }
    const listeners = await Promise.all(
      Array.from({ length: load.listeners }, async () => {
        const client = connect(served.server.url)
        clients.push(client)
        await client.app.service('boards').find({ query: { $limit: 0 } })
        return listen(client)
      })
    )

    let running = true
    const flapping = Array.from({ length: load.flappers }, async (_, i) => {
      let reconnects = 0
      while (running) {
        const client = connect(served.server.url)
        listen(client)
        await client.app.service('boards').find({ query: { $limit: 0 } })
        await new Promise((resolve) => setTimeout(resolve, 20 + i * 7))
        client.close()
        reconnects++
      }
      return reconnects
    })

    const writer = connect(served.server.url)
    const restWriter = connect(served.server.url, { transport: 'rest' })
    clients.push(writer, restWriter)
    const services = {
      socket: writer.app.service('boards'),
      rest: restWriter.app.service('boards'),
      local: served.store.service('boards')
    }
    await Promise.all(
      Object.entries(services).map(async ([name, service]) => {
        for (let seq = 0; seq < load.writesPerWriter; seq++) {
          const label = `${name}:${seq}`
          if (seq % 5 === 4) {
            const [doomed] = (await service.find({ query: { name: `${name}:${seq - 1}` } })).data
            if (doomed) await service.remove(doomed.board_id)
            await service.create({ name: label })
          } else if (seq % 3 === 2) {
            const created = await service.create({ name: label })
            await service.patch(created.board_id, { icon: 'star', name: label })
          } else {
            await service.create({ name: label })
          }
        }
      })
    )
    running = false
    const reconnects = await Promise.all(flapping)
    await waitFor(
      () => listeners.every((seen) => seen.length >= emitted.length),
      `every listener to receive all ${emitted.length} events`,
      60_000
    )
    await new Promise((resolve) => setTimeout(resolve, 100))
    return { emitted, listeners, reconnects }
  } finally {
    for (const client of clients) client.close()
    await served.close()
  }
}
