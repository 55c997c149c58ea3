/**
 * `agor workspace create|list` and `agor key create|list|revoke`: the workspaces of a database and
 * their API keys. They work on the database itself (--db), never through a daemon: whoever can
 * open the database may make keys for it, and nobody else.
 */
import type { Command } from 'commander'
import type { Workspaces } from '../store/workspaces.js'
import { counted } from '../words.js'
import { Context } from './context.js'
import { configOf } from './db-common.js'
import { UsageError } from './errors.js'
import { examples, printJson } from './output.js'

/** Runs a command's `work` on the workspaces of its database, opened for it and closed after. */
function onWorkspaces(command: Command, work: (workspaces: Workspaces, context: Context) => Promise<void>) {
  return Context.run(command, async (context) => {
    await configOf(context)
    const { openDatabase } = await import('../store/database.js')
    const database = await openDatabase({ url: context.options.db, create: false })
    try {
      await work(database.workspaces, context)
    } finally {
      database.close()
    }
  })
}

export function registerWorkspaces(program: Command): void {
  const workspace = program
    .command('workspace')
    .description("make and list workspaces: every document is in one ('default' unless told)")
    .addHelpText(
      'after',
      examples(['agor workspace create acme', 'agor workspace list', 'agor --workspace acme session list'])
    )

  workspace
    .command('create <name>')
    .description('make a workspace')
    .action(async (name: string, _options, command: Command) =>
      onWorkspaces(command, async (workspaces, context) => {
        const made = await workspaces.create(name)
        if (context.output.json) return printJson(context.output, made)
        context.output.out(`Created workspace ${made.name}`)
      })
    )

  workspace
    .command('list')
    .description('list the workspaces')
    .action(async (_options, command: Command) =>
      onWorkspaces(command, async (workspaces, context) => {
        const list = await workspaces.list()
        if (context.output.json) return printJson(context.output, list)
        for (const w of list) context.output.out(`${w.name}  created ${w.created_at}`)
      })
    )

  const key = program
    .command('key')
    .description("make, list and revoke workspaces' API keys (kept as digests: a key is shown once)")
    .addHelpText(
      'after',
      examples([
        'agor key create --workspace acme --name ci',
        'agor key list --workspace acme',
        'agor key revoke ci'
      ])
    )

  key
    .command('create')
    .description('make an API key for a workspace and print it, once')
    .requiredOption('--name <name>', 'the key’s name, recorded as the author of its writes')
    .addHelpText('after', '\nThe workspace is the global --workspace <name>, which it needs.')
    .action(async (options: { name: string }, command: Command) =>
      onWorkspaces(command, async (workspaces, context) => {
        const { workspace } = context.options
        if (workspace === undefined)
          throw new UsageError('key create needs --workspace <name>', { brief: true })
        const made = await workspaces.createKey(workspace, options.name)
        if (context.output.json)
          return printJson(context.output, { name: made.name, key: made.key, workspace: made.workspace })
        context.output.out(made.key)
        context.output.err(
          `Key '${made.name}' of workspace ${made.workspace}: it is shown this once, keep it now. A daemon started before it existed without AGOR_API_KEY must be restarted to require keys.`
        )
      })
    )

  key
    .command('list')
    .description('list API keys (names and workspaces, never the keys); --workspace: of one')
    .action(async (_options, command: Command) =>
      onWorkspaces(command, async (workspaces, context) => {
        const keys = await workspaces.keys(context.options.workspace)
        if (context.output.json) return printJson(context.output, keys)
        if (keys.length === 0) return context.output.out('No keys')
        for (const k of keys)
          context.output.out(`${k.name}  workspace ${k.workspace}  created ${k.created_at}`)
        context.output.err(counted(keys.length, 'key'))
      })
    )

  key
    .command('revoke <name>')
    .description('revoke an API key: every call made with it fails from now on (--workspace: only one of it)')
    .action(async (name: string, _options, command: Command) =>
      onWorkspaces(command, async (workspaces, context) => {
        const revoked = await workspaces.revokeKey(name, context.options.workspace)
        if (context.output.json) return printJson(context.output, revoked)
        context.output.out(`Revoked key ${revoked.name} of workspace ${revoked.workspace}`)
      })
    )
}
