import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { openStore, type Store, type StoreOptions } from '../src/store/store.js'

const dirs: string[] = []

/** A new empty folder, removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agor-test-'))
  dirs.push(dir)
  return dir
}

/** A `file:` URL of a database file that does not exist yet. */
export function tempDbUrl(name = 'agor.db'): string {
  return `file:${join(tempDir(), name)}`
}

/** A store on a fresh database file. */
export function openTempStore(options: StoreOptions = {}): Promise<Store> {
  return openStore({ url: tempDbUrl(), ...options })
}

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
