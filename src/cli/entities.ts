/**
 * The entity commands: `agor <session|task|board|repo> <list|show|create|update|delete>`, and
 * for sessions `tree`, `fork` and `spawn`. Every id argument takes a short id (any unique prefix).
 */
import { type Command, Option } from 'commander'
import type { AnyDefinition } from '../schema/collection.js'
import { collections } from '../schema/index.js'
import type { Backend, Doc, DocumentsApi } from './backend.js'
import { Context } from './context.js'
import { ENTITIES, type Entity } from './entity-specs.js'
import { asWireError, UsageError } from './errors.js'
import { documentFrom, type FieldFlag, optionKey } from './input.js'
import { examples, printJson } from './output.js'
import { listQuery, parseCount } from './query.js'
import { renderDocument, renderList, renderTree } from './render.js'

function addFlags(
  command: Command,
  flags: readonly FieldFlag[],
  statuses: readonly string[] | undefined
): Command {
  for (const flag of flags) command.option(flag.flags, flag.description)
  if (statuses) {
    command.addOption(new Option('--status <status>', 'the status').choices([...statuses]))
  }
  command.option('--data <json>', 'other fields as JSON, or @file.json, or @- for standard input')
  return command
}

/** The fields flags can set: the entity's flags and status. */
function writeFlags(entity: Entity, def: AnyDefinition): FieldFlag[] {
  return def.statuses
    ? [...entity.flags, { flags: '--status <status>', field: 'status', description: '' }]
    : entity.flags
}

/**
 * The options with every flag that names another document (`--session 0199b73d`) resolved to its
 * whole id, so that a prefix that names nothing is "not found" (exit 3) and an ambiguous one
 * lists its candidates (exit 4), as for an id argument, rather than the 400 of a write that names
 * a missing document or an empty list.
 */
async function withReferences(
  backend: Backend,
  flags: readonly FieldFlag[],
  options: Record<string, unknown>
): Promise<Record<string, unknown>> {
  const resolved = { ...options }
  for (const flag of flags) {
    const key = optionKey(flag)
    const value = resolved[key]
    if (!flag.references || typeof value !== 'string') continue
    const doc = await backend.service(flag.references).get(value)
    resolved[key] = doc[collections[flag.references].idField]
  }
  return resolved
}

function nothingGiven(doc: Doc | Doc[]): boolean {
  return !Array.isArray(doc) && Object.keys(doc).length === 0
}

/** Prints documents the way a write returned them: `Created session 0199b73d (…): summary`. */
async function printWritten(
  context: Context,
  api: DocumentsApi,
  def: AnyDefinition,
  verb: string,
  written: Doc | Doc[]
): Promise<void> {
  const { output } = context
  if (output.json) return printJson(output, written)
  const docs = Array.isArray(written) ? written : [written]
  const ids = docs.map((d) => String(d[def.idField]))
  const shortIds = verb === 'Deleted' ? ids : await api.shortIds(ids)
  docs.forEach((doc, i) => {
    const full = verb === 'Deleted' ? '' : ` ${output.color.dim(`(${ids[i]})`)}`
    output.out(`${verb} ${def.singular} ${output.color.bold(shortIds[i]!)}${full}: ${def.summary(doc)}`)
  })
}

