// Runs the built `agor` command as a real subprocess, and the daemon (`agor serve`) as a real
// process, with an environment of their own: a temporary HOME (the default database never is the
// user's), no AGOR_* variables and no colour settings unless a test sets them.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, inject } from 'vitest'
import { openStore, type Store } from '../src/service/store.js'
import { tempDir } from './helpers.js'

export const CLI = fileURLToPath(new URL('../dist/cli/main.cjs', import.meta.url))
export const ROOT = fileURLToPath(new URL('..', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  /** Written to standard input. */
  input?: string
  /** The working folder (default: the temporary HOME). */
  cwd?: string
}

const home = tempDir()

/** The environment of a CLI run: the test's own, without settings that would change the output. */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('AGOR_') || ['NO_COLOR', 'FORCE_COLOR', 'CI', 'NODE_OPTIONS'].includes(key)) continue
    env[key] = value
  }
  env.HOME = home
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

function collect(child: ChildProcess, input?: string): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  child.stdin!.end(input ?? '')
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Runs `agor <args>` and returns its exit code and output. */
export function agor(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(options.env),
    cwd: options.cwd ?? home
  })
  return collect(child, options.input)
}

/** Runs a shell command line (for pipes), with `agor` meaning the built CLI. */
export function shell(line: string, options: RunOptions = {}): Promise<CliResult> {
  const env = cliEnv({ AGOR: `${process.execPath} ${CLI}`, ...options.env })
  const child = spawn('/bin/sh', ['-c', line], { env, cwd: home })
  return collect(child, options.input)
}

/** Parses the JSON a successful `--json` run printed, failing with its stderr otherwise. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  if (result.code !== 0) throw new Error(`agor exited with ${result.code}: ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

/** The first column of a `list` table: the ids it printed, without header and footer. */
export function listedIds(stdout: string): string[] {
  return stdout
    .trim()
    .split('\n')
    .slice(1, -1)
    .map((line) => line.split(/\s+/)[0]!)
}

const stores: Store[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
})

/** The store on a file the CLI wrote, to read back what it stored; closed when the test ends. */
export async function openFile(path: string): Promise<Store> {
  const store = await openStore({ url: path, auth: false })
  stores.push(store)
  return store
}

/**
 * A database file in a new temporary folder, and the `--db` arguments naming it: a copy of a
 * migrated, empty database (the CLI refuses a path where there is no database, an empty file
 * included). `exists: false` leaves the file out.
 */
export function tempDb(options: { exists?: boolean } = {}): { path: string; db: string[] } {
  const path = join(tempDir(), 'agor.db')
  if (options.exists !== false) copyFileSync(inject('templateDatabase'), path)
  return { path, db: ['--db', path] }
}

export interface Daemon {
  url: string
  process: ChildProcess
  stdout(): string
  stderr(): string
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

const daemons: Daemon[] = []

/** Starts `agor serve --port 0 <args>` and waits for the URL it prints. */
export async function startDaemon(
  args: string[],
  env: Record<string, string | undefined> = {}
): Promise<Daemon> {
  return startProcess(process.execPath, [CLI, 'serve', '--port', '0', ...args], env)
}

/** Starts a daemon through `npm start` (package.json), as a user would. */
export function npmStart(env: Record<string, string | undefined> = {}): Promise<Daemon> {
  return startProcess('npm', ['start', '--silent'], env, ROOT)
}

async function startProcess(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  cwd = home
): Promise<Daemon> {
  const child = spawn(command, args, { env: cliEnv(env), cwd, detached: true })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /Listening on (http:\/\/\S+)\nDatabase: .*\n/.exec(stdout)
      if (match) {
        clearInterval(timer)
        resolve(match[1]!)
      }
    }, 20)
    // 'close', not 'exit': a process's last words may still be in its pipes when it exits
    once(child, 'close').then(([code]) => {
      clearInterval(timer)
      reject(new Error(`agor serve exited with ${code} before listening: ${stderr}`))
    })
  })
  const daemon: Daemon = {
    url,
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = 'SIGTERM') {
      // the daemon leads a process group of its own (npm start runs it in a child): signal it all
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, signal)
      return exited
    }
  }
  daemons.push(daemon)
  return daemon
}

afterAll(async () => {
  await Promise.all(daemons.splice(0).map((daemon) => daemon.stop()))
})

/** An `agor` command that runs until it is stopped (`agor watch`). */
export interface Running {
  stdout(): string
  stderr(): string
  /** Sends a signal (SIGINT unless told) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

const running: Running[] = []

/** Starts `agor <args>`, which runs until it is stopped (at the latest when the file's tests end). */
export function agorRunning(args: string[], options: RunOptions = {}): Running {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: cliEnv(options.env),
    cwd: options.cwd ?? home
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const handle: Running = {
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
  running.push(handle)
  return handle
}

afterAll(async () => {
  await Promise.all(running.splice(0).map((handle) => handle.stop('SIGKILL')))
})
