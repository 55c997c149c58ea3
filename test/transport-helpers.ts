// connect as library users get it, from the package's entry
import { type AgorClient, connect, type Transport } from '../src/index.js'
import { type AgorServer, createServer } from '../src/service/server.js'
import type { Store } from '../src/service/store.js'
import { openTempStore } from './helpers.js'

export interface Served {
  store: Store
  server: AgorServer
  client(transport?: Transport): Promise<AgorClient>
  http(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>
  close(): Promise<void>
}

export interface HttpResult {
  status: number
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, asserted on field by field
  body: any
  text: string
}

/** An HTTP request with a JSON body (or a raw string body) and its parsed JSON answer. */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<HttpResult> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  })
  const text = await response.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  return { status: response.status, body: parsed, text }
}

/** A store on a fresh file, served on a free loopback port, with clients that are closed at the end. */
export async function serve(): Promise<Served> {
  const store = await openTempStore()
  const server = await createServer(store, { host: '127.0.0.1', port: 0 })
  const clients: AgorClient[] = []
  return {
    store,
    server,
    async client(transport = 'socketio') {
      const client = connect(server.url, { transport })
      clients.push(client)
      if (transport === 'socketio') await client.app.service('sessions').find({ query: { $limit: 0 } })
      return client
    },
    http: (method, path, body, headers) => request(server.url, method, path, body, headers),
    async close() {
      for (const c of clients) c.close()
      await server.close()
      await store.close()
    }
  }
}

/** Waits until `condition` holds, polling; fails after `timeout` ms with `what`. */
export async function waitFor(condition: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeout) throw new Error(`Timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Records the events a service emits. */
export function record(
  service: { on(event: string, listener: (data: unknown) => void): unknown },
  events = ['created', 'updated', 'patched', 'removed']
) {
  const seen: { event: string; data: Record<string, unknown> }[] = []
  for (const event of events)
    service.on(event, (data) => seen.push({ event, data: data as Record<string, unknown> }))
  return seen
}
