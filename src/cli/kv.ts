/**
 * `agor kv get|set|delete|list`: the key-value store (schema/kv.ts, store/kv.ts) by its keys, on
 * the database file or through a daemon, as every command. Its verbs are not the entity commands':
 * keys are named exactly (no short ids) and a set is an update that creates.
 */
import type { Command } from 'commander'
import { isTextKey, KEY_RULE } from '../ids.js'
import { assertExactIntegers } from '../json-integers.js'
import type { Doc } from './backend.js'
import { Context } from './context.js'
import { UsageError } from './errors.js'
import { parseCount, parseTime } from './list-query.js'
import { examples, printJson } from './output.js'
import { oneLine, relativeTime } from './render.js'
import { visible, visibleLines } from './visible.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** `10m`, `30s`, `2h`, `1d`, `500ms` in milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  if (!match) throw new UsageError(`--expires-in takes a duration like 30s, 10m, 2h or 1d, not '${text}'`)
  const ms = Number(match[1]) * UNITS[match[2]!]!
  // a Date reaches 275,000 years ahead: further is no time at all
  if (Number.isNaN(new Date(Date.now() + ms).getTime()))
    throw new UsageError(`--expires-in '${text}' is too long`)
  return ms
}

/**
 * A key as the store takes it, checked here: through a daemon `.` and `..` would be resolved away
 * in the URL before the store could say what is wrong with them.
 */
function keyArgument(key: string): string {
  if (!isTextKey(key)) throw new UsageError(`Invalid key ${JSON.stringify(key)}: ${KEY_RULE}`)
  return key
}

/** The value of `agor kv set`: JSON, or the text as it is with --string. */
function parsedValue(text: string, asString: boolean | undefined): unknown {
  if (asString) return text
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UsageError(`The value must be JSON (a string is quoted: '"dark"'), or use --string`, {
      brief: true
    })
  }
  assertExactIntegers(text, 'the value')
  return parsed
}

/** A LIKE pattern of keys that begin with `prefix`: its own `%`, `_` and `\` taken literally. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

/** The global options that take a value: what comes after them is not the command. */
const VALUE_OPTIONS = new Set(['--db', '--url', '--workspace'])

/**
 * The command line with `agor kv set`'s `--version <n>` spelt `--if-version <n>`: the program's
 * own --version (print the version) would take it wherever it stands. Only within `agor kv`.
 */
export function kvArgv(argv: readonly string[]): string[] {
  let at = 2
  while (at < argv.length && argv[at]!.startsWith('-')) at += VALUE_OPTIONS.has(argv[at]!) ? 2 : 1
  if (argv[at] !== 'kv') return [...argv]
  // after `--` every word is an argument, a key or a value
  const end = argv.indexOf('--', at)
  return argv.map((arg, i) =>
    i <= at || (end !== -1 && i >= end) ? arg : arg.replace(/^--version(?==|$)/, '--if-version')
  )
}

interface SetOptions {
  ifVersion?: string
  expiresIn?: string
  expiresAt?: string
  string?: boolean
}

function setData(text: string, options: SetOptions): Doc {
  const data: Doc = { value: parsedValue(text, options.string) }
  if (options.ifVersion !== undefined) {
    if (!/^\d+$/.test(options.ifVersion) || !Number.isSafeInteger(Number(options.ifVersion)))
      throw new UsageError('--version takes a whole number, 0 or more, below 2^53')
    data.version = Number(options.ifVersion)
  }
  if (options.expiresIn !== undefined && options.expiresAt !== undefined)
    throw new UsageError('Give --expires-in or --expires-at, not both')
  if (options.expiresIn !== undefined)
    data.expires_at = new Date(Date.now() + durationMs(options.expiresIn)).toISOString()
  if (options.expiresAt !== undefined) {
    // parseTime reads `10m` as ten minutes ago, which is no expiry anyone means
    if (/^\s*\d+[smhdw]\s*$/.test(options.expiresAt))
      throw new UsageError(`--expires-at takes an ISO date or time; for a duration use --expires-in`)
    data.expires_at = parseTime('--expires-at', options.expiresAt)
  }
  return data
}

