/**
 * `agor db …`: database administration. These commands work on the database itself (the file, or
 * a remote server), below the services: a running daemon does not see their writes as events.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import type { ResolvedDatabaseConfig } from '../db/config.js'
import { counted } from '../words.js'
import { Context } from './context.js'
import { findDaemon } from './daemon.js'
import { UsageError } from './errors.js'
import { countedDocuments, examples, type Output, printJson } from './output.js'

async function configOf(context: Context): Promise<ResolvedDatabaseConfig> {
  if (context.options.url) throw new UsageError('agor db works on a database (--db), not on a daemon (--url)')
  const { resolveDatabaseConfig } = await import('../db/config.js')
  return resolveDatabaseConfig({ url: context.options.db })
}

async function localPathOf(context: Context, what: string): Promise<string> {
  const config = await configOf(context)
  if (!config.path)
    throw new UsageError(`${what} works on a local database file, not on ${config.mode} databases`)
  return config.path
}

function report(output: Output, lines: string[]): void {
  for (const line of lines) output.out(line)
}

async function withDatabase<T>(
  config: ResolvedDatabaseConfig,
  work: (db: import('../db/database.js').Database) => Promise<T>
): Promise<T> {
  const { openExistingDatabase } = await import('../db/admin.js')
  const db = await openExistingDatabase(config)
  try {
    return await work(db)
  } finally {
    db.close()
  }
}

function migrationRows(status: import('../db/migrate.js').MigrationStatus) {
  const row = (m: { tag: string; hash: string; folderMillis: number }) => ({
    tag: m.tag,
    hash: m.hash,
    created_at: new Date(m.folderMillis).toISOString()
  })
  return {
    applied: status.applied.map(row),
    pending: status.pending.map(row),
    unknown: status.unknown.map((u) => ({ hash: u.hash, created_at: new Date(u.createdAt).toISOString() }))
  }
}

export function registerDb(program: Command): void {
  const db = program
    .command('db')
    .description('set up, migrate, check, back up, export and import the database')
    .addHelpText(
      'after',
      examples([
        'agor db setup',
        'agor db check',
        'agor db backup ~/agor-backup.db',
        'agor db export --out ./dump'
      ])
    )

  db.command('setup')
    .description('create the database file and apply the migrations')
    .option('--path <file>', 'the database file (default: --db, AGOR_DB_URL or ~/.agor/agor.db)')
    .option('--reset', 'back the old file up next to it, then start from an empty database')
    .addHelpText('after', examples(['agor db setup', 'agor db setup --path ./agor.db --reset']))
    .action(async (options, command: Command) =>
      Context.run(command, async (context) => {
        const path = options.path ?? (await localPathOf(context, 'db setup'))
        const { setupDatabase } = await import('../db/admin.js')
        if (options.reset) {
          const { resolveDatabaseConfig } = await import('../db/config.js')
          const daemon = (await findDaemon(resolveDatabaseConfig({ url: path }).path!)).record
          if (daemon)
            throw new Error(
              `A daemon (pid ${daemon.pid}, ${daemon.url}) serves this database: stop it before --reset`
            )
        }
        const result = await setupDatabase(path, { reset: options.reset === true })
        if (context.output.json) return printJson(context.output, result)
        if (result.backup) context.output.out(`Backed up the old database to ${result.backup}`)
        context.output.out(`${result.path}: ${counted(result.applied, 'migration')} applied`)
      })
    )

  db.command('migrate')
    .description("apply this version's pending migrations")
    .action(async (_options, command: Command) =>
      Context.run(command, async (context) => {
        const config = await configOf(context)
        const [{ Database }, { migrate }] = await Promise.all([
          import('../db/database.js'),
          import('../db/migrate.js')
        ])
        const database = await Database.open(config, { create: false })
        try {
          const applied = await migrate(database)
          if (context.output.json) return printJson(context.output, { applied })
          context.output.out(
            applied ? `Applied ${counted(applied, 'migration')}` : 'The database is up to date'
          )
        } finally {
          database.close()
        }
      })
    )

  db.command('status')
    .description('list applied and pending migrations (from drizzle bookkeeping)')
    .action(async (_options, command: Command) =>
      Context.run(command, async (context) => {
        const { migrationStatus } = await import('../db/migrate.js')
        const config = await configOf(context)
        const status = migrationRows(await withDatabase(config, (d) => migrationStatus(d)))
        if (context.output.json) return printJson(context.output, status)
        const c = context.output.color
        const lines = [`Database: ${config.path ?? config.url} (${config.mode})`]
        for (const m of status.applied) lines.push(`  ${c.green('applied')}  ${m.tag}`)
        for (const m of status.pending) lines.push(`  ${c.yellow('pending')}  ${m.tag}`)
        for (const m of status.unknown)
          lines.push(`  ${c.red('unknown')}  ${m.hash.slice(0, 12)} (from a newer agor-store)`)
        lines.push(
          status.pending.length
            ? `${status.pending.length} pending: run agor db migrate (or any command, which migrates on open)`
            : 'Up to date'
        )
        report(context.output, lines)
      })
    )

  db.command('check')
    .description('check integrity, foreign keys and migrations; exits 1 on problems')
    .action(async (_options, command: Command) =>
      Context.run(command, async (context) => {
        const { checkDatabase } = await import('../db/admin.js')
        const config = await configOf(context)
        // a replica's driver sends PRAGMAs to its primary, but one opened read-only has only its copy
        const { checked, ...result } = await withDatabase(config, async (d) => ({
          ...(await checkDatabase(d)),
          checked: d.readOnly ? 'local copy' : config.mode === 'replica' ? 'primary' : 'database'
        }))
        process.exitCode = result.ok ? 0 : 1
        if (context.output.json)
          return printJson(context.output, {
            ...result,
            checked,
            migrations: migrationRows(result.migrations)
          })
        const c = context.output.color
        const mark = (ok: boolean) => (ok ? c.green('ok  ') : c.red('FAIL'))
        const integrityOk = result.integrity.length === 1 && result.integrity[0] === 'ok'
        const lines = [`Database: ${config.path ?? config.url} (${config.mode})`]
        if (checked === 'primary') lines.push(`Checked: the primary at ${config.syncUrl}`)
        if (checked === 'local copy')
          lines.push(
            `Checked: this replica's local copy only (the primary at ${config.syncUrl} is unreachable)`
          )
        lines.push(`${mark(integrityOk)}  integrity`)
        if (!integrityOk) for (const problem of result.integrity) lines.push(`      ${problem}`)
        lines.push(`${mark(result.foreignKeys.length === 0)}  foreign keys`)
        for (const p of result.foreignKeys)
          lines.push(`      ${p.table} ${p.id} points at a missing row of ${p.parent}`)
        const { pending, unknown } = result.migrations
        lines.push(
          `${mark(unknown.length === 0)}  migrations: ${result.migrations.applied.length} applied, ${pending.length} pending${unknown.length ? `, ${unknown.length} from a newer agor-store` : ''}`
        )
        lines.push(result.ok ? 'No problems found' : c.red('Problems found'))
        report(context.output, lines)
      })
    )

  db.command('backup')
    .description('copy the database consistently while it is in use (VACUUM INTO)')
    .argument('<file>', 'the new file (must not exist)')
    .addHelpText('after', examples(['agor db backup ./agor-2025-11-22.db']))
    .action(async (file: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const path = await localPathOf(context, 'db backup')
        const { backupDatabase } = await import('../db/admin.js')
        const target = resolve(file)
        await backupDatabase(path, target)
        if (context.output.json) return printJson(context.output, { source: path, backup: target })
        context.output.out(`Backed up ${path} to ${target}`)
      })
    )

  db.command('sync')
    .description("pull the primary's changes into an embedded replica (AGOR_DB_SYNC_URL)")
    .action(async (_options, command: Command) =>
      Context.run(command, async (context) => {
        await configOf(context)
        const { openStore } = await import('../service/store.js')
        const store = await openStore({ url: context.options.db, auth: false, create: false })
        try {
          const result = await store.sync()
          if (context.output.json) return printJson(context.output, result)
          context.output.out(
            `Synced ${counted(result.framesSynced, 'frame')}; now at frame ${result.frameNo}`
          )
        } finally {
          await store.close()
        }
      })
    )

  db.command('export')
    .description('write every document as JSON Lines: one <collection>.jsonl per collection')
    .option('--out <dir>', 'the folder to write (default: ~/.agor/exports/export-<time>)')
    .addHelpText('after', examples(['agor db export --out ./dump', 'agor db import ./dump --db ./copy.db']))
    .action(async (options, command: Command) =>
      Context.run(command, async (context) => {
        const [{ exportDatabase }, { progressBar }] = await Promise.all([
          import('../store/transfer.js'),
          import('./progress.js')
        ])
        await configOf(context)
        // without --out, a named place of its own rather than the current folder
        const dir = resolve(
          options.out ??
            join(homedir(), '.agor', 'exports', `export-${new Date().toISOString().replace(/[:.]/g, '-')}`)
        )
        const bar = progressBar('Exporting', 'documents')
        try {
          const manifest = await exportDatabase({ url: context.options.db }, dir, { onProgress: bar.update })
          bar.stop()
          if (context.output.json) return printJson(context.output, { dir, ...manifest })
          const counts = Object.entries(manifest.counts).map(([name, n]) => countedDocuments(name, n))
          context.output.out(`Exported ${counts.join(', ')} to ${dir}`)
        } finally {
          bar.stop()
        }
      })
    )

  db.command('import')
    .description('import an export folder: every document validated, all in one transaction')
    .argument('<dir>', 'a folder written by agor db export')
    .addHelpText(
      'after',
      `${examples(['agor db import ./dump'])}\nIds and timestamps are kept. An id that exists already, an invalid document or a\nreference to a missing document fails the whole import: nothing is written.\n`
    )
    .action(async (dir: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const [{ importDatabase }, { progressBar }] = await Promise.all([
          import('../store/transfer.js'),
          import('./progress.js')
        ])
        await configOf(context)
        dir = resolve(dir)
        const bar = progressBar('Importing', 'bytes')
        try {
          const counts = await importDatabase({ url: context.options.db }, dir, { onProgress: bar.update })
          bar.stop()
          if (context.output.json) return printJson(context.output, { dir, counts })
          const shown = Object.entries(counts).map(([name, n]) => countedDocuments(name, n))
          context.output.out(`Imported ${shown.join(', ')} from ${dir}`)
        } finally {
          bar.stop()
        }
      })
    )
}
