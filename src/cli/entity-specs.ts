/**
 * What the entity commands know of each collection: the command name, the flags that set common
 * fields, extra list columns and filters, and help examples.
 */
import { type Command, Option } from 'commander'
import type { AnyDefinition, KeyColumn } from '../schema/collection.js'
import { type CollectionName, collectionNames, collections, isCollectionName } from '../schema/index.js'
import { TAGS_FIELD } from '../schema/tags.js'
import type { Backend, Doc } from './backend.js'
import { collect, type FieldFlag } from './document-input.js'
import { relationShortIds } from './print.js'
import type { Column } from './render.js'

export interface Entity {
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

/** What a collection adds to the generic commands: flags for its common fields, help examples. */
interface EntityExtras {
  flags?: FieldFlag[]
  filters?: FieldFlag[]
  columns?: Entity['columns']
  examples?: Entity['examples']
}

/**
 * The extras of some collections. Every collection of the registry gets its commands without
 * one: `--data`, `--where`, `--sort`, `--limit`, a flag per relation column, and examples.
 */
const EXTRAS: { [N in CollectionName]?: EntityExtras } = {
  sessions: {
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
  tasks: {
    flags: [
      { flags: '--description <text>', field: 'description', description: 'what the task is' },
      { flags: '--prompt <text>', field: 'full_prompt', description: 'the full prompt' },
      { flags: '--model <model>', field: 'model', description: 'the model' },
      { flags: '--report <text>', field: 'report', description: 'the report' }
    ],
    examples: {
      create: `agor task create --session 0199b73d --description "Write the tests"`,
      update: `agor task update 0199c2e0 --status completed --data '{"tool_use_count":12}'`,
      list: `agor task list --session 0199b73d --where "tool_use_count>10" --where "description~test"`
    }
  },
  boards: {
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
  messages: {
    columns: async (docs, backend) => [
      ...((await relationColumns(collections.messages)?.(docs, backend)) ?? []),
      {
        title: 'INDEX',
        value: (doc) => (doc.index === null || doc.index === undefined ? '' : String(doc.index))
      },
      { title: 'ROLE', value: (doc) => String(doc.role ?? '') }
    ],
    examples: {
      create: `agor message create --session 0199b73d --data '{"index":0,"type":"user","role":"user","content":"Fix the login bug"}'`,
      update: `agor message update 0199c2e0 --status sent --data '{"index":12}'`,
      list: `agor message list --session 0199b73d --sort index --limit 100`
    }
  },
  users: {
    flags: [
      { flags: '--email <email>', field: 'email', description: 'the email address (required on create)' },
      { flags: '--name <name>', field: 'name', description: 'the name' },
      { flags: '--role <role>', field: 'role', description: 'owner, admin, member or viewer' },
      {
        flags: '--password <password>',
        field: 'password',
        description: 'the password (kept as a slow hash; --data @- reads it from standard input unseen)'
      }
    ],
    columns: async () => [
      { title: 'EMAIL', value: (doc) => String(doc.email ?? '') },
      { title: 'ROLE', value: (doc) => String(doc.role ?? '') }
    ],
    filters: [{ flags: '--role <role>', field: 'role', description: 'only users of this role' }],
    examples: {
      create: `agor user create --email ada@example.com --name Ada --role admin --data @- <<< '{"password":"…"}'`,
      update: `agor user update 0199f00d --role viewer`,
      list: `agor user list --role admin`
    }
  },
  repos: {
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
}

/** A relation column's flag: `session_id` → `--session <id>`, `parent_session_id` → `--parent-session <id>`. */
function relationFlag(
  def: AnyDefinition,
  key: KeyColumn,
  purpose: 'write' | 'filter'
): FieldFlag | undefined {
  const target = key.relation?.target()
  if (!target || !isCollectionName(target.name)) return undefined
  const name = key.name.replace(/_id$/, '').replaceAll('_', '-')
  const description =
    purpose === 'filter'
      ? `only ${def.name} of this ${target.singular} (short id)`
      : `the ${target.singular} (short id)`
  return { flags: `--${name} <id>`, field: key.name, references: target.name, description }
}

function relationFlags(def: AnyDefinition, purpose: 'write' | 'filter'): FieldFlag[] {
  return def.keyColumns.flatMap((key) => relationFlag(def, key, purpose) ?? [])
}

/**
 * A list column per relation the document belongs to (removed with it: a task's session), shown by
 * short id. Decided by the relation, not by the schema: a list must not make the schema.
 */
function relationColumns(def: AnyDefinition): Entity['columns'] {
  const keys = def.keyColumns.filter((key) => key.relation?.onDelete === 'cascade')
  if (keys.length === 0) return undefined
  return async (docs, backend) => {
    const short = await relationShortIds(backend, def, docs)
    return keys.map((key) => ({
      title: key.relation!.target().singular.toUpperCase(),
      value: (doc: Doc) => short.get(String(doc[key.name])) ?? String(doc[key.name] ?? '')
    }))
  }
}

/** A tagged collection's flag of writes: the whole list of tags (arrays replace on update). */
const TAG_FLAG: FieldFlag = {
  flags: '--tag <tag>',
  field: TAGS_FIELD,
  repeatable: true,
  description: 'a tag; repeat for several (on update: the whole list)'
}

/** A tagged collection's list filters. */
const TAG_FILTERS: FieldFlag[] = [
  {
    flags: '--tag <tag>',
    field: TAGS_FIELD,
    repeatable: true,
    operator: '$contains',
    description: 'only those with this tag; repeat for several (all of them)'
  },
  {
    flags: '--any-tag <tag>',
    field: TAGS_FIELD,
    repeatable: true,
    operator: '$containsAny',
    description: 'only those with one of these tags (repeatable)'
  }
]

/** The commands' view of a collection: its extras over what the definition gives every collection. */
function entityOf(name: CollectionName): Entity {
  const def: AnyDefinition = collections[name]
  const extras = EXTRAS[name] ?? {}
  const command = def.singular
  const columns = extras.columns ?? relationColumns(def)
  return {
    command,
    name,
    flags: [...relationFlags(def, 'write'), ...(extras.flags ?? []), ...(def.tagged ? [TAG_FLAG] : [])],
    filters: [...relationFlags(def, 'filter'), ...(extras.filters ?? []), ...(def.tagged ? TAG_FILTERS : [])],
    ...(columns ? { columns } : {}),
    examples: extras.examples ?? {
      create: `agor ${command} create --data '{…}'`,
      update: `agor ${command} update 0199b73d --data '{…}'`,
      list: `agor ${command} list --where field=value --sort -created_at --limit 20`
    }
  }
}

/**
 * The entity commands, one per collection of the registry whose ids are UUIDs: their verbs and
 * short ids do not fit text keys, which have commands of their own (`agor kv`, kv.ts).
 */
export const ENTITIES: Entity[] = collectionNames
  .filter((name) => collections[name].key === 'uuid')
  .map(entityOf)

/** Adds the flags of a write: the entity's, --status (from its statuses) and --data. */
export function addFlags(
  command: Command,
  flags: readonly FieldFlag[],
  statuses: readonly string[] | undefined
): Command {
  for (const flag of flags) {
    if (flag.repeatable) command.option(flag.flags, flag.description, collect)
    else command.option(flag.flags, flag.description)
  }
  if (statuses) {
    command.addOption(new Option('--status <status>', 'the status').choices([...statuses]))
  }
  command.option('--data <json>', 'other fields as JSON, or @file.json, or @- for standard input')
  return command
}

/** The fields flags can set: the entity's flags and status. */
export function writeFlags(entity: Entity, def: AnyDefinition): FieldFlag[] {
  return def.statuses
    ? [...entity.flags, { flags: '--status <status>', field: 'status', description: '' }]
    : entity.flags
}
