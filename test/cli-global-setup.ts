// Builds dist/ once before the test run when the CLI tests need it and it is older than the source:
// they run the CLI as a real subprocess, `node dist/cli/main.js`, as users do. Makes the migrated
// database that tempDb() copies.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { openDatabase } from '../src/store/database.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const cli = join(root, 'dist', 'cli', 'main.js')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

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
  buildCli()
  const template = await templateDatabase()
  project.provide('templateDatabase', template)
  return () => rmSync(dirname(template), { recursive: true, force: true })
}

function buildCli(): void {
  const inputs = Math.max(
    newestSource(join(root, 'src')),
    statSync(join(root, 'tsconfig.json')).mtimeMs,
    statSync(join(root, 'package.json')).mtimeMs
  )
  if (existsSync(cli) && statSync(cli).mtimeMs >= inputs) return
  try {
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
      cwd: root,
      stdio: 'pipe'
    })
  } catch (error) {
    // tsc still writes dist/ on type errors; the CLI tests show whether what it wrote works
    const output = String((error as { stdout?: Buffer }).stdout ?? '')
    console.warn(`tsc reported errors while building dist/ for the CLI tests:\n${output}`)
  }
  chmodSync(cli, 0o755)
}
