/**
 * Counting the real thing: the statements a store sends to the driver (by wrapping its Connection)
 * and the HTTP requests a remote client sends to sqld (through a counting proxy on loopback).
 */
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Connection } from '../../src/db/connection.js'

export interface StatementCounter {
  /** Statements since the last reset: one per execute, one per statement of a batch. */
  readonly count: number
  reset(): void
  restore(): void
}

/** Counts the statements that go through `db` until `restore()`. */
export function countStatements(db: Connection): StatementCounter {
  let count = 0
  const execute = db.execute
  const batch = db.batch
  db.execute = (statement) => {
    count++
    return execute.call(db, statement)
  }
  db.batch = (statements, mode) => {
    count += statements.length
    return batch.call(db, statements, mode)
  }
  return {
    get count() {
      return count
    },
    reset() {
      count = 0
    },
    restore() {
      db.execute = execute
      db.batch = batch
    }
  }
}

export interface CountingProxy {
  /** The proxy's URL: give it to the client instead of the server's. */
  url: string
  /** Requests forwarded since the last reset. */
  readonly requests: number
  reset(): void
  close(): Promise<void>
}

/** An HTTP proxy on a free loopback port that forwards everything to `target` and counts requests. */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target)
  let requests = 0
  const server = createServer((incoming, outgoing) => {
    requests++
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(outgoing)
      }
    )
    forward.on('error', () => {
      outgoing.writeHead(502)
      outgoing.end()
    })
    incoming.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests
    },
    reset() {
      requests = 0
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
