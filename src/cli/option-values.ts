/**
 * Option values that cannot be meant. An empty or blank one (`--sort ''`, `--out "$DIR"` with DIR
 * unset) is refused before the command runs instead of being read as nothing: `--out ''` would
 * export into the current folder, `--url ''` fall back to the database. A flag that sets a
 * document's field (`--title ''`) is left to the collection's schema to judge.
 */
import type { Command, Option } from 'commander'
import { flagName } from './document-input.js'
import { ENTITIES } from './entity-specs.js'
import { UsageError } from './errors.js'

/**
 * The flags of `command` that set or filter a document's field by its value. A list filter
 * (`--tag`) is not one: an empty tag is no tag, and would match nothing.
 */
function fieldFlags(command: Command): Set<string> {
  const entity = ENTITIES.find((e) => e.command === command.parent?.name())
  // `list` takes the filters, the writes the flags: `--tag` is one of each
  const fields =
    command.name() === 'list'
      ? (entity?.filters ?? []).filter((filter) => !filter.operator)
      : (entity?.flags ?? [])
  return new Set(fields.map(flagName))
}

function valuesOf(command: Command, option: Option): string[] {
  const value: unknown = command.getOptionValue(option.attributeName())
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/**
 * An empty path argument (`agor db backup ''`, `"$UNSET"`) would name the current folder. Id
 * arguments are left to their commands, which say what an empty id names.
 */
function refuseEmptyArguments(command: Command): void {
  for (const [i, argument] of command.registeredArguments.entries()) {
    if (argument.name() === 'id' || argument.name() === 'ids') continue
    const given: unknown = command.processedArgs[i]
    const values = Array.isArray(given) ? given : [given]
    const blank = values.find((value): value is string => typeof value === 'string' && value.trim() === '')
    if (blank !== undefined) {
      throw new UsageError(`<${argument.name()}> '${blank}' is ${blank ? 'blank' : 'empty'}: give it a value`)
    }
  }
}

/**
 * Throws a usage error for an empty or blank value of an option of `command` or of those above it,
 * or of one of its path arguments.
 */
export function refuseEmptyValues(command: Command): void {
  refuseEmptyArguments(command)
  const fields = fieldFlags(command)
  for (let at: Command | null = command; at; at = at.parent) {
    for (const option of at.options) {
      const flag = option.long ?? option.short ?? option.flags
      if (fields.has(flag)) continue
      const blank = valuesOf(at, option).find((value) => value.trim() === '')
      if (blank !== undefined) {
        throw new UsageError(
          `${flag} '${blank}' is ${blank ? 'blank' : 'empty'}: give it a value, or leave it out`
        )
      }
    }
  }
}
