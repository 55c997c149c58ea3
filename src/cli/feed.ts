/**
 * The change feed at a terminal: `agor log` (like `git log`: what was written, newest first, by
 * whom) and `agor watch` (like `docker events`: a live tail, from now or from a seq).
 */
import type { Command } from 'commander'
import { collectionNamed, unknownCollection } from '../schema/index.js'
import { Context } from './context.js'
import { UsageError } from './errors.js'
import { printChanges } from './feed-print.js'
import { parseCount, parseTime } from './list-query.js'
import { examples } from './output.js'
import { watch } from './watch.js'

/** A collection by its name or its singular (`session`, `sessions`). */
function collectionOf(value: string): string {
  const name = collectionNamed(value)
  if (!name) throw new UsageError(unknownCollection(value))
  return name
}

interface FeedFilters {
  collection?: string
  id?: string
  actor?: string
}

function filters(options: FeedFilters): Record<string, unknown> {
  return {
    ...(options.collection ? { collection: collectionOf(options.collection) } : {}),
    ...(options.id ? { id: options.id } : {}),
    ...(options.actor ? { actor: options.actor } : {})
  }
}

function addFilters(command: Command): Command {
  return command
    .option('--collection <name>', 'only changes of this collection (session or sessions, …)')
    .option('--id <id>', 'only changes of this document (any unique prefix)')
    .option('--actor <name>', 'only changes made by this actor (an API key name, cli, library, import)')
}

export function registerFeed(program: Command): void {
  addFilters(program.command('log').description('what was written, newest first, by whom (the change feed)'))
    .option('--since <time>', 'changes since a time ago (30m, 2h, 7d) or an ISO time')
    .option('--limit <n>', 'how many changes (at most 1000)', parseCount, 20)
    .addHelpText(
      'after',
      examples([
        'agor log',
        'agor log --collection task --since 2h',
        'agor log --id 0199b73d',
        'agor log --actor ci --json'
      ])
    )
    .action(async (options: FeedFilters & { since?: string; limit: number }, command: Command) =>
      Context.run(command, async (context) => {
        const query = {
          ...filters(options),
          ...(options.since ? { at: { $gte: parseTime('--since', options.since) } } : {}),
          $sort: { seq: -1 },
          $limit: Math.min(options.limit, 1000)
        }
        const backend = await context.backend()
        const changes = await backend.changes().find(query)
        if (context.output.json) return context.output.out(JSON.stringify(changes, null, 2))
        if (changes.length === 0) return context.output.out('No changes')
        await printChanges(context.output, backend, changes, false)
      })
    )

  addFilters(program.command('watch').description('follow the changes as they are written, until stopped'))
    .option('--since-seq <seq>', 'start after this seq instead of now', parseCount)
    .addHelpText(
      'after',
      `${examples(['agor watch', 'agor watch --collection session --json | jq .', 'agor watch --since-seq 1042'])}
With --json, one change per line (JSON Lines), each written as it arrives. Stop with Ctrl-C.
When the daemon or the database goes away for a while (a restart, a 503), it says so on
stderr, tries again, and goes on after the last change it printed.
`
    )
    .action(async (options: FeedFilters & { sinceSeq?: number }, command: Command) =>
      Context.run(command, (context) =>
        watch(context, { only: filters(options), sinceSeq: options.sinceSeq })
      )
    )
}
