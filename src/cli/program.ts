/**
 * The `agor` command: global options, the command tree, and exit codes (0 ok, 1 error, 2 usage,
 * 3 not found, 4 ambiguous id, 5 no database).
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { log } from '../log.js'
import { COMPLETE, completions, registerCompletion } from './completion.js'
import { Context } from './context.js'
import { registerDb } from './db.js'
import { registerEntities } from './entities.js'
import { EXIT, reportError, UsageError } from './errors.js'
import { registerFeed } from './feed.js'
import { kvArgv, registerKv } from './kv.js'
import { refuseEmptyValues } from './option-values.js'
import { createOutput } from './output.js'
import { registerServe } from './serve.js'
import { asSourceUsage } from './source.js'
import { registerWorkspaces } from './workspaces.js'

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return pkg.version
}

const HELP_AFTER = `
Where the data comes from:
  By default the embedded database (AGOR_DB_URL, or ~/.agor/agor.db). When a daemon
  (agor serve) serves that file, commands go through it, so its websocket clients see
  the changes. --url or AGOR_URL name a daemon explicitly.

Short ids:
  Every id argument takes any unique prefix of at least 4 hex digits, with or without
  dashes, in any case, or the value of a unique key (agor repo show agor/store). list
  shows each id by its shortest unique prefix; list -q prints them alone.

Exit codes:
  0 success, 1 error, 2 usage error, 3 not found, 4 ambiguous short id,
  5 no database at the path (only agor db setup, agor db import and agor serve create one)

Examples:
  $ agor db setup
  $ agor session create --agent claude-code --title "Fix the login bug"
  $ agor session list --status running
  $ agor session show 0199b73d
  $ agor task list --session 0199b73d --json | node -e "…"
  $ agor serve --port 3030
  $ source <(agor completion bash)
`

/** The command tree. With `json`, parse errors are printed as Feathers error JSON. */
export function buildProgram(json: boolean): Command {
  const program = new Command('agor')
    .description('Sessions, tasks, boards and repos as JSON documents with git-style short ids')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .option(
      '--db <url>',
      'the database: a file path, file: URL or libsql:// URL (default: AGOR_DB_URL or ~/.agor/agor.db)'
    )
    .addOption(
      new Option('--url <url>', 'talk to the daemon at this URL (default: AGOR_URL)').conflicts('db')
    )
    .option(
      '--json',
      'print exactly what the service returned, as JSON; errors as Feathers error JSON on stderr'
    )
    .option('--no-daemon', 'use the database directly even when a daemon serves it')
    .option(
      '--workspace <name>',
      "the workspace to work in (default: 'default'; a workspace's API key works in its own)"
    )
    // no --color: boards have a --color field; FORCE_COLOR=1 colours output that is not a terminal
    .option('--no-color', 'never colour the output (also: NO_COLOR=1; FORCE_COLOR=1 forces colour)')
    .showHelpAfterError(!json)
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => {
        if (!json) return write(text)
        const message = text.replace(/^error: /, '').trim()
        write(`${JSON.stringify({ name: 'BadRequest', message, code: 400, className: 'bad-request' })}\n`)
      }
    })
    .addHelpText('after', HELP_AFTER)
  registerEntities(program)
  registerKv(program)
  registerDb(program)
  registerFeed(program)
  registerWorkspaces(program)
  registerServe(program)
  registerCompletion(program)
  return program
}

/** `agor session delete`: the names from the program down to `command`. */
function commandPath(command: Command): string {
  const names: string[] = []
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name())
  return names.join(' ')
}

function commanderExitCode(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok
  if (error.code === 'commander.help') return error.exitCode === 0 ? EXIT.ok : EXIT.usage
  return EXIT.usage
}

/** Runs the command line and returns the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json')
  // the database layer's warnings in the CLI's voice: every warning starts with `warning:`
  const warnings = createOutput({ json, color: argv.includes('--no-color') ? false : undefined })
  log.warn = (message) => warnings.err(`${warnings.errColor.yellow('warning:')} ${message}`)
  // an unexpected error is reported as the command's own failure: its stack only when asked
  log.error = (message, error) =>
    warnings.err(
      `${warnings.errColor.red('error:')} ${message} ${process.env.AGOR_DEBUG && error instanceof Error ? error.stack : String(error)}`
    )
  const program = buildProgram(json)
  if (argv[2] === COMPLETE) {
    // the completion scripts' question, answered from the command tree before commander parses it
    const candidates = completions(program, argv.slice(3))
    if (candidates.length) process.stdout.write(`${candidates.join('\n')}\n`)
    return EXIT.ok
  }
  let active: Command = program
  program.hook('preAction', (_program, actionCommand) => {
    active = actionCommand
    refuseEmptyValues(actionCommand)
  })
  try {
    await program.parseAsync(kvArgv(argv))
    return Number(process.exitCode ?? EXIT.ok)
  } catch (caught) {
    if (caught instanceof CommanderError) return commanderExitCode(caught)
    const error = asSourceUsage(caught)
    const output = createOutput({ json, color: Context.of(active).options.color })
    const code = reportError(error, output)
    if (code === EXIT.usage && !json) {
      output.err('')
      if (error instanceof UsageError && error.brief) {
        const path = commandPath(active)
        output.err(`Usage: ${path} ${active.usage()}\nRun '${path} --help' for the options and examples.`)
      } else {
        active.outputHelp({ error: true })
      }
    }
    return code
  }
}
