/**
 * What the `agor` command does, as the bundle's entry (dist/cli/agor.cjs, which main.cts runs):
 * parses the command line, runs the command, and answers its exit code once stdout has taken
 * everything written to it, or failed to.
 */
// First: the driver must not log replication failures to stdout (it would corrupt --json output).
import '../db/quiet-driver.js'
import { outputWritten, watchOutputStreams } from './pipes.js'
import { run } from './program.js'

export async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json')
  watchOutputStreams(json)
  const code = await run(argv)
  await outputWritten(json)
  return code
}
