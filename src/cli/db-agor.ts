/**
 * `agor db import-agor <path>`: moves a database of agor itself into this store (see
 * store/agor-import.ts), or with --dry-run says what it would do.
 */
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { AgorImportReport, AgorProblem } from '../store/agor-import.js'
import { Context } from './context.js'
import { configOf } from './db-common.js'
import { beforeCreating } from './new-database.js'
import { countedDocuments, examples, printJson } from './output.js'

/** Problems printed before the error itself: the rest are in --json. */
const PROBLEMS_PRINTED = 20

export function registerDbAgor(db: Command): void {
  db.command('import-agor')
    .description(
      'import a database of agor itself (its ~/.agor/agor.db): every row checked first, all in one transaction'
    )
    .argument('<path>', "the SQLite file of agor's database (it is only read)")
    .option('--dry-run', 'check everything and say what would be imported, writing nothing')
    .addHelpText(
      'after',
      `${examples(['agor db import-agor ~/.agor/agor.db --dry-run', 'agor db import-agor ~/.agor/agor.db'])}\nIds, timestamps, authorship and users' passwords are kept. A row that does not fit (an\ninvalid field, a duplicate key, a reference to nothing) refuses the whole import, with\nthe rows and fields named; nothing is written. Documents already here are left as they\nare: a second run changes nothing.\n`
    )
    .action(async (path: string, options: { dryRun?: boolean }, command: Command) =>
      Context.run(command, async (context) => {
        const [{ importAgor }, { withDatabase }] = await Promise.all([
          import('../store/agor-import.js'),
          import('../store/transfer-files.js')
        ])
        const config = await configOf(context)
        // an import that fails writes nothing: a database file it created for that is removed again
        const created = beforeCreating(config.mode === 'file' ? config.path : undefined)
        const report = await withDatabase({ url: context.options.db }, (database) =>
          importAgor(database, resolve(path), { dryRun: options.dryRun === true })
        ).catch((error: unknown) => {
          created.discard()
          printProblems(context, error)
          throw error
        })
        if (options.dryRun) created.discard()
        if (context.output.json) return printJson(context.output, report)
        for (const line of summary(report)) context.output.out(line)
      })
    )
}

/** One line per agor table: rows read, documents imported and kept, what was left out. */
function summary(report: AgorImportReport): string[] {
  const verb = report.dryRun ? 'would import' : 'imported'
  const width = Math.max(...report.tables.map((t) => t.table.length))
  const lines = report.tables.map((t) => {
    const kept = t.skipped ? `, ${t.skipped} here already` : ''
    const out = Object.entries(t.leftOut).map(([field, n]) => `${field} (${n})`)
    const left = out.length ? `; left out: ${out.join(', ')}` : ''
    return `${t.table.padEnd(width)}  ${t.rows} rows: ${verb} ${countedDocuments(t.collection, t.imported)}${kept}${left}`
  })
  const passwords = `${report.passwords} user password${report.passwords === 1 ? '' : 's'} ${report.dryRun ? 'would be' : ''} kept`
  return [...lines, passwords.replace('  ', ' '), ...(report.dryRun ? ['Dry run: nothing was written'] : [])]
}

function printProblems(context: Context, error: unknown): void {
  const data: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'data') : undefined
  const problems: unknown =
    typeof data === 'object' && data !== null ? Reflect.get(data, 'problems') : undefined
  if (!Array.isArray(problems) || context.output.json) return
  for (const p of problems.slice(0, PROBLEMS_PRINTED) as AgorProblem[])
    context.output.err(`${p.table} ${p.id}: ${p.field}: ${p.message}`)
}
