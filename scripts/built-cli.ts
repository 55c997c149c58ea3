/**
 * The built `agor` command, dist/cli/main.cjs, and whether it is older than what it is built from:
 * the tests and the benchmark run it as users do, and build it first when it is.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Plugin } from 'esbuild'
import { deferredPackages } from './deferred-packages.js'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const BUILT_CLI = join(ROOT, 'dist', 'cli', 'main.cjs')
/** The bundle main.cjs runs: the last thing a build writes. */
export const BUNDLED_CLI = join(ROOT, 'dist', 'cli', 'agor.cjs')

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
    built = statSync(BUNDLED_CLI).mtimeMs
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

/**
 * Packages the bundle leaves to Node's own loading: those only commands that serve, replicate or
 * reach a remote server load (the heavy part of the install), and @feathersjs/client, a bundle of
 * its own that only commands through a daemon load.
 */
const EXTERNAL = ['@feathersjs/client', '@libsql/client', 'socket.io-client', 'qs', 'cli-progress']

/**
 * The Feathers packages go into the bundle whole (found, read and compiled one by one by Node,
 * they cost every command about 5 ms), and all of them: they share @feathersjs/errors, and an error
 * made by a second copy of it is not instanceof FeathersError (koa's error handler would answer it
 * with a 500). What they import from outside Feathers (koa, socket.io, jsonwebtoken, …) stays
 * outside: only `agor serve` loads it.
 */
const feathersDependenciesOutside: Plugin = {
  name: 'feathers-dependencies-outside',
  setup(plugin) {
    plugin.onResolve({ filter: /^[^./]/ }, (args) =>
      /[\\/]node_modules[\\/]@feathersjs[\\/]/.test(args.importer) && !args.path.startsWith('@feathersjs/')
        ? { path: args.path, external: true }
        : undefined
    )
  }
}

/**
 * Bundles dist/cli/run.js (tsc's output) and what it imports into dist/cli/agor.cjs, which
 * dist/cli/main.cjs runs. Each module's import.meta.url stays its own file's in dist/ (the
 * migrations folder, the replica worker and package.json are found from it).
 */
export async function bundleCli(): Promise<void> {
  const { build } = await import('esbuild')
  const dist = join(ROOT, 'dist')
  const triggers: { triggersVersion(): string } = await import(
    pathToFileURL(join(dist, 'store', 'feed-triggers.js')).href
  )
  await build({
    entryPoints: [join(dist, 'cli', 'run.js')],
    outfile: BUNDLED_CLI,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    // what every open compares with the database's, computed once here (see store/schema-sync.ts),
    // and that this is the bundle (see db/libsql.ts)
    define: { AGOR_BUILT_TRIGGERS_VERSION: JSON.stringify(triggers.triggersVersion()), AGOR_BUNDLED: 'true' },
    // import() of what stays outside (node:readline, …) as require(): code run by vm.Script has no
    // module loader of its own to import with
    supported: { 'dynamic-import': false },
    logLevel: 'warning',
    minifyWhitespace: true,
    plugins: [
      deferredPackages(dist, ROOT),
      feathersDependenciesOutside,
      {
        name: 'own-import-meta-url',
        setup(plugin) {
          plugin.onLoad({ filter: /\.js$/ }, async (args) => {
            if (!args.path.startsWith(dist)) return undefined
            const contents = readFileSync(args.path, 'utf8')
            if (!contents.includes('import.meta.url')) return { contents, loader: 'js' }
            const own = JSON.stringify(relative(dirname(BUNDLED_CLI), args.path))
            const url = `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${own})).href`
            return { contents: contents.replaceAll('import.meta.url', url), loader: 'js' }
          })
        }
      }
    ]
  })
  chmodSync(BUILT_CLI, 0o755)
  rmSync(`${BUNDLED_CLI}.cache`, { force: true })
  await warmCodeCache()
}

/**
 * Writes the bundle's code cache with what `list` and `show` compile, on a database of their own
 * and through a daemon: the commands people and scripts run most start fast from the first run.
 */
async function warmCodeCache(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'agor-warm-'))
  const db = join(home, 'warm.db')
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AGOR_'))),
    HOME: home
  }
  const agor = (args: string[], refresh = true) => {
    const result = spawnSync(process.execPath, [BUILT_CLI, ...args, '--db', db], {
      env: { ...env, ...(refresh ? { AGOR_CODE_CACHE: 'refresh' } : {}) },
      encoding: 'utf8'
    })
    if (result.status !== 0) throw new Error(`agor ${args.join(' ')} failed: ${result.stderr}`)
    return result.stdout
  }
  try {
    agor(['db', 'setup'], false)
    const id = String(
      JSON.parse(agor(['session', 'create', '--agent', 'warm-up', '--json'], false)).session_id
    )
    // the first of those wrote a cache (there was none): only list and show go into it
    rmSync(`${BUNDLED_CLI}.cache`, { force: true })
    const warm = () => {
      agor(['session', 'list'])
      agor(['session', 'show', id.slice(0, 8)])
    }
    warm()
    const daemon = spawn(process.execPath, [BUILT_CLI, 'serve', '--db', db, '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let errors = ''
    daemon.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString()
    })
    try {
      await new Promise<void>((resolve, reject) => {
        let output = ''
        daemon.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          if (output.includes('Listening on')) resolve()
        })
        daemon.once('exit', (code) =>
          reject(new Error(`agor serve exited (${code}) before it listened: ${errors}`))
        )
      })
      warm()
    } finally {
      const exited = once(daemon, 'exit')
      daemon.kill()
      await exited
    }
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}
