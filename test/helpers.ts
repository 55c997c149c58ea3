import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Libsql from 'libsql'
import { afterAll } from 'vitest'
import type { Connection } from '../src/db/connection.js'
import { localMigrations, migrate } from '../src/db/migrate.js'
import type { AnyDefinition } from '../src/schema/collection.js'
import { collections } from '../src/schema/index.js'
import { openStore, type Store, type StoreOptions } from '../src/service/store.js'
import { writeViews } from '../src/store/write-views.js'

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
  // a collection writes through its views (the registry's are made when a store opens)
  const views = definitions.flatMap((d) => writeViews(d).map((v) => v.sql))
  await db.batch([...statements, ...views], 'write')
}

/** The collections these tests were written for; the README's recipe can add others. */
const BASE_COLLECTIONS = new Set(['sessions', 'tasks', 'boards', 'repos'])
const OTHER_COLLECTIONS = Object.keys(collections)
  .filter((name) => !BASE_COLLECTIONS.has(name))
  .map((name) => name.replaceAll('_', ' '))

/**
 * Counts as the CLI prints them, without the zero counts of collections added to the registry
 * after these tests were written: `Exported 1 session, 0 widgets to x` → `Exported 1 session to x`.
 * A non-zero count of another collection stays, and fails the comparison.
 */
export function baseCounts(text: string): string {
  let out = text
  for (const name of OTHER_COLLECTIONS)
    out = out.replaceAll(new RegExp(`(, 0 ${name}\\b|\\b0 ${name}, )`, 'g'), '')
  return out
}

/** A map of counts per collection without the zero entries of collections added later. */
export function baseCountMap(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).filter(([name, n]) => BASE_COLLECTIONS.has(name) || n !== 0)
  )
}

/** The files of an export: a manifest and one file per collection of the registry. */
export const EXPORT_FILES = [
  'manifest.json',
  ...Object.keys(collections).map((name) => `${name}.jsonl`)
].sort()

/**
 * A database file as the version of migration 0003 (before the change feed's write views) left it,
 * with `setup` run on it first (rows of the time written by hand).
 */
export function legacyDatabase(setup: (db: InstanceType<typeof Libsql>) => void = () => {}): string {
  const path = join(tempDir(), 'legacy.db')
  const db = new Libsql(path)
  db.exec(
    'CREATE TABLE "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)'
  )
  for (const migration of localMigrations().filter((m) => m.tag <= '0003')) {
    for (const sql of migration.sql) if (sql.trim()) db.exec(sql)
    db.prepare('INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)').run(
      migration.hash,
      migration.folderMillis
    )
  }
  setup(db)
  db.close()
  return path
}
