/**
 * `agor db check`: a report on the database, never a stack trace: SQLite's integrity check, the
 * foreign keys and the migrations, the store's derived objects, ancestor loops, and for a damaged
 * file what is wrong and what to do.
 */
import type { Command } from 'commander'
import type { ResolvedDatabaseConfig } from '../db/config.js'
import type { Connection } from '../db/connection.js'
import { Context } from './context.js'
import { configOf, migrationRows, report, withDatabase } from './db-common.js'
import { type PrimaryState, primaryOf } from './db-primary.js'
import { shellWord } from './errors.js'
import type { Colors } from './output.js'
import { countedDocuments, examples, printJson } from './output.js'
import { visible } from './visible.js'

type Report = import('../db/check.js').CheckReport & {
  checked: string
  /** Documents per collection, and those that break their schema (when the file is readable). */
  documents?: Record<string, import('../store/check-documents.js').CollectionCheck>
  /** What else is wrong (a replica whose primary lost its data or is away). */
  problems: string[]
  /** Some documents cannot be read: the damage is where they are stored. */
  documentsDamaged?: boolean
  /** A replica's primary, as last heard. */
  primary?: PrimaryState
}

const PRIMARY_WORDS: Record<PrimaryState, string> = {
  'same database': 'reachable, and the database this copy is a copy of',
  reachable: 'reachable (this copy has no database id to compare with it)',
  'another database': 'reachable, but another database (see below)',
  unreachable: 'unreachable: the copy is checked as it was last synced'
}

/** The problems of derived-check.ts, which `agor db migrate` mends. */
const DERIVED = /triggers and views are missing|search index|tag index/

/** What to do about a damaged file (or one that is no database at all). */
function advice(config: ResolvedDatabaseConfig, result: Report): string[] {
  if (!result.damaged || !config.path) return []
  // a replica's copy holds nothing its primary does not
  if (config.mode === 'replica')
    return [
      'copy it anew from the primary: agor db sync --rebootstrap (the damaged copy is kept as a backup next to it)'
    ]
  const db = shellWord(config.path)
  const restore = 'restore a backup of it (agor db backup makes them)'
  if (!result.readable) {
    return [restore, 'if this file is not meant to be an agor database, check the path (--db, AGOR_DB_URL)']
  }
  if (result.documentsDamaged)
    return [restore, 'the damage is where documents are stored: an export of this file fails too']
  return [
    restore,
    `or save what can still be read: agor db export --db ${db} --out <folder>, then agor db import <folder> --db <new file> (the export fails if the damage is in the documents themselves)`
  ]
}

function lines(config: ResolvedDatabaseConfig, result: Report, todo: string[], c: Colors): string[] {
  const mark = (ok: boolean) => (ok ? c.green('ok  ') : c.red('FAIL'))
  const out = [`Database: ${config.path ?? config.url} (${config.mode})`]
  if (result.checked === 'local copy')
    out.push(`Checked: this replica's local copy (its primary: ${config.syncUrl})`)
  if (result.primary) out.push(`Primary: ${PRIMARY_WORDS[result.primary]}`)
  if (!result.readable) {
    out.push(`${mark(false)}  readable: ${result.integrity[0]}`)
  } else {
    const integrityOk = !result.damaged
    out.push(`${mark(integrityOk)}  integrity`)
    if (!integrityOk) for (const problem of result.integrity) out.push(`      ${problem}`)
    out.push(`${mark(result.foreignKeys.length === 0)}  foreign keys`)
    for (const p of result.foreignKeys)
      out.push(`      ${p.table} ${p.id} points at a missing row of ${p.parent}`)
    const m = result.migrations
    if (m) {
      const newer = m.unknown.length ? `, ${m.unknown.length} from a newer agor-store` : ''
      out.push(
        `${mark(m.unknown.length === 0)}  migrations: ${m.applied.length} applied, ${m.pending.length} pending${newer}`
      )
    }
    if (result.documents) {
      const counts = Object.entries(result.documents)
      const invalid = counts.reduce((sum, [, check]) => sum + check.invalid, 0)
      out.push(
        `${mark(invalid === 0)}  documents: ${counts.map(([name, check]) => countedDocuments(name, check.documents)).join(', ')}`
      )
      for (const [name, check] of counts) {
        // a document that breaks its schema may hold anything: its id and problem are shown escaped
        for (const example of check.examples)
          out.push(`      ${name} ${visible(`${example.id}: ${example.problem}`)}`)
        if (check.invalid > check.examples.length)
          out.push(
            `      … and ${check.invalid - check.examples.length} more ${name} that break their schema`
          )
      }
    }
    for (const problem of result.problems) out.push(`${mark(false)}  ${problem}`)
    for (const what of result.unchecked) out.push(`${mark(false)}  not checked: ${what}`)
  }
  if (result.ok) return [...out, 'No problems found']
  const what = !result.readable
    ? ': nothing in the file can be read as a database'
    : result.damaged
      ? ': the database file is damaged'
      : ''
  out.push(c.red(`Problems found${what}`))
  if (todo.length) out.push('What to do:', ...todo.map((line) => `  - ${line}`))
  return out
}

