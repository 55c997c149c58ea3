import { type ChildProcess, spawn } from 'node:child_process'
import { createClient } from '@libsql/client'

/** Starts a TypeScript fixture in a child process (through tsx), piping its output. */
export function runFixture(file: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Resolves when the child prints `line`; rejects if it exits first. */
export function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout?.on('data', (chunk) => {
      output += chunk
      if (output.split('\n').includes(line)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before "${line}": ${output}`)))
  })
}

/** Sends `signal` and resolves once the child has exited (at once if it had already). */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}

/** SQLite's integrity_check and foreign_key_check on a database file, on a client of their own. */
export async function checkDatabase(
  path: string
): Promise<{ integrity: string; foreignKeyProblems: number }> {
  const client = createClient({ url: `file:${path}` })
  try {
    const integrity = await client.execute('PRAGMA integrity_check')
    const foreignKeys = await client.execute('PRAGMA foreign_key_check')
    return { integrity: String(integrity.rows[0]?.[0]), foreignKeyProblems: foreignKeys.rows.length }
  } finally {
    client.close()
  }
}
