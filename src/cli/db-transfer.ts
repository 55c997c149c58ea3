/**
 * `agor db export` and `agor db import`: every document as JSON Lines, and back. They work on the
 * database itself; a running daemon's clients get an import's events from the change feed.
 */
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { type Command, Option } from 'commander'
import { StoredIdError } from '../errors.js'
import type { ImportResult, OnConflict } from '../store/import.js'
import { Context } from './context.js'
import { configOf } from './db-common.js'
import { withHint } from './errors.js'
import { beforeCreating } from './new-database.js'
import { countedDocuments, examples, printJson } from './output.js'

type Counts = ImportResult['imported']

/** `its id is` for one document, `their ids are` for more. */
function theirIds(counts: Counts, one = 'is', more = 'are'): string {
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0)
  return total === 1 ? `its id ${one}` : `their ids ${more}`
}

export function registerDbTransfer(db: Command): void {
  db.command('export')
    .description(
      "write every document as JSON Lines: one <collection>.jsonl per collection, other workspaces' under workspaces/<name>/ (--workspace: one workspace's)"
    )
    .option('--out <dir>', 'the folder to write (default: ~/.agor/exports/export-<time>)')
    .addHelpText('after', examples(['agor db export --out ./dump', 'agor db import ./dump --db ./copy.db']))
    .action(async (options, command: Command) =>
      Context.run(command, async (context) => {
        const [{ exportDatabase }, { progressBar }] = await Promise.all([
          import('../store/transfer.js'),
          import('./progress.js')
        ])
        await configOf(context)
        // without --out, a named place of its own rather than the current folder
        const dir = resolve(
          options.out ??
            join(homedir(), '.agor', 'exports', `export-${new Date().toISOString().replace(/[:.]/g, '-')}`)
        )
        const bar = progressBar('Exporting', 'documents')
        try {
          const manifest = await exportDatabase({ url: context.options.db }, dir, {
            onProgress: bar.update,
            workspace: context.options.workspace
          })
          bar.stop()
          if (context.output.json) return printJson(context.output, { dir, ...manifest })
          const total: Record<string, number> = {}
          for (const counts of Object.values(manifest.workspaces))
            for (const [name, n] of Object.entries(counts)) total[name] = (total[name] ?? 0) + (n ?? 0)
          // the collections it holds documents of: twelve counts, most of them naught, say less
          const held = Object.entries(total).filter(([, n]) => n > 0)
          const counts = held.length ? held.map(([name, n]) => countedDocuments(name, n)) : ['0 documents']
          const spaces = Object.keys(manifest.workspaces)
          const where = spaces.length > 1 ? ` of ${spaces.length} workspaces (${spaces.join(', ')})` : ''
          context.output.out(`Exported ${counts.join(', ')}${where} to ${dir}`)
        } finally {
          bar.stop()
        }
      })
    )

  db.command('import')
    .description(
      'import an export folder: every document validated, all in one transaction, each workspace into its own (--workspace: all into that one)'
    )
    .argument('<dir>', 'a folder written by agor db export')
    .addOption(
      new Option(
        '--on-conflict <mode>',
        'a document whose id is stored already: fail, skip it, or replace the stored one'
      )
        .choices(['fail', 'skip', 'replace'])
        .default('fail')
    )
    .addHelpText(
      'after',
      `${examples(['agor db import ./dump', 'agor db import ./dump --on-conflict skip'])}\nIds and timestamps are kept. An id that exists already (with --on-conflict fail), a\nunique key another document holds, an invalid document or a reference to a missing\ndocument fails the whole import: nothing is written.\n`
    )
    .action(async (dir: string, options: { onConflict: OnConflict }, command: Command) =>
      Context.run(command, async (context) => {
        const [{ importDatabase }, { progressBar }] = await Promise.all([
          import('../store/transfer.js'),
          import('./progress.js')
        ])
        const config = await configOf(context)
        dir = resolve(dir)
        const bar = progressBar('Importing', 'bytes')
        // an import that fails writes nothing: a database file it created for that is removed again
        const created = beforeCreating(config.mode === 'file' ? config.path : undefined)
        try {
          const result = await importDatabase({ url: context.options.db }, dir, {
            onProgress: bar.update,
            onConflict: options.onConflict,
            workspace: context.options.workspace
          }).catch((error: unknown) => {
            created.discard()
            throw error instanceof StoredIdError
              ? withHint(
                  error,
                  '--on-conflict skip keeps the stored documents, --on-conflict replace overwrites them with the export'
                )
              : error
          })
          bar.stop()
          if (context.output.json) return printJson(context.output, { dir, ...result })
          const shown = (counts: Counts) =>
            Object.entries(counts)
              .map(([name, n]) => countedDocuments(name, n))
              .join(', ')
          // documents of the collections that had some
          const some = (counts: Counts) =>
            shown(Object.fromEntries(Object.entries(counts).filter(([, n]) => n)))
          context.output.out(`Imported ${some(result.imported) || '0 documents'} from ${dir}`)
          if (some(result.skipped))
            context.output.out(`Skipped ${some(result.skipped)}: ${theirIds(result.skipped)} stored already`)
          if (some(result.replaced))
            context.output.out(
              `Replaced ${some(result.replaced)}: ${theirIds(result.replaced, 'was', 'were')} stored already`
            )
        } finally {
          bar.stop()
        }
      })
    )
}