export function registerDbCheck(db: Command): void {
  db.command('check')
    .description('check integrity, foreign keys and migrations; exits 1 on problems, with what to do')
    .addHelpText('after', examples(['agor db check', 'agor db check --json']))
    .action(async (_options, command: Command) =>
      Context.run(command, async (context) => {
        const { attempt, isDamage, unreadableReport } = await import('../db/check.js')
        const { checkDatabase } = await import('../db/admin.js')
        const config = await configOf(context)
        const { checkDocuments } = await import('../store/check-documents.js')
        const { ancestorLoops, loopAdvice } = await import('../store/ancestor-loops.js')
        // a replica reads its local copy; what it knows of its primary comes as problems
        const check = async (d: Connection, asked = true): Promise<Report> => {
          const database = await checkDatabase(d)
          const current = database.readable && database.migrations?.pending.length === 0
          // damage where documents are stored is part of the report, not the end of it
          const unchecked = [...database.unchecked]
          const documents = current
            ? await attempt('documents', unchecked, () => checkDocuments(d))
            : undefined
          const documentsDamaged = unchecked.length > database.unchecked.length
          const { primary, problems: primaryProblems } = await primaryOf(config, d, asked)
          const { derivedProblems } = await import('../store/derived-check.js')
          const derived = current
            ? ((await attempt('indexes', unchecked, () => derivedProblems(d))) ?? [])
            : []
          const loops = current
            ? ((await attempt('ancestor loops', unchecked, () => ancestorLoops(d))) ?? [])
            : []
          const problems = [...primaryProblems, ...derived, ...loops]
          const valid = Object.values(documents ?? {}).every((check) => check.invalid === 0)
          return {
            ...database,
            unchecked,
            damaged: database.damaged || documentsDamaged,
            documentsDamaged,
            ok: database.ok && !documentsDamaged && valid && problems.length === 0,
            ...(documents ? { documents } : {}),
            problems,
            checked: config.mode === 'replica' ? 'local copy' : 'database',
            ...(primary ? { primary } : {})
          }
        }
        const result: Report = await withDatabase(config, check).catch(async (error: unknown) => {
          // a file too damaged to open is what this command reports on
          if (!isDamage(error) || !(error instanceof Error)) throw error
          // a replica's driver refuses a damaged copy as it syncs: its copy is checked on its own
          if (config.mode === 'replica') {
            const { LocalConnection } = await import('../db/local.js')
            const copy = await LocalConnection.open(config, { readOnly: true }).catch(() => undefined)
            if (copy) {
              try {
                return await check(copy, false)
              } finally {
                copy.close()
              }
            }
          }
          return { ...unreadableReport(error), problems: [], checked: 'database', documentsDamaged: false }
        })
        process.exitCode = result.ok ? 0 : 1
        const todo = advice(config, result)
        // the store's triggers and the indexes it derives are made again from the documents
        if (result.problems.some((p) => DERIVED.test(p)))
          todo.push('make the triggers and indexes again: agor db migrate')
        todo.push(...loopAdvice(result.problems))
        if (context.output.json) {
          const { migrations } = result
          return printJson(context.output, {
            ...result,
            migrations: migrations && migrationRows(migrations),
            advice: todo
          })
        }
        report(context.output, lines(config, result, todo, context.output.color))
      })
    )
}
