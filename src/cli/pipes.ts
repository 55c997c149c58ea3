/**
 * A reader that stops early (`agor session list --json | head -c 10`) closes the pipe, and the
 * next write fails with EPIPE. As with git, that ends the command quietly: the reader has what it
 * wanted, and a stack trace on stderr would only hide it. The exit code is 0.
 */
import { EXIT } from './errors.js'

export function endQuietlyWhenThePipeCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT.ok)
      throw error
    })
  }
}
