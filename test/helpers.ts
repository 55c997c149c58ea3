import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import type { Connection } from '../src/db/connection.js'
import { migrate } from '../src/db/migrate.js'
import type { AnyDefinition } from '../src/schema/collection.js'
import { openStore, type Store, type StoreOptions } from '../src/service/store.js'

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

/** A store (documents and services) on a fresh database file. */
export function openTempStore(options: StoreOptions = {}): Promise<Store> {
  return openStore({ url: tempDbUrl(), ...options })
}

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * Creates the tables of collection definitions that have no migration (test collections), next to
 * the store's own tables (the change feed's among them).
 */
export async function createTables(db: Connection, definitions: AnyDefinition[]): Promise<void> {
  await migrate(db)
  const { generateSQLiteDrizzleJson, generateSQLiteMigration } = await import('drizzle-kit/api')
  const tables = Object.fromEntries(definitions.map((d) => [d.name, d.table]))
  const statements = await generateSQLiteMigration(
    await generateSQLiteDrizzleJson({}),
    await generateSQLiteDrizzleJson(tables)
  )
  await db.batch(statements, 'write')
}
