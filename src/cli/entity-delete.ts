/**
 * `agor <entity> delete`: one document, several (all named first, then removed in one atomic call,
 * or none if any name is unknown or ambiguous), or, on purpose, every one (--all --yes).
 */
import type { Command } from 'commander'
import type { AnyDefinition } from '../schema/collection.js'
import { collectionNames, collections } from '../schema/index.js'
import type { Doc } from './backend.js'
import { Context } from './context.js'
import type { Entity } from './entity-specs.js'
import { UsageError } from './errors.js'
import { countedDocuments, examples, printJson } from './output.js'
import { printWritten } from './print.js'
import { documentNamed, idArgument, idNamed } from './resolve.js'

interface DeleteOptions {
  all?: boolean
  yes?: boolean
}

/**
 * The collections whose documents go with a removed one of `def` (a session's tasks), as people
 * read them (`mcp-servers`).
 */
function cascadedBy(def: AnyDefinition): string[] {
  return collectionNames
    .filter((name) =>
      collections[name].keyColumns.some(
        (key) => key.relation?.onDelete === 'cascade' && key.relation.target() === def
      )
    )
    .map((name) => name.replaceAll('_', '-'))
}

export function registerDelete(group: Command, entity: Entity, def: AnyDefinition): void {
  const gone = cascadedBy(def)
  const cascade = gone.length ? ` (and their ${gone.join(', ')})` : ''
  group
    .command('delete')
    .alias('rm')
    .description(`delete ${def.name} by their ids${cascade}, or all of them (--all --yes)`)
    .argument('[ids...]', `${idArgument(def)}; several are all looked up before any is deleted`)
    .option('--all', `delete every ${def.singular} (needs --yes)`)
    .option('--yes', 'confirm --all')
    .addHelpText(
      'after',
      examples([
        `agor ${entity.command} delete 0199b73d`,
        `agor ${entity.command} delete 0199b73d 0199c2e0 0199c2e4`,
        `agor ${entity.command} delete --all --yes`
      ])
    )
    .action(async (ids: string[], options: DeleteOptions, command: Command) =>
      Context.run(command, async (context) => {
        if (options.all) return deleteAll(context, entity, def, ids, options)
        if (options.yes)
          throw new UsageError('--yes confirms --all; to delete documents by id, give their ids')
        if (ids.length === 0) {
          // what an empty `list -q | xargs agor … delete` runs: a line says it, not a page of help
          throw new UsageError(
            `Give the ids of the ${def.name} to delete, or --all --yes to delete every ${def.singular}`,
            { brief: true }
          )
        }
        const api = (await context.backend()).service(entity.name)
        if (ids.length === 1) {
          return printWritten(
            context,
            api,
            def,
            'Deleted',
            await api.remove(await idNamed(api, def, ids[0]!))
          )
        }
        // every name is resolved before anything is deleted: an unknown or ambiguous one stops it all
        const whole: string[] = []
        for (const id of ids) whole.push(String((await documentNamed(api, def, id))[def.idField]))
        const removed = await api.removeMany({ [def.idField]: { $in: [...new Set(whole)] } })
        const order = new Map(whole.map((id, i) => [id, i]))
        const sorted = removed.sort(
          (a, b) => (order.get(String(a[def.idField])) ?? 0) - (order.get(String(b[def.idField])) ?? 0)
        )
        await printWritten(context, api, def, 'Deleted', sorted)
      })
    )
}

async function deleteAll(
  context: Context,
  entity: Entity,
  def: AnyDefinition,
  ids: string[],
  options: DeleteOptions
): Promise<void> {
  if (ids.length > 0) throw new UsageError('--all deletes every document: give either ids or --all')
  const gone = cascadedBy(def)
  if (!options.yes) {
    throw new UsageError(
      `--all deletes every ${def.singular}${gone.length ? `, and with them their ${gone.join(', ')}` : ''}: add --yes to confirm`
    )
  }
  const api = (await context.backend()).service(entity.name)
  // $all says that no condition is meant: a service refuses a multi remove without conditions otherwise
  const removed: Doc[] = await api.removeMany({ $all: true })
  if (context.output.json) return printJson(context.output, removed)
  context.output.out(`Deleted ${countedDocuments(def.name, removed.length)}`)
}
