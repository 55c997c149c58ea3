/**
 * What the entity commands know of each collection: the command name, the flags that set common
 * fields, extra list columns and filters, and help examples.
 */
import { type Command, Option } from 'commander'
import type { AnyDefinition } from '../schema/collection.js'
import { type CollectionName, collections } from '../schema/index.js'
import type { Backend, Doc } from './backend.js'
import type { FieldFlag } from './input.js'
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

export const ENTITIES: Entity[] = [
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
        references: 'sessions',
        description: 'the session (short id; required on create)'
      },
      { flags: '--description <text>', field: 'description', description: 'what the task is' },
      { flags: '--prompt <text>', field: 'full_prompt', description: 'the full prompt' },
      { flags: '--model <model>', field: 'model', description: 'the model' },
      { flags: '--report <text>', field: 'report', description: 'the report' }
    ],
    columns: sessionColumn,
    filters: [
      {
        flags: '--session <id>',
        field: 'session_id',
        references: 'sessions',
        description: 'only tasks of this session (short id)'
      }
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
  const short = await relationShortIds(backend, collections.tasks, docs)
  return [
    { title: 'SESSION', value: (doc) => short.get(String(doc.session_id)) ?? String(doc.session_id ?? '') }
  ]
}

/** Adds the flags of a write: the entity's, --status (from its statuses) and --data. */
export function addFlags(
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
export function writeFlags(entity: Entity, def: AnyDefinition): FieldFlag[] {
  return def.statuses
    ? [...entity.flags, { flags: '--status <status>', field: 'status', description: '' }]
    : entity.flags
}
