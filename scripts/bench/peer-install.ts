/**
 * Installs the peer's packages (bench/package.json: @feathersjs/knex, knex, better-sqlite3) into
 * bench/node_modules on first use, and again whenever bench/package.json or its lock has changed
 * since: `npm ci` in bench/ (`npm install` while there is no lock). A stamp in bench/node_modules
 * holds a hash of the two files as they were installed, so an unchanged install costs two reads.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BENCH_DIR } from './peer-modules.js'

const STAMP = `${BENCH_DIR}node_modules/.agor-bench-installed`
const LOCK = `${BENCH_DIR}package-lock.json`

function fingerprint(): string {
  const hash = createHash('sha256')
  for (const file of [`${BENCH_DIR}package.json`, LOCK]) {
    hash.update(existsSync(file) ? readFileSync(file) : '').update('\0')
  }
  return hash.digest('hex')
}

/**
 * npm's environment for the install. better-sqlite3 compiles where its prebuilt binary cannot be
 * downloaded, and node-gyp then downloads Node's headers unless told where they are: the headers
 * of the Node that runs this, installed beside it (`/usr/include/node`), serve without a network.
 */
function installEnv(): NodeJS.ProcessEnv {
  const prefix = dirname(dirname(process.execPath))
  if (process.env.npm_config_nodedir || !existsSync(join(prefix, 'include', 'node', 'node.h')))
    return process.env
  return { ...process.env, npm_config_nodedir: prefix }
}

/** Installs bench/node_modules unless it is there and installed from the current lock. */
export function installPeers(log: (line: string) => void): void {
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === fingerprint()) return
  const command = existsSync(LOCK) ? 'ci' : 'install'
  log(`installing the peer's packages: npm ${command} in bench/ (once; better-sqlite3 may compile)`)
  // npm's output goes to stderr, with the bench's progress: stdout is for the table
  const result = spawnSync('npm', [command, '--no-audit', '--no-fund'], {
    cwd: BENCH_DIR,
    env: installEnv(),
    stdio: ['ignore', 2, 2],
    shell: process.platform === 'win32'
  })
  if (result.status !== 0) {
    throw new Error(`npm ${command} in bench/ failed (${result.error?.message ?? `exit ${result.status}`})`)
  }
  writeFileSync(STAMP, fingerprint())
}
