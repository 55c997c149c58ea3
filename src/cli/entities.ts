/**
 * The entity commands: `agor <session|task|board|repo> <list|show|create|update|delete>`, and
 * for sessions `tree`, `fork` and `spawn`. Every id argument takes a short id (any unique prefix)
 * or the value of a unique key (a repo's slug).
 */
import type { Command } from 'commander'
import type { AnyDefinition } from '../schema/collection.js'
import { collections } from '../schema/index.js'
import type { Doc } from './backend.js'
import { Context } from './context.js'
import { collect, dataOf, documentFrom } from './document-input.js'
import { registerDelete } from './entity-delete.js'
import { registerList } from './entity-list.js'
import { addFlags, ENTITIES, type Entity, writeFlags } from './entity-specs.js'
import { UsageError } from './errors.js'
import { registerGenealogy } from './genealogy.js'
import { parseIncrements } from './list-query.js'
import { examples, printJson } from './output.js'
import { printWritten, relationShortIds } from './print.js'
import { renderDocument } from './render.js'
import { assertRequiredFields, documentNamed, idArgument, idNamed, withReferences } from './resolve.js'

function nothingGiven(doc: Doc | Doc[]): boolean {
  return !Array.isArray(doc) && Object.keys(doc).length === 0
}

function registerEntity(program: Command, entity: Entity): void {
  const def: AnyDefinition = collections[entity.name]
  const group = program
    .command(entity.command)
    .description(`list, show, create, update and delete ${def.name}`)
    .addHelpText(
      'after',
      examples([entity.examples.list, `agor ${entity.command} show 0199b73d`, entity.examples.create])
    )

  registerList(group, entity, def)

  group
    .command('show')
    .description(`show one ${def.singular}`)
    .argument('<id>', idArgument(def))
    .addHelpText(
      'after',
      examples([`agor ${entity.command} show 0199b73d`, `agor ${entity.command} show 0199B73DB5 --json`])
    )
    .action(async (id: string, _options, command: Command) =>
      Context.run(command, async (context) => {
        const backend = await context.backend()
        const api = backend.service(entity.name)
        const doc = await documentNamed(api, def, id)
        if (context.output.json) return printJson(context.output, doc)
        const [[shortId], related] = await Promise.all([
          api.shortIds([String(doc[def.idField])]),
          relationShortIds(backend, def, [doc])
        ])
        context.output.out(renderDocument(def, doc, shortId!, context.output, related))
      })
    )

  const create = group.command('create').description(`create a ${def.singular}`)
  addFlags(create, entity.flags, def.statuses)
    .addHelpText(
      'after',
      examples([entity.examples.create, `agor ${entity.command} create --data @${entity.command}.json`]) +
        '\nA JSON list in --data creates several at once (all or none).\n'
    )
    .action(async (options, command: Command) =>
      Context.run(command, async (context) => {
        const flags = writeFlags(entity, def)
        const data = dataOf(options)
        // a missing required field is a usage error before anything is opened or looked up
        assertRequiredFields(def, flags, documentFrom(options, flags, true, data))
        const backend = await context.backend()
        const doc = documentFrom(await withReferences(backend, flags, options), flags, true, data)
        const api = backend.service(entity.name)
        await printWritten(context, api, def, 'Created', await api.create(doc))
      })
    )

  const update = group
    .command('update')
    .description(`change fields of a ${def.singular} (a merge; --replace replaces the whole document)`)
    .argument('<id>', idArgument(def))
  addFlags(update, entity.flags, def.statuses)
    .option('--replace', 'replace the whole document instead of merging into it')
    .option(
      '--inc <field=n>',
      'raise a number field by n (n < 0 lowers it) in the database; repeatable',
      collect
    )
    .addHelpText(
      'after',
      examples([
        entity.examples.update,
        `agor ${entity.command} update 0199b73d --data '{"title":null}'`,
        `agor ${entity.command} update 0199b73d --inc custom_context.retries=1`
      ])
    )
    .action(async (id: string, options, command: Command) =>
      Context.run(command, async (context) => {
        const backend = await context.backend()
        const flags = writeFlags(entity, def)
        const doc = documentFrom(await withReferences(backend, flags, options), flags)
        if (Array.isArray(doc)) throw new UsageError('--data of an update must be a JSON object')
        if (options.inc) {
          if (options.replace) throw new UsageError('--inc raises fields of a merge: leave out --replace')
          if (doc.$inc !== undefined) throw new UsageError('Give $inc in --data or as --inc, not both')
          doc.$inc = parseIncrements(options.inc)
        }
        if (nothingGiven(doc)) throw new UsageError('Nothing to update: give flags, --inc or --data')
        const api = backend.service(entity.name)
        const target = await idNamed(api, def, id)
        const written = options.replace ? await api.update(target, doc) : await api.patch(target, doc)
        await printWritten(context, api, def, 'Updated', written)
      })
    )

  registerDelete(group, entity, def)
  if (entity.name === 'sessions') registerGenealogy(group, entity, def)
}

export function registerEntities(program: Command): void {
  for (const entity of ENTITIES) registerEntity(program, entity)
}
