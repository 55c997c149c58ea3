// Builds dist/ once before the test run when the CLI tests need it and it is older than the source:
// they run the CLI as a real subprocess, `node dist/cli/main.cjs` (which runs the bundle), as users do. Makes the migrated
// database that tempDb() copies.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { bundleCli, cliNeedsBuild, ROOT } from '../scripts/built-cli.js'
import { openDatabase } from '../src/store/database.js'

/**
 * A database with every migration applied, which tempDb() copies: a command given an empty file
 * refuses it as no database, like a missing one.
 */
async function templateDatabase(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'agor-template-')), 'agor.db')
  const database = await openDatabase({ url: path })
  // everything into the main file: tempDb() copies that file alone
  await database.connection.execute('PRAGMA wal_checkpoint(TRUNCATE)')
  database.close()
  return path
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  await buildCli()
  const template = await templateDatabase()
  project.provide('templateDatabase', template)
  return () => rmSync(dirname(template), { recursive: true, force: true })
}

async function buildCli(): Promise<void> {
  if (!cliNeedsBuild()) return
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
      cwd: ROOT,
      stdio: 'pipe'
    })
  } catch (error) {
    // tsc still writes dist/ on type errors; the CLI tests show whether what it wrote works
    const output = String((error as { stdout?: Buffer }).stdout ?? '')
    console.warn(`tsc reported errors while building dist/ for the CLI tests:\n${output}`)
  }
  await bundleCli()
}
