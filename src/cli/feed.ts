/**
 * The change feed at a terminal: `agor log` (like `git log`: what was written, newest first, by
 * whom) and `agor watch` (like `docker events`: a live tail, from now or from a seq).
 */
import type { Command } from 'commander'
import { shortIdsAmong } from '../ids.js'
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections, isCollectionName } from '../schema/index.js'
import type { Change } from '../store/feed.js'
import type { Backend } from './backend.js'
import { Context } from './context.js'
import { UsageError } from './errors.js'
import { parseCount, parseTime } from './list-query.js'
import { examples, type Output } from './output.js'
import { localTime } from './render.js'

/** A collection by its name or its singular (`session`, `sessions`). */
function collectionOf(value: string): string {
  const name = collectionNames.find((n) => n === value || collections[n].singular === value)
  if (!name) throw new UsageError(`Unknown collection '${value}': use ${collectionNames.join(', ')}`)
  return name
}

/**
 * The short ids of the documents of changes, per collection. A removed document is not in its
 * table any more, so its short id there may be another removed one's too: each is also told apart
 * from the others printed.
 */
async function shortIdsOf(backend: Backend, changes: readonly Change[]): Promise<Map<string, string>> {
  const short = new Map<string, string>()
  for (const name of new Set(changes.map((c) => c.collection))) {
    if (!isCollectionName(name)) continue
    const ids = [...new Set(changes.filter((c) => c.collection === name).map((c) => c.id))]
    const found = shortIdsAmong(ids, await backend.service(name).shortIds(ids))
    for (const [i, id] of ids.entries()) short.set(id, found[i]!)
  }
  return short
}

/** One line per change: `1042  2026-11-30 15:02:11  ci  patched  session 01a22d07  Fix the login bug`. */
function lines(changes: readonly Change[], short: Map<string, string>, output: Output): string[] {
  const c = output.color
  const actorWidth = Math.max(5, ...changes.map((ch) => (ch.actor ?? '?').length))
  return changes.map((change) => {
    const def: AnyDefinition | undefined = isCollectionName(change.collection)
      ? collections[change.collection]
      : undefined
    const summary = def ? def.summary(change.doc) : ''
    return [
      c.dim(String(change.seq).padStart(6)),
      localTime(change.at),
      (change.actor ?? '?').padEnd(actorWidth),
      change.event.padEnd(7),
      `${def?.singular ?? change.collection} ${c.bold(short.get(change.id) ?? change.id)}`,
      summary
    ]
      .join('  ')
      .trimEnd()
  })
}

async function print(context: Context, backend: Backend, changes: readonly Change[], jsonLines: boolean) {
  const { output } = context
  if (jsonLines) {
    for (const change of changes) output.out(JSON.stringify(change))
    return
  }
  for (const line of lines(changes, await shortIdsOf(backend, changes), output)) output.out(line)
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

/** How often `watch` asks for new changes (ms). */
function watchInterval(): number {
  const value = Number(process.env.AGOR_FEED_INTERVAL)
  return Number.isFinite(value) && value >= 10 ? value : 200
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
        await print(context, backend, changes, false)
      })
    )

  addFilters(program.command('watch').description('follow the changes as they are written, until stopped'))
    .option('--since-seq <seq>', 'start after this seq instead of now', parseCount)
    .addHelpText(
      'after',
      `${examples(['agor watch', 'agor watch --collection session --json | jq .', 'agor watch --since-seq 1042'])}
With --json, one change per line (JSON Lines), each written as it arrives. Stop with Ctrl-C.
`
    )
    .action(async (options: FeedFilters & { sinceSeq?: number }, command: Command) =>
      Context.run(command, async (context) => {
        const backend = await context.backend()
        const changes = backend.changes()
        let last = options.sinceSeq ?? (await changes.find({ $sort: { seq: -1 }, $limit: 1 }))[0]?.seq ?? 0
        let stop = false
        const stopped = new Promise<void>((resolve) => {
          for (const signal of ['SIGINT', 'SIGTERM'] as const) {
            process.once(signal, () => {
              stop = true
              resolve()
            })
          }
        })
        context.output.err(`Watching the changes after seq ${last} (Ctrl-C to stop)`)
        const only = filters(options)
        while (!stop) {
          const page = await changes.find({ ...only, seq: { $gt: last }, $limit: 1000 })
          if (page.length > 0) last = page.at(-1)!.seq
          await print(context, backend, page, context.output.json)
          if (page.length < 1000)
            await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, watchInterval()))])
        }
      })
    )
}
