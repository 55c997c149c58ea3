// A real sqld per test file, stores on it (remote or replica), and an HTTP proxy that counts the
// requests a store sends to it.
import { createServer as createHttpServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll } from 'vitest'
import { type Sqld, type SqldOptions, startSqld } from '../scripts/sqld.js'
import { type SqldKeys, sqldKeys } from '../scripts/sqld-token.js'
import { databaseLog } from '../src/db/replica.js'
import { openStore, type Store, type StoreOptions } from '../src/service/store.js'
import { tempDbUrl, tempDir } from './helpers.js'

/** A sqld for the tests of one file, and stores on it that are closed when the file ends. */
export class TestSqld {
  /** The running server (set in beforeAll). */
  server!: Sqld
  /** Token signer, when started with `auth: true`. */
  keys!: SqldKeys
  readonly #stores: Store[] = []

  /** A store on the server: remote (its URL) unless `options` say otherwise. */
  open(options: StoreOptions = {}): Promise<Store> {
    return this.#track(openStore({ url: this.server.url, ...options }))
  }

  /** A new embedded replica of the server in a new temp file, without background syncs. */
  replica(options: StoreOptions = {}): Promise<Store> {
    return this.#track(
      openStore({ url: tempDbUrl('replica.db'), syncUrl: this.server.url, syncInterval: 0, ...options })
    )
  }

  async closeAll(): Promise<void> {
    for (const store of this.#stores.splice(0)) await store.close()
  }

  async #track(opening: Promise<Store>): Promise<Store> {
    const store = await opening
    this.#stores.push(store)
    return store
  }
}

/** Starts sqld before the file's tests (with a JWT key when `auth`) and stops it after them. */
export function useSqld(options: { auth?: boolean } & SqldOptions = {}): TestSqld {
  const sqld = new TestSqld()
  beforeAll(async () => {
    if (options.auth) sqld.keys = sqldKeys(tempDir())
    sqld.server = await startSqld({ ...options, jwtKeyFile: sqld.keys?.publicKeyFile })
  })
  afterAll(async () => {
    await sqld.closeAll()
    await sqld.server?.stop()
  })
  return sqld
}

/** Polls `probe` until it resolves; fails with `what` after `timeout` ms. */
export async function eventually<T>(probe: () => Promise<T>, what: string, timeout = 15_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    try {
      return await probe()
    } catch (error) {
      if (Date.now() - start > timeout) throw new Error(`Timed out waiting for ${what}: ${error}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

/** Collects the database layer's warnings instead of printing them. */
export function captureWarnings(): string[] {
  const warnings: string[] = []
  const original = databaseLog.warn
  beforeAll(() => {
    databaseLog.warn = (message) => warnings.push(message)
  })
  afterAll(() => {
    databaseLog.warn = original
  })
  return warnings
}

export interface CountingProxy {
  /** `http://127.0.0.1:<port>`: use it as the database URL. */
  url: string
  /** The requests since the last `reset()`, as `METHOD /path`. */
  requests: string[]
  reset(): void
  close(): Promise<void>
}

/** An HTTP proxy in front of `target` that records every request it forwards. */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target)
  const requests: string[] = []
  const server = createHttpServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset: () => {
      requests.length = 0
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
