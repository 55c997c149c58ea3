#!/usr/bin/env node
/**
 * The `agor` executable (package.json "bin"). Everything but the exit lives in program.ts.
 */
// First: the driver must not log replication failures to stdout (it would corrupt --json output).
import '../db/quiet-driver.js'
import { outputWritten, watchOutputStreams } from './pipes.js'
import { run } from './program.js'

const json = process.argv.includes('--json')
watchOutputStreams(json)
const code = await run(process.argv)
// exit only once stdout has taken everything written to it, or failed to
await outputWritten(json)
process.exit(code)
