#!/usr/bin/env node
/**
 * The `agor` executable (package.json "bin"). It runs the CLI as one bundled file,
 * dist/cli/agor.cjs (`npm run build` makes it from run.ts), with V8's code cache of it kept next to
 * it: a command's own work takes milliseconds, and loading hundreds of modules, compiling each,
 * cost several times that. The build writes the cache (scripts/built-cli.ts); one that is missing or
 * that Node refuses (another version) is written again after the command, best effort (a folder
 * that cannot be written only goes without), but not by a run with Node flags of its own (a
 * profile, a debugger): Node would refuse its cache in every ordinary run.
 *
 * This file is CommonJS (main.cjs): Node starts a CommonJS entry with the loader its bootstrap has
 * already set up, and an ES module entry only after building its ES module loader, which cost
 * about 5 ms of CPU time, a tenth of a command's.
 */
import fs = require('node:fs')
import nodeModule = require('node:module')
import path = require('node:path')
import vm = require('node:vm')

const BUNDLE = path.join(__dirname, 'agor.cjs')
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
    return fs.readFileSync(CACHE)
  } catch {
    return undefined
  }
}

function writeCache(script: vm.Script): void {
  const temporary = `${CACHE}.${process.pid}.tmp`
  try {
    fs.writeFileSync(temporary, script.createCachedData())
    fs.renameSync(temporary, CACHE)
  } catch {
    fs.rmSync(temporary, { force: true })
  }
}

async function run(): Promise<number> {
  const cachedData = readCache()
  // the bundle is CommonJS, wrapped as Node wraps a module
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(BUNDLE, 'utf8')}\n})`,
    { filename: BUNDLE, cachedData }
  )
  const wrapper: Wrapper = script.runInThisContext()
  const bundle: { exports: Partial<Entry> } = { exports: {} }
  wrapper(bundle.exports, nodeModule.createRequire(BUNDLE), bundle, BUNDLE, __dirname)
  if (!bundle.exports.main) throw new Error(`${BUNDLE} has no main(): run npm run build`)
  const code = await bundle.exports.main(process.argv)
  // AGOR_CODE_CACHE=refresh (the build's warm-up) adds what this command compiled to the cache
  const stale = !cachedData || script.cachedDataRejected
  if ((stale && process.execArgv.length === 0) || process.env.AGOR_CODE_CACHE === 'refresh')
    writeCache(script)
  return code
}

run().then((code) => process.exit(code))
