// A real sqld per test file, and stores on it (remote or replica) that are closed at the end.
import { afterAll, beforeAll } from 'vitest'
import { type Sqld, type SqldOptions, startSqld } from '../scripts/sqld.js'
import { type SqldKeys, sqldKeys } from '../scripts/sqld-token.js'
import { log } from '../src/log.js'
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
  const original = log.warn
  beforeAll(() => {
    log.warn = (message) => warnings.push(message)
  })
  afterAll(() => {
    log.warn = original
  })
  return warnings
}
