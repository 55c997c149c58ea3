#!/usr/bin/env node
/**
 * The `agor` executable (package.json "bin"). It runs the CLI as one bundled file,
 * dist/cli/agor.cjs (`npm run build` makes it from run.ts), with V8's code cache of it kept next to
 * it: a command's own work takes milliseconds, and loading hundreds of modules, compiling each,
 * cost several times that. The build writes the cache (scripts/built-cli.ts); one that is missing or
 * that Node refuses (another version) is written again after the command, best effort (a folder
 * that cannot be written only goes without), but not by a run with Node flags of its own (a
 * profile, a debugger): Node would refuse its cache in every ordinary run.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { Script } from 'node:vm'

const BUNDLE = fileURLToPath(new URL('./agor.cjs', import.meta.url))
const CACHE = `${BUNDLE}.cache`

type Entry = { main(argv: readonly string[]): Promise<number> }
type Wrapper = (
  exports: object,
  require: NodeJS.Require,
  module: { exports: object },
  ...paths: string[]
) => void

function readCache(): Buffer | undefined {
  try {
    return readFileSync(CACHE)
  } catch {
    return undefined
  }
}

function writeCache(script: Script): void {
  const temporary = `${CACHE}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, script.createCachedData())
    renameSync(temporary, CACHE)
  } catch {
    rmSync(temporary, { force: true })
  }
}

const cachedData = readCache()
// the bundle is CommonJS, wrapped as Node wraps a module
const script = new Script(
  `(function (exports, require, module, __filename, __dirname) {${readFileSync(BUNDLE, 'utf8')}\n})`,
  { filename: BUNDLE, cachedData }
)
const wrapper: Wrapper = script.runInThisContext()
const module: { exports: Partial<Entry> } = { exports: {} }
wrapper(module.exports, createRequire(BUNDLE), module, BUNDLE, fileURLToPath(new URL('.', import.meta.url)))
if (!module.exports.main) throw new Error(`${BUNDLE} has no main(): run npm run build`)
const code = await module.exports.main(process.argv)
// AGOR_CODE_CACHE=refresh (the build's warm-up) adds what this command compiled to the cache
const stale = !cachedData || script.cachedDataRejected
if ((stale && process.execArgv.length === 0) || process.env.AGOR_CODE_CACHE === 'refresh') writeCache(script)
process.exit(code)
