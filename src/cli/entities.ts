/**
 * The entity commands: `agor <session|task|board|repo> <list|show|create|update|delete>`, and
 * for sessions `tree`, `fork` and `spawn`. Every id argument takes a short id (any unique prefix).
 */
import { type Command, Option } from 'commander'
import type { AnyDefinition } from '../schema/collection.js'
import { type CollectionName, collections } from '../schema/index.js'
import type { Backend, Doc, DocumentsApi } from './backend.js'
import { Context } from './context.js'
import { UsageError } from './errors.js'
import { documentFrom, type FieldFlag, optionKey } from './input.js'
import { examples, printJson } from './output.js'
import { listQuery, parseCount } from './query.js'
import { type Column, renderDocument, renderList, renderTree } from './render.js'

interface Entity {
  command: string
  name: CollectionName
  /** Flags of create and update (besides --status and --data). */
  flags: FieldFlag[]
  /** List columns besides id, status, created and summary. */
  columns?: (docs: Doc[], backend: Backend) => Promise<Column[]>
  /** Extra list filters: flag → field (values may be short ids). */
  filters?: FieldFlag[]
  examples: { create: string; update: string; list: string }
}

const ENTITIES: Entity[] = [
  {
    command: 'session',
    name: 'sessions',
    flags: [
      { flags: '--agent <agent>', field: 'agent', description: 'the agent (required on create)' },
      { flags: '--title <title>', field: 'title', description: 'a title' },
      { flags: '--description <text>', field: 'description', description: 'a description' },
      { flags: '--ref <ref>', field: 'git_state.ref', description: 'the git ref it works on' }
    ],
    columns: async () => [{ title: 'AGENT', value: (doc) => String(doc.agent ?? '') }],
    filters: [{ flags: '--agent <agent>', field: 'agent', description: 'only sessions of this agent' }],
    examples: {
      create: `agor session create --agent claude-code --title "Fix the login bug"`,
      update: `agor session update 0199b73d --status running --data '{"git_state":{"ref":"main"}}'`,
      list: `agor session list --status running,failed --where git_state.ref=main --sort -updated_at --limit 20`
    }
  },
  {
    command: 'task',
    name: 'tasks',
    flags: [
      {
        flags: '--session <id>',
        field: 'session_id',
        description: 'the session (short id; required on create)'
      },
      { flags: '--description <text>', field: 'description', description: 'what the task is' },
      { flags: '--prompt <text>', field: 'full_prompt', description: 'the full prompt' },
      { flags: '--model <model>', field: 'model', description: 'the model' },
      { flags: '--report <text>', field: 'report', description: 'the report' }
    ],
    columns: sessionColumn,
    filters: [
      { flags: '--session <id>', field: 'session_id', description: 'only tasks of this session (short id)' }
    ],
    examples: {
      create: `agor task create --session 0199b73d --description "Write the tests"`,
      update: `agor task update 0199c2e0 --status completed --data '{"tool_use_count":12}'`,
      list: `agor task list --session 0199b73d --where "tool_use_count>10" --where "description~test"`
    }
  },
  {
    command: 'board',
    name: 'boards',
    flags: [
      { flags: '--name <name>', field: 'name', description: 'the name (required on create)' },
      { flags: '--description <text>', field: 'description', description: 'a description' },
      { flags: '--color <color>', field: 'color', description: 'a colour' },
      { flags: '--icon <icon>', field: 'icon', description: 'an icon' }
    ],
    examples: {
      create: `agor board create --name "Release 2.0" --color blue`,
      update: `agor board update 0199d001 --name "Release 2.1"`,
      list: `agor board list --where "name~Release"`
    }
  },
  {
    command: 'repo',
    name: 'repos',
    flags: [
      { flags: '--slug <slug>', field: 'slug', description: 'the unique slug (required on create)' },
      { flags: '--name <name>', field: 'name', description: 'a name' },
      { flags: '--remote-url <url>', field: 'remote_url', description: 'the remote URL' },
      { flags: '--local-path <path>', field: 'local_path', description: 'the local checkout' },
      { flags: '--default-branch <branch>', field: 'default_branch', description: 'the default branch' }
    ],
    examples: {
      create: `agor repo create --slug agor/store --remote-url https://github.com/agor/store.git`,
      update: `agor repo update 0199e0aa --default-branch main`,
      list: `agor repo list --where default_branch=main`
    }
  }
]

async function sessionColumn(docs: Doc[], backend: Backend): Promise<Column[]> {
  const ids = [...new Set(docs.map((d) => d.session_id).filter((v): v is string => typeof v === 'string'))]
  const shortIds = ids.length ? await backend.service('sessions').shortIds(ids) : []
  const short = new Map(ids.map((id, i) => [id, shortIds[i]!]))
  return [
    { title: 'SESSION', value: (doc) => short.get(String(doc.session_id)) ?? String(doc.session_id ?? '') }
  ]
}

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
        const extra: Doc = {}
        for (const filter of entity.filters ?? []) {
          const value = options[optionKey(filter)]
          if (value !== undefined) extra[filter.field] = value
        }
        const backend = await context.backend()
        const api = backend.service(entity.name)
        const page = await api.find(listQuery(options, def.statuses, extra))
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
        const doc = documentFrom(options, writeFlags(entity, def), true)
        const api = (await context.backend()).service(entity.name)
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
        const doc = documentFrom(options, writeFlags(entity, def))
        if (Array.isArray(doc) || nothingGiven(doc))
          throw new UsageError('Nothing to update: give flags or --data')
        const api = (await context.backend()).service(entity.name)
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
