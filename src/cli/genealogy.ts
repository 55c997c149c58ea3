/**
 * The session commands beyond the common ones: `tree` (a session with its ancestors and the
 * sessions spawned or forked from it), `fork` and `spawn`.
 */
import type { Command } from 'commander'
import type { AnyDefinition } from '../schema/collection.js'
import { Context } from './context.js'
import { documentFrom } from './document-input.js'
import { addFlags, type Entity, writeFlags } from './entity-specs.js'
import { UsageError } from './errors.js'
import { examples, printJson } from './output.js'
import { printWritten } from './print.js'
import { renderTree } from './render.js'
import { idNamed } from './resolve.js'

export function registerGenealogy(group: Command, entity: Entity, def: AnyDefinition): void {
  group
    .command('tree')
    .description('show a session with its ancestors and the sessions spawned or forked from it')
    .argument('<id>', 'a short id')
    .addHelpText('after', examples(['agor session tree 0199b73d']))
    .action(async (id: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const api = (await context.backend()).sessions()
        const tree = await api.genealogy(await idNamed(api, def, id))
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
          const origin = await idNamed(api, def, id)
          const written = verb === 'fork' ? await api.fork(origin, doc) : await api.spawn(origin, doc)
          await printWritten(context, api, def, verb === 'fork' ? 'Forked' : 'Spawned', written)
        })
      )
  }
}
