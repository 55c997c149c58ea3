/**
 * `agor <entity> delete`: one document, by its id.
 */
import type { Command } from 'commander'
import type { AnyDefinition } from '../schema/collection.js'
import { Context } from './context.js'
import type { Entity } from './entity-specs.js'
import { examples } from './output.js'
import { printWritten } from './print.js'
import { idNamed } from './resolve.js'

export function registerDelete(group: Command, entity: Entity, def: AnyDefinition): void {
  group
    .command('delete')
    .alias('rm')
    .description(`delete a ${def.singular}${entity.name === 'sessions' ? ' (and its tasks)' : ''}`)
    .argument('<id>', 'a short id')
    .addHelpText('after', examples([`agor ${entity.command} delete 0199b73d`]))
    .action(async (id: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const api = (await context.backend()).service(entity.name)
        await printWritten(context, api, def, 'Deleted', await api.remove(await idNamed(api, def, id)))
      })
    )
}
