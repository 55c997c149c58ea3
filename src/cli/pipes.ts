/**
 * What happens when the output cannot be written. A reader that stops early (`agor session list
 * --json | head -c 10`) closes the pipe, and the next write fails with EPIPE: as with git, that ends
 * the command quietly with exit 0, since the reader has what it wanted. Any other failure (a full
 * disk, `> /dev/full`, an I/O error) means the output is lost: the command says so on stderr and
 * exits 1, so that a script does not take a truncated file for a result.
 */
import { once } from 'node:events'
import { EXIT, reportError } from './errors.js'
import { createOutput } from './output.js'

/** `ENOSPC: no space left on device, write` → `No space left on device`. */
function reason(error: NodeJS.ErrnoException): string {
  const text = /^[A-Z0-9_]+: (.+?)(?:, \w+)?$/.exec(error.message)?.[1] ?? error.message
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function failed(error: NodeJS.ErrnoException, json: boolean): never {
  if (error.code === 'EPIPE') process.exit(EXIT.ok)
  try {
    const color = process.argv.includes('--no-color') ? false : undefined
    reportError(new Error(`Cannot write the output: ${reason(error)}`), createOutput({ json, color }))
  } catch {
    // stderr fails too: there is nobody left to tell, the exit code says it
  }
  process.exit(EXIT.error)
}

/**
 * Handles failed writes for the rest of the process (see above). Those to stderr change nothing:
 * there is nobody to tell, and the command's own exit code (a usage error's 2, say) still holds.
 */
export function watchOutputStreams(json: boolean): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => failed(error, json))
  process.stderr.on('error', () => {})
}

/**
 * Waits until stdout has taken everything written to it (a slow pipe). A write to a file fails
 * at once but reports it a turn later, which an exit now would never see: such a failure ends the
 * process here, as the stream's error handler would.
 */
export async function outputWritten(json: boolean): Promise<void> {
  const error: NodeJS.ErrnoException | null = process.stdout.errored
  if (error) failed(error, json)
  // a write that fails meanwhile ends the process through the stream's error handler
  if (process.stdout.writableLength > 0) await once(process.stdout, 'drain')
}
