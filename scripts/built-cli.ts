/**
 * The built `agor` command, dist/cli/main.js, and whether it is older than what it is built from:
 * the tests and the benchmark run it as users do, and build it first when it is.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BUILT_CLI = join(ROOT, 'dist', 'cli', 'main.js')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** Whether dist/ is missing or older than a file of src/, tsconfig.json or package.json. */
export function cliNeedsBuild(): boolean {
  let built: number
  try {
    built = statSync(BUILT_CLI).mtimeMs
  } catch {
    return true
  }
  const inputs = Math.max(
    newestSource(join(ROOT, 'src')),
    statSync(join(ROOT, 'tsconfig.json')).mtimeMs,
    statSync(join(ROOT, 'package.json')).mtimeMs
  )
  return built < inputs
}
