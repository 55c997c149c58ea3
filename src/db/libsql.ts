/**
 * The `libsql` package, loaded without the diagnostic report its loader asks for. @neon-rs/load
 * tells glibc from musl with `process.report?.getReport()`, a whole report (heap, handles, shared
 * objects) for one field, about 4 ms of a CLI command; libsql then checks the answer with
 * detect-libc (which reads the C library's files) and takes the glibc build itself where the two
 * disagree. With `process.report` hidden while it loads, the report's answer is "not glibc" and
 * detect-libc's decides: the same build, without the report.
 */
import { createRequire } from 'node:module'
import type LibsqlDatabase from 'libsql'

/** True in the CLI's bundle (scripts/built-cli.ts defines it), undeclared in the library. */
declare const AGOR_BUNDLED: boolean | undefined

function loadLibsql(): typeof LibsqlDatabase {
  const report = Object.getOwnPropertyDescriptor(process, 'report')
  if (report?.configurable) Object.defineProperty(process, 'report', { value: undefined, configurable: true })
  try {
    // the CLI's bundle (CommonJS) has `require`, and esbuild bundles what it names: libsql's own
    // files are then compiled with the bundle's code cache instead of found and read one by one.
    // Not a test of `require` itself: `node -e` and the REPL give the library a global one, which
    // resolves from the current folder
    const loaded: typeof LibsqlDatabase =
      typeof AGOR_BUNDLED === 'boolean' && AGOR_BUNDLED
        ? require('libsql')
        : createRequire(import.meta.url)('libsql')
    return loaded
  } finally {
    if (report?.configurable) Object.defineProperty(process, 'report', report)
  }
}

/** libsql's Database class. */
export const Database: typeof LibsqlDatabase = loadLibsql()
