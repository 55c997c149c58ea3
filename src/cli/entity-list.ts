/**
 * `agor <entity> list`: a page of documents by their short ids, filtered by flags, as a table, as
 * short ids alone (-q, for xargs), or as the page the service returned (--json).
 */
import { type Command, InvalidArgumentError, Option } from 'commander'
import type { AnyDefinition } from '../schema/collection.js'
import type { Doc } from './backend.js'
import { completesList } from './completion.js'
import { Context } from './context.js'
import { collect, optionKey } from './document-input.js'
import type { Entity } from './entity-specs.js'
import { asWireError, UsageError } from './errors.js'
import { rememberListed } from './last-list.js'
import { type ListOptions, listQuery, parseCount } from './list-query.js'
import { examples, printJson } from './output.js'
import { renderList } from './render.js'
import { withReferences } from './resolve.js'
import { sourceKey } from './source.js'

/** A flag given once: a second --search would silently replace the first. */
function once(value: string, previous: string | undefined): string {
  if (previous !== undefined) throw new InvalidArgumentError('Give it once, with every word in it.')
  return value
}

export function registerList(group: Command, entity: Entity, def: AnyDefinition): void {
  const list = group
    .command('list')
    .alias('ls')
    .description(`list ${def.name}, newest first, by their short ids`)
  if (def.statuses) {
    const status = new Option(
      '--status <status>',
      `only these statuses, comma-separated (${def.statuses.join(', ')})`
    )
    list.addOption(completesList(status, def.statuses))
  }
  for (const filter of entity.filters ?? []) {
    if (filter.repeatable) list.option(filter.flags, filter.description, collect)
    else list.option(filter.flags, filter.description)
  }
  if (def.search.length)
    list.option(
      '--search <text>',
      `full-text search in ${def.search.join(', ')}: every word, "a phrase", prefix*`,
      once
    )
  list
    .option(
      '--where <condition>',
      'field=value, field!=value, field>n, field>=n, field<n, field<=n or field~text; dot paths reach nested fields (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value]
    )
    .option('--since <time>', 'created at or after: 30s, 30m, 2h, 7d, 2w ago, or an ISO date or time')
    .option('--until <time>', 'created at or before: 30s, 30m, 2h, 7d, 2w ago, or an ISO date or time')
    .option(
      '--sort <fields>',
      'sort by fields, -field for descending (default: -created_at; with --search: best match)'
    )
    .option('--limit <n>', 'documents per page (at most 500)', parseCount, 50)
    .option('--skip <n>', 'documents to skip', parseCount)
    .option('-q, --quiet', 'print the short ids alone, one per line')
    .addHelpText(
      'after',
      examples([
        entity.examples.list,
        `agor ${entity.command} list --since 2h`,
        ...(def.search.length ? [`agor ${entity.command} list --search "login bug"`] : []),
        `agor ${entity.command} list -q | xargs -r agor ${entity.command} delete`,
        `agor ${entity.command} list --json | node -e "…"`
      ])
    )
    .action(async (options: ListOptions & { quiet?: boolean } & Record<string, unknown>, command: Command) =>
      Context.run(command, async (context) => {
        const { output } = context
        if (options.quiet && output.json) throw new UsageError('--quiet and --json do not go together')
        const backend = await context.backend()
        const resolved = await withReferences(backend, entity.filters ?? [], options)
        const extra: Doc = {}
        for (const filter of entity.filters ?? []) {
          const value = resolved[optionKey(filter)]
          if (value === undefined) continue
          if (!filter.operator) extra[filter.field] = value
          else extra[filter.field] = { ...(extra[filter.field] as Doc), [filter.operator]: value }
        }
        const api = backend.service(entity.name)
        // the query is made of the flags alone, so a query the service refuses is a bad flag value
        const page = await api.find(listQuery(options, def.statuses, extra)).catch((error: unknown) => {
          const wire = asWireError(error)
          throw wire?.code === 400 ? new UsageError(wire.message) : error
        })
        if (output.json) return printJson(output, page)
        const ids = page.data.map((d) => String(d[def.idField]))
        const [shortIds, columns] = await Promise.all([
          ids.length ? api.shortIds(ids) : [],
          options.quiet ? [] : (entity.columns?.(page.data, backend) ?? [])
        ])
        // for shell completion of ids (agor completion)
        rememberListed(sourceKey(context.options), def.name, shortIds)
        if (options.quiet) {
          if (shortIds.length) output.out(shortIds.join('\n'))
          return
        }
        output.out(renderList(def, page, shortIds, columns, output))
      })
    )
}
