import { defineConfig } from 'drizzle-kit'
import { resolveDatabaseConfig } from './src/db/config.js'

// Migrations are generated from the collection definitions (src/schema) into drizzle/; the store
// applies them on open. `npm run db:studio` opens the database that AGOR_DB_URL names, or the
// default file (~/.agor/agor.db).
const db = resolveDatabaseConfig()

export default db.mode === 'remote'
  ? defineConfig({
      dialect: 'turso',
      schema: './src/schema/tables.cts',
      out: './drizzle',
      dbCredentials: { url: db.url, authToken: db.authToken }
    })
  : defineConfig({
      dialect: 'sqlite',
      schema: './src/schema/tables.cts',
      out: './drizzle',
      dbCredentials: { url: db.mode === 'memory' ? ':memory:' : db.url }
    })
