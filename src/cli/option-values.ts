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

/** The flags of `command` that set or filter a document's field. */
function fieldFlags(command: Command): Set<string> {
  const entity = ENTITIES.find((e) => e.command === command.parent?.name())
  return new Set([...(entity?.flags ?? []), ...(entity?.filters ?? [])].map(flagName))
}

function valuesOf(command: Command, option: Option): string[] {
  const value: unknown = command.getOptionValue(option.attributeName())
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/** Throws a usage error for an empty or blank value of an option of `command` or of those above it. */
export function refuseEmptyValues(command: Command): void {
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
