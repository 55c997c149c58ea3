/**
 * The built `agor` command (dist/cli/main.cjs) as users run it: its environment (a HOME of the
 * scenario's own, since `list` keeps its short ids in ~/.agor, and no AGOR_* variables of the
 * caller's), and a daemon (`agor serve`) on a database file.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { BUILT_CLI, cliNeedsBuild, ROOT } from '../built-cli.js'

export const AGOR = BUILT_CLI

/** The environment of an `agor` process: HOME in `home`, no AGOR_* settings of the caller's. */
export function agorEnv(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AGOR_')))
  return { ...env, HOME: home }
}

/** Builds dist/ (`npm run build`) unless it is newer than what it is built from. */
export function ensureBuilt(log: (line: string) => void): void {
  if (!cliNeedsBuild()) return
  log('building dist/ (npm run build): src/ changed since it was built')
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] })
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status})`)
}

export interface Daemon {
  url: string
  pid: number
  stop(): Promise<void>
}

/**
 * Starts `agor serve --db <path> --port 0` and resolves once it listens; `env` adds settings (an
 * embedded replica's AGOR_DB_SYNC_URL).
 */
export async function startDaemon(path: string, home: string, env: NodeJS.ProcessEnv = {}): Promise<Daemon> {
  const child: ChildProcess = spawn(process.execPath, [AGOR, 'serve', '--db', path, '--port', '0'], {
    env: { ...agorEnv(home), ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Listening on (\S+)/.exec(output)
      if (match) resolve(match[1]!)
    }
    child.stdout?.on('data', read)
    child.stderr?.on('data', read)
    child.once('exit', (code) => reject(new Error(`agor serve exited (${code}): ${output}`)))
  })
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
  }
}
