// npm run db:setup -- [--path <file>] [--reset]
// Creates the database (default: AGOR_DB_URL or ~/.agor/agor.db) and applies the migrations.
// --reset keeps a timestamped backup of the old file next to it, then starts from an empty one.
import { parseArgs } from 'node:util'
import { resolveDatabaseConfig } from '../src/db/config.js'
import { setupDatabase } from '../src/store/setup.js'

const { values } = parseArgs({
  options: { path: { type: 'string' }, reset: { type: 'boolean', default: false } }
})
const path = values.path ?? resolveDatabaseConfig().path
if (!path) {
  console.error('db:setup works on a local file; AGOR_DB_URL names a remote database')
  process.exit(2)
}
try {
  const result = await setupDatabase(path, { reset: values.reset })
  if (result.backup) console.log(`Backed up the old database to ${result.backup}`)
  console.log(`${result.path}: ${result.applied} migration(s) applied`)
} catch (error) {
  console.error(`db:setup failed: ${(error as Error).message}`)
  process.exit(1)
}
