// npx tsx scripts/make-agor-db.ts <path> [--sessions N] [--messages-per-session M] [--seed S] [--force]
// Writes a SQLite file shaped like agor's own ~/.agor/agor.db (see test/fixtures/agor-db.ts), for
// trying `agor db import-agor <path>` by hand, and prints what it holds as JSON.
import { rmSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { makeAgorDatabase } from '../test/fixtures/agor-db.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sessions: { type: 'string' },
    'messages-per-session': { type: 'string' },
    seed: { type: 'string' },
    force: { type: 'boolean', default: false }
  }
})

/** An integer option, or undefined when absent; anything else is a usage error rather than NaN rows. */
function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (!/^-?\d+$/.test(text)) usage(`--${name} wants an integer, not ${JSON.stringify(text)}`)
  return Number(text)
}

function usage(problem: string): never {
  console.error(
    `${problem}\nusage: tsx scripts/make-agor-db.ts <path> [--sessions N] [--messages-per-session M] [--seed S] [--force]`
  )
  process.exit(2)
}

const [path, ...extra] = positionals
if (!path || extra.length > 0) usage('give exactly one database path')
// --force replaces the file; WAL leftovers of an older file would otherwise be replayed into the new one.
if (values.force) for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
try {
  const started = performance.now()
  const summary = makeAgorDatabase(path, {
    sessions: integer('sessions', values.sessions),
    messagesPerSession: integer('messages-per-session', values['messages-per-session']),
    seed: integer('seed', values.seed)
  })
  console.log(JSON.stringify({ ...summary, ms: Math.round(performance.now() - started) }, null, 2))
} catch (error) {
  console.error(`make-agor-db: ${(error as Error).message}`)
  process.exit(1)
}