function registerEntity(program: Command, entity: Entity): void {
  const def: AnyDefinition = collections[entity.name]
  const plural = def.name
  const group = program
    .command(entity.command)
    .description(`list, show, create, update and delete ${plural}`)
    .addHelpText(
      'after',
      examples([entity.examples.list, `agor ${entity.command} show 0199b73d`, entity.examples.create])
    )

  const list = group
    .command('list')
    .alias('ls')
    .description(`list ${plural}, newest first, by their short ids`)
  if (def.statuses)
    list.option('--status <status>', `only these statuses, comma-separated (${def.statuses.join(', ')})`)
  for (const filter of entity.filters ?? []) list.option(filter.flags, filter.description)
  list
    .option(
      '--where <condition>',
      'field=value, field!=value, field>n, field>=n, field<n, field<=n or field~text; dot paths reach nested fields (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value]
    )
    .option('--sort <fields>', 'sort by fields, -field for descending', '-created_at')
    .option('--limit <n>', 'documents per page (at most 500)', parseCount, 50)
    .option('--skip <n>', 'documents to skip', parseCount)
    .addHelpText(
      'after',
      examples([entity.examples.list, `agor ${entity.command} list --json | node -e "…"`])
    )
    .action(async (options, command: Command) =>
      Context.run(command, async (context) => {
        const backend = await context.backend()
        const resolved = await withReferences(backend, entity.filters ?? [], options)
        const extra: Doc = {}
        for (const filter of entity.filters ?? []) {
          const value = resolved[optionKey(filter)]
          if (value !== undefined) extra[filter.field] = value
        }
        const api = backend.service(entity.name)
        // the query is made of the flags alone, so a query the service refuses is a bad flag value
        const page = await api.find(listQuery(options, def.statuses, extra)).catch((error: unknown) => {
          const wire = asWireError(error)
          throw wire?.code === 400 ? new UsageError(wire.message) : error
        })
        if (context.output.json) return printJson(context.output, page)
        const ids = page.data.map((d) => String(d[def.idField]))
        const [shortIds, columns] = await Promise.all([
          ids.length ? api.shortIds(ids) : [],
          entity.columns?.(page.data, backend) ?? []
        ])
        context.output.out(renderList(def, page, shortIds, columns, context.output))
      })
    )

  group
    .command('show')
    .description(`show one ${def.singular}`)
    .argument('<id>', 'a short id: any unique prefix, dashes optional, any case')
    .addHelpText(
      'after',
      examples([`agor ${entity.command} show 0199b73d`, `agor ${entity.command} show 0199B73DB5 --json`])
    )
    .action(async (id: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const api = (await context.backend()).service(entity.name)
        const doc = await api.get(id)
        if (context.output.json) return printJson(context.output, doc)
        const [shortId] = await api.shortIds([String(doc[def.idField])])
        context.output.out(renderDocument(def, doc, shortId!, context.output))
      })
    )

  const create = group.command('create').description(`create a ${def.singular}`)
  addFlags(create, entity.flags, def.statuses)
    .addHelpText(
      'after',
      examples([entity.examples.create, `agor ${entity.command} create --data @${entity.command}.json`]) +
        '\nA JSON list in --data creates several at once (all or none).\n'
    )
    .action(async (options, command: Command) =>
      Context.run(command, async (context) => {
        const backend = await context.backend()
        const flags = writeFlags(entity, def)
        const doc = documentFrom(await withReferences(backend, flags, options), flags, true)
        const api = backend.service(entity.name)
        await printWritten(context, api, def, 'Created', await api.create(doc))
      })
    )

  const update = group
    .command('update')
    .description(`change fields of a ${def.singular} (a merge; --replace replaces the whole document)`)
    .argument('<id>', 'a short id')
  addFlags(update, entity.flags, def.statuses)
    .option('--replace', 'replace the whole document instead of merging into it')
    .addHelpText(
      'after',
      examples([entity.examples.update, `agor ${entity.command} update 0199b73d --data '{"title":null}'`])
    )
    .action(async (id: string, options, command: Command) =>
      Context.run(command, async (context) => {
        const backend = await context.backend()
        const flags = writeFlags(entity, def)
        const doc = documentFrom(await withReferences(backend, flags, options), flags)
        if (Array.isArray(doc) || nothingGiven(doc))
          throw new UsageError('Nothing to update: give flags or --data')
        const api = backend.service(entity.name)
        const written = options.replace ? await api.update(id, doc) : await api.patch(id, doc)
        await printWritten(context, api, def, 'Updated', written)
      })
    )

  group
    .command('delete')
    .alias('rm')
    .description(`delete a ${def.singular}${entity.name === 'sessions' ? ' (and its tasks)' : ''}`)
    .argument('<id>', 'a short id')
    .addHelpText('after', examples([`agor ${entity.command} delete 0199b73d`]))
    .action(async (id: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const api = (await context.backend()).service(entity.name)
        await printWritten(context, api, def, 'Deleted', await api.remove(id))
      })
    )

  if (entity.name === 'sessions') registerGenealogy(group, entity, def)
}

function registerGenealogy(group: Command, entity: Entity, def: AnyDefinition): void {
  group
    .command('tree')
    .description('show a session with its ancestors and the sessions spawned or forked from it')
    .argument('<id>', 'a short id')
    .addHelpText('after', examples(['agor session tree 0199b73d']))
    .action(async (id: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const api = (await context.backend()).sessions()
        const tree = await api.genealogy(id)
        if (context.output.json) return printJson(context.output, tree)
        const docs = [tree.session, ...tree.ancestors, ...tree.children]
        const ids = docs.map((d) => String(d.session_id))
        const shortIds = await api.shortIds(ids)
        const byId = new Map(ids.map((i, n) => [i, shortIds[n]!]))
        context.output.out(renderTree(def, tree, byId, context.output))
      })
    )

  for (const [verb, description] of [
    ['fork', 'fork a session: a new idle session with its fields, pointing back at it'],
    ['spawn', 'spawn a child session on the same agent, repo and git state']
  ] as const) {
    const command = group.command(verb).description(description).argument('<id>', 'a short id')
    addFlags(command, entity.flags, def.statuses)
      .addHelpText('after', examples([`agor session ${verb} 0199b73d --title "try another approach"`]))
      .action(async (id: string, options, cmd: Command) =>
        Context.run(cmd, async (context) => {
          const doc = documentFrom(options, writeFlags(entity, def))
          if (Array.isArray(doc)) throw new UsageError(`--data must be a JSON object`)
          const api = (await context.backend()).sessions()
          const written = verb === 'fork' ? await api.fork(id, doc) : await api.spawn(id, doc)
          await printWritten(context, api, def, verb === 'fork' ? 'Forked' : 'Spawned', written)
        })
      )
  }
}

export function registerEntities(program: Command): void {
  for (const entity of ENTITIES) registerEntity(program, entity)
}
