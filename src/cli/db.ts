import { resolve } from 'node:path'
import type { Command } from 'commander'
import { counted } from '../words.js'
import { Context } from './context.js'
import { findDaemon } from './daemon.js'
import { registerDbAgor } from './db-agor.js'
import { registerDbCheck } from './db-check.js'
import { configOf, localPathOf, migrationRows, report, withDatabase } from './db-common.js'
import { registerDbTransfer } from './db-transfer.js'
import { UsageError } from './errors.js'
import { examples, printJson } from './output.js'
import { databaseConfig } from './source.js'

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
        if (options.path !== undefined) databaseConfig(options.path, '--path')
        const path = options.path ?? (await localPathOf(context, 'db setup'))
        const { setupDatabase } = await import('../store/setup.js')
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
    .description("apply this version's pending migrations, and make the triggers and derived indexes again")
    .action(async (_options, command: Command) =>
      Context.run(command, async (context) => {
        const config = await configOf(context)
        const [{ openConnection }, { prepareSchema }] = await Promise.all([
          import('../db/open.js'),
          import('../store/schema-sync.js')
        ])
        const database = await openConnection(config, { create: false })
        try {
          const applied = await prepareSchema(database, config.path, { remake: true })
          if (context.output.json) return printJson(context.output, { applied })
          context.output.out(
            `${applied ? `Applied ${counted(applied, 'migration')}` : 'The database is up to date'}\nMade its triggers, tag index and search index again`
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
    .option(
      '--rebootstrap',
      'start the replica over from its primary (when the primary lost its data): the local copy is backed up next to it first'
    )
    .addHelpText('after', examples(['agor db sync', 'agor db sync --rebootstrap']))
    .action(async (options: { rebootstrap?: boolean }, command: Command) =>
      Context.run(command, async (context) => {
        const config = await configOf(context)
        if (options.rebootstrap) {
          if (config.mode !== 'replica')
            throw new UsageError('--rebootstrap works on an embedded replica (AGOR_DB_SYNC_URL)')
          const daemon = (await findDaemon(config.path!)).record
          if (daemon)
            throw new Error(
              `A daemon (pid ${daemon.pid}, ${daemon.url}) serves this replica: stop it before --rebootstrap`
            )
          const { rebootstrapReplica } = await import('../db/rebootstrap.js')
          const result = await rebootstrapReplica(config)
          if (context.output.json) return printJson(context.output, result)
          if (result.backup) context.output.out(`Backed up the old local copy to ${result.backup}`)
          context.output.out(`Copied the primary anew: now at frame ${result.frameNo}`)
          return
        }
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
  registerDbCheck(db)
  registerDbTransfer(db)
  registerDbAgor(db)
}
