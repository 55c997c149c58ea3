#!/usr/bin/env node
/**
 * The `agor` executable (package.json "bin"). Everything but the exit lives in program.ts.
 */
// First: the driver must not log replication failures to stdout (it would corrupt --json output).
import '../db/quiet-driver.js'
import { once } from 'node:events'
import { endQuietlyWhenThePipeCloses } from './pipes.js'
import { run } from './program.js'

endQuietlyWhenThePipeCloses()
const code = await run(process.argv)
// exit only once stdout has taken everything written to it (a slow pipe)
if (process.stdout.writableLength > 0) await once(process.stdout, 'drain')
process.exit(code)
