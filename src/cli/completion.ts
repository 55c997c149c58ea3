/**
 * Shell completion. `agor completion bash|zsh|fish` prints a small script that asks agor itself
 * what may come next: `agor __complete <words…>` (hidden) walks the command tree with the words
 * typed so far and prints the candidates for the last one, one per line: subcommands, flags (the
 * command's and the global ones), the choices of a flag or argument, and ids from the last list
 * of the collection an id argument or flag names. Everything comes from the commander tree and the
 * collection definitions, so the completion never falls behind the commands.
 */
import { Argument, type Command, Option } from 'commander'
import { flagName } from './document-input.js'
import { ENTITIES } from './entity-specs.js'
import { lastListed } from './last-list.js'
import { examples } from './output.js'
import { type SourceOptions, sourceKey } from './source.js'

/** The flags that say whose last list a line's ids come from: the database, daemon and workspace. */
const SOURCE_FLAGS: Record<string, 'db' | 'url' | 'workspace'> = {
  '--db': 'db',
  '--url': 'url',
  '--workspace': 'workspace'
}

/** The hidden command the scripts call. */
export const COMPLETE = '__complete'

const SCRIPTS: Record<string, string> = {
  bash: `# agor completion for bash: add to ~/.bashrc
#   source <(agor completion bash)
_agor_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(agor ${COMPLETE} "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _agor_complete agor
`,
  zsh: `#compdef agor
# agor completion for zsh: add to ~/.zshrc (after compinit)
#   source <(agor completion zsh)
_agor() {
  local -a candidates
  candidates=("\${(@f)$(agor ${COMPLETE} "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ -n "\${candidates[1]}" ]]; then compadd -a candidates; else _files; fi
}
compdef _agor agor
`,
  fish: `# agor completion for fish: save as ~/.config/fish/completions/agor.fish
#   agor completion fish > ~/.config/fish/completions/agor.fish
function __agor_complete
    set -l words (commandline -opc) (commandline -ct)
    agor ${COMPLETE} $words[2..-1] 2>/dev/null
end
complete -c agor -f -a '(__agor_complete)'
`
}

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script for commands, flags and the ids of the last list')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(Object.keys(SCRIPTS)))
    .addHelpText(
      'after',
      `${examples([
        'source <(agor completion bash)          # in ~/.bashrc',
        'source <(agor completion zsh)           # in ~/.zshrc, after compinit',
        'agor completion fish > ~/.config/fish/completions/agor.fish'
      ])}\nIds complete from the last list of each collection (agor session list, then\nagor session show <TAB>).\n`
    )
    .action((shell: string) => {
      process.stdout.write(SCRIPTS[shell] ?? '')
    })
}

const listValues = new WeakMap<Option, readonly string[]>()

/**
 * Marks an option that takes a comma-separated list of `values` (`--status running,failed`):
 * completion offers the values not in the list yet, after those typed.
 */
export function completesList(option: Option, values: readonly string[]): Option {
  listValues.set(option, values)
  return option
}

/** The candidates for the word of an option that takes a list: `running,fa` → `running,failed`. */
function listCandidates(values: readonly string[], current: string): string[] {
  const typed = current.slice(0, current.lastIndexOf(',') + 1)
  const chosen = typed.split(',')
  return values.filter((value) => !chosen.includes(value)).map((value) => typed + value)
}

/** The short ids of the last list of `collection` in the database the words name, if any. */
function listedIds(collection: string, source: SourceOptions): string[] {
  try {
    return lastListed(sourceKey(source), collection)
  } catch {
    // the words name no database (yet): nothing to offer
    return []
  }
}

/** The options that apply to `command`: its own and those of the commands above it. */
function optionsOf(command: Command): Option[] {
  const options: Option[] = []
  for (let at: Command | null = command; at; at = at.parent) options.push(...at.options)
  if (!options.some((o) => o.long === '--help')) options.push(new Option('-h, --help'))
  return options.filter((o) => !o.hidden)
}

function findOption(command: Command, word: string): Option | undefined {
  return optionsOf(command).find((o) => o.long === word || o.short === word)
}

function subcommand(command: Command, word: string): Command | undefined {
  return command.commands.find((c) => c.name() === word || c.aliases().includes(word))
}

/** The collection whose ids an option of `command` names (`--session` of task create), if any. */
function referencedBy(command: Command, option: Option): string | undefined {
  const entity = ENTITIES.find((e) => e.command === command.parent?.name())
  const flag = [...(entity?.flags ?? []), ...(entity?.filters ?? [])].find(
    (f) => f.references && flagName(f) === option.long
  )
  return flag?.references
}

/** The collection whose ids the arguments of `command` are (`session show <id>`), if any. */
function idsOf(command: Command): string | undefined {
  const entity = ENTITIES.find((e) => e.command === command.parent?.name())
  const takesIds = command.registeredArguments.some((a: Argument) => a.name() === 'id' || a.name() === 'ids')
  return entity && takesIds ? entity.name : undefined
}

/**
 * The candidates for the last of `words` (the command line after `agor`, the last word being the
 * one under the cursor, maybe empty), as the scripts print them.
 */
export function completions(program: Command, words: readonly string[]): string[] {
  const current = words.at(-1) ?? ''
  let command = program
  let awaiting: Option | undefined
  let argumentIndex = 0
  // the database or daemon, and workspace, the line names: ids come from its last list
  const source: SourceOptions = {}
  const remember = (flag: string | undefined, value: string) => {
    const key = flag === undefined ? undefined : SOURCE_FLAGS[flag]
    if (key) source[key] = value
  }
  for (const word of words.slice(0, -1)) {
    if (awaiting) {
      remember(awaiting.long, word)
      awaiting = undefined
      continue
    }
    if (word.startsWith('-')) {
      const [flag, value] = word.split(/=(.*)/s)
      const option = findOption(command, flag!)
      if (option && (option.required || option.optional) && value === undefined) awaiting = option
      if (value !== undefined) remember(flag, value)
      continue
    }
    const sub = subcommand(command, word)
    if (sub) {
      command = sub
      argumentIndex = 0
    } else {
      argumentIndex++
    }
  }
  let candidates: string[]
  if (awaiting) {
    const collection = referencedBy(command, awaiting)
    const values = listValues.get(awaiting)
    if (values) candidates = listCandidates(values, current)
    else candidates = awaiting.argChoices ?? (collection ? listedIds(collection, source) : [])
  } else if (current.startsWith('-')) {
    candidates = optionsOf(command).flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)))
  } else {
    const subcommands = command.commands.filter((c) => c.name() !== COMPLETE).map((c) => c.name())
    const argument =
      command.registeredArguments[Math.min(argumentIndex, command.registeredArguments.length - 1)]
    const collection = idsOf(command)
    candidates = [
      ...subcommands,
      ...(argument?.argChoices ?? []),
      ...(collection ? listedIds(collection, source) : [])
    ]
  }
  return [...new Set(candidates)].filter((candidate) => candidate.startsWith(current))
}
