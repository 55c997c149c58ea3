/** Runs a TypeScript file of the benchmark in a child process (through tsx). */
import { spawn } from 'node:child_process'

/**
 * Runs `file` with `args` (and Node's `nodeArgs`) and resolves with the JSON its stdout ends with.
 * The child's stderr (progress) goes to ours; a child that fails rejects.
 */
export function runChild<T>(file: string, args: string[], nodeArgs: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, ...args], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}`))
      try {
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T)
      } catch {
        reject(new Error(`${file} ${args.join(' ')} printed no result`))
      }
    })
  })
}