const shown = (value: unknown) => JSON.stringify(value) ?? 'null'

function line(entry: Doc): string {
  const expiry = entry.expires_at ? `, expires ${relativeTime(entry.expires_at)}` : ''
  return `${visible(String(entry.key))} (version ${String(entry.version)}${expiry})`
}

export function registerKv(program: Command): void {
  const group = program
    .command('kv')
    .description('the key-value store: get, set, delete and list keys (exact keys, no short ids)')
    .addHelpText(
      'after',
      examples([
        `agor kv set ui:theme '"dark"'`,
        'agor kv set cursor:feed 42 --version 3',
        `agor kv set lock:deploy '{"by":"me"}' --version 0 --expires-in 10m`,
        'agor kv get ui:theme',
        'agor kv list --prefix ui:',
        'agor kv delete ui:theme'
      ])
    )

  group
    .command('get')
    .description('print the value of a key (its JSON); --json prints the whole entry')
    .argument('<key>', 'the key, exactly')
    .action(async (key: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const entry = await (await context.backend()).service('kv').get(keyArgument(key))
        if (context.output.json) return printJson(context.output, entry)
        context.output.out(visibleLines(JSON.stringify(entry.value, null, 2) ?? 'null'))
      })
    )

  group
    .command('set')
    .description('set a key to a JSON value; with --version, only if the key is at that version')
    .argument('<key>', 'the key, exactly')
    .argument('<value>', 'the value as JSON (with --string: the text as it is)')
    .option(
      '--if-version <n>',
      'compare-and-set: write only if the stored version is n (0: only if absent); also --version <n>'
    )
    .option('--expires-in <duration>', 'the key reads as absent after this long: 30s, 10m, 2h, 1d')
    .option('--expires-at <time>', 'the key reads as absent after this ISO-8601 time')
    .option('--string', 'store the value as text, not JSON')
    .action(async (key: string, text: string, options: SetOptions, command: Command) =>
      Context.run(command, async (context) => {
        const data = setData(text, options)
        const entry = await (await context.backend()).service('kv').update(keyArgument(key), data)
        if (context.output.json) return printJson(context.output, entry)
        context.output.out(`Set ${line(entry)}`)
      })
    )

  group
    .command('delete')
    .alias('rm')
    .description('delete a key')
    .argument('<key>', 'the key, exactly')
    .action(async (key: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const entry = await (await context.backend()).service('kv').remove(keyArgument(key))
        if (context.output.json) return printJson(context.output, entry)
        context.output.out(`Deleted ${line(entry)}`)
      })
    )

  group
    .command('list')
    .alias('ls')
    .description('list keys that have not expired, by key')
    .option('--prefix <text>', 'only keys that begin with this text')
    .option('--limit <n>', 'at most this many (default 50, at most 500)', parseCount)
    .option('--skip <n>', 'skip this many first', parseCount)
    .action(async (options: { prefix?: string; limit?: number; skip?: number }, command: Command) =>
      Context.run(command, async (context) => {
        const query: Doc = { $sort: { key: 1 } }
        if (options.prefix !== undefined) query.key = { $like: prefixPattern(options.prefix) }
        if (options.limit !== undefined) query.$limit = options.limit
        if (options.skip !== undefined) query.$skip = options.skip
        const page = await (await context.backend()).service('kv').find(query)
        if (context.output.json) return printJson(context.output, page)
        const { output } = context
        for (const entry of page.data) {
          const expiry = entry.expires_at
            ? output.color.dim(` (expires ${relativeTime(entry.expires_at)})`)
            : ''
          output.out(
            `${output.color.bold(visible(String(entry.key)))}  ${oneLine(shown(entry.value), 60)}${expiry}`
          )
        }
        if (page.total > page.skip + page.data.length)
          output.err(`${page.total - page.skip - page.data.length} more: use --skip and --limit`)
      })
    )
}
