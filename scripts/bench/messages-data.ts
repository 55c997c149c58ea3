/**
 * The messages data sets: `messages` tables of agor's documents (message-documents.ts), 1,000 per
 * session at `index` 0-999, in tasks of 20 (one prompt each), in sessions spread over 90 days
 * whose conversations overlap in time; and their sessions and tasks.
 *
 * Rows are what the store writes: each document is made as a create makes it (its id a UUIDv7 of
 * its created_at, the default status, both timestamps), adjusted and validated by the collection's
 * own `beforeWrite` and schema, turned into its row by the store's row mapper (RowMapper.toRow)
 * and written by the store's own bulk INSERT of an import (TableStatements.inserts: the row and
 * its workspace, 1,000 rows a statement), straight into the tables through the engine (`libsql`),
 * never through the store under test. The file is then opened once by the store, which adds its
 * views, triggers and search indexes, as every file it opens has them. Built files are cached by
 * content hash, like the sessions data sets (datasets.ts).
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'libsql'
import { UUID } from 'uuidv7'
import type { InValue } from '../../src/db/connection.js'
import { statementOf } from '../../src/db/native.js'
import type { AnyDefinition } from '../../src/schema/collection.js'
import { messages } from '../../src/schema/messages.js'
import { sessions } from '../../src/schema/sessions.js'
import { tasks } from '../../src/schema/tasks.js'
import { DEFAULT_WORKSPACE } from '../../src/schema/workspaces.js'
import { type Document, rowMapper, toIso } from '../../src/store/row.js'
import { TableStatements } from '../../src/store/statements.js'
import { validateDocument } from '../../src/store/validate.js'
import { runChild } from './child.js'
import { DAY_MS, END_MS, randomBelow, SPAN_MS, seededRandom } from './dataset-ids.js'
import { CACHE_DIR, migratedFile } from './datasets.js'
import { MODELS, MODULES, messageFields, PER_SESSION, PER_TASK, sentences } from './message-documents.js'

const MAPPERS = new Map<AnyDefinition, ReturnType<typeof rowMapper>>()
const mapperOf = (def: AnyDefinition) => {
  let mapper = MAPPERS.get(def)
  if (!mapper) {
    mapper = rowMapper(def)
    MAPPERS.set(def, mapper)
  }
  return mapper
}

/**
 * The row of a new document of `def` with `id`, made at `createdMs` (and last written at
 * `updatedMs`), as a create makes it: the default status unless given, both timestamps, the
 * collection's adjustment and validation; in the table's column order (RowMapper.toRow).
 */
export function storedRow(
  def: AnyDefinition,
  id: string,
  createdMs: number,
  fields: Record<string, unknown>,
  updatedMs = createdMs
): InValue[] {
  const doc: Document = { ...fields, [def.idField]: id }
  if (def.statuses && doc.status === undefined) doc.status = def.statuses[0]
  doc.created_at = toIso(createdMs)
  doc.updated_at = toIso(updatedMs)
  validateDocument(def, doc)
  if (def.beforeWrite) {
    def.beforeWrite(doc, undefined, String(doc.updated_at))
    validateDocument(def, doc)
  }
  return mapperOf(def).toRow(doc)
}

function v7(ms: number, random: () => number): string {
  return UUID.fromFieldsV7(
    ms,
    randomBelow(random, 4096),
    randomBelow(random, 2 ** 30),
    randomBelow(random, 2 ** 32)
  ).toString()
}

/** What the scenarios read of a data set besides its file. */
export interface MessagesSamples {
  /** Every session's id, in the order they began. */
  sessions: string[]
  /** Each session's last task (at the same place): where a new message of the session goes. */
  lastTasks: string[]
  /** Mean length of a message's `data` (its JSON), in bytes. */
  meanDataBytes: number
}

export interface MessagesDataset {
  path: string
  /** Messages in the data set. */
  size: number
  samples: MessagesSamples
}

const SOURCES = [
  ...['messages-data.ts', 'message-documents.ts', 'dataset-ids.ts'].map((file) =>
    fileURLToPath(new URL(`./${file}`, import.meta.url))
  ),
  ...[
    'schema/messages.ts',
    'schema/tasks.ts',
    'schema/sessions.ts',
    'schema/preview.ts',
    'store/row.ts',
    'store/statements.ts'
  ].map((file) => fileURLToPath(new URL(`../../src/${file}`, import.meta.url)))
]
const DRIZZLE = fileURLToPath(new URL('../../drizzle/', import.meta.url))

function cacheBase(size: number): string {
  const hash = createHash('sha256')
  const migrations = readdirSync(DRIZZLE)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => join(DRIZZLE, file))
  for (const source of [...SOURCES, ...migrations]) hash.update(readFileSync(source))
  hash.update(`messages/${size}/${PER_SESSION}/${PER_TASK}`)
  return join(CACHE_DIR, `messages-${size}-${hash.digest('hex').slice(0, 12)}`)
}

/**
 * The data set of `size` messages (size / 1,000 sessions): from the cache, or built there by a
 * child process (so that none of the build's garbage is left in the process that measures).
 */
export async function messagesDataset(
  size: number,
  options: { fresh?: boolean; log?: (line: string) => void } = {}
): Promise<MessagesDataset> {
  const base = cacheBase(size)
  if (!options.fresh && existsSync(`${base}.db`) && existsSync(`${base}.json`)) {
    const samples = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as MessagesSamples
    return { path: `${base}.db`, size, samples }
  }
  options.log?.(`building ${size.toLocaleString('en')} messages (${size / PER_SESSION} sessions)`)
  const builder = fileURLToPath(new URL('./messages-build.ts', import.meta.url))
  return runChild<MessagesDataset>(builder, [String(size)])
}

/** Builds the data set of `size` messages into the cache, replacing any older version of it. */
export async function buildMessagesDataset(
  size: number,
  log: (line: string) => void
): Promise<MessagesDataset> {
  if (size % PER_SESSION !== 0) throw new Error(`a messages data set holds whole sessions of ${PER_SESSION}`)
  mkdirSync(CACHE_DIR, { recursive: true })
  const base = cacheBase(size)
  const building = `${base}.building-${process.pid}.db`
  const started = performance.now()
  const samples = await buildFile(building, size / PER_SESSION, 42)
  const path = `${base}.db`
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
  renameSync(building, path)
  writeFileSync(`${base}.json`, JSON.stringify(samples))
  for (const file of readdirSync(CACHE_DIR)) {
    const name = base.slice(CACHE_DIR.length + 1)
    if (file.startsWith(`messages-${size}-`) && !file.startsWith(name))
      rmSync(join(CACHE_DIR, file), { force: true })
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  log(`built ${size.toLocaleString('en')} messages in ${seconds} s (${path})`)
  return { path, size, samples }
}

/** The times (ms) of every message, session by session: conversations of 2-60 s between turns. */
function messageTimes(starts: readonly number[], random: () => number): Float64Array {
  const times = new Float64Array(starts.length * PER_SESSION)
  for (const [s, start] of starts.entries()) {
    let at = start
    for (let k = 0; k < PER_SESSION; k++) {
      times[s * PER_SESSION + k] = at
      at += 2000 + randomBelow(random, 58_000)
    }
  }
  return times
}

/** Positions 0..count-1 in the order of `times` (then position): the order rows were written. */
function byTime(times: Float64Array): Uint32Array {
  const order = new Uint32Array(times.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  return order.sort((a, b) => times[a]! - times[b]! || a - b)
}

/** Writes `rows` of `def` with the store's import INSERTs (TableStatements.inserts), a chunk at a time. */
class BulkWriter {
  readonly #db: InstanceType<typeof Database>
  readonly #statements: TableStatements
  readonly #prepared = new Map<string, ReturnType<InstanceType<typeof Database>['prepare']>>()
  #rows: InValue[][] = []

  constructor(db: InstanceType<typeof Database>, def: AnyDefinition) {
    this.#db = db
    this.#statements = new TableStatements(def, mapperOf(def), DEFAULT_WORKSPACE)
  }

  add(row: InValue[]): void {
    this.#rows.push(row)
    if (this.#rows.length === 1000) this.flush()
  }

  flush(): void {
    if (this.#rows.length === 0) return
    for (const statement of this.#statements.inserts(this.#rows)) {
      const { sql, args } = statementOf(statement)
      let prepared = this.#prepared.get(sql)
      if (!prepared) {
        prepared = this.#db.prepare(sql)
        this.#prepared.set(sql, prepared)
      }
      prepared.run(args ?? [])
    }
    this.#rows = []
  }
}

async function buildFile(path: string, sessionCount: number, seed: number): Promise<MessagesSamples> {
  await migratedFile(path)
  const random = seededRandom(seed ^ 0x3e55a9e5)
  // sessions begin at random over the 90 days before END_MS and talk for about 9 hours: a few at a time
  const starts = Array.from(
    { length: sessionCount },
    () => END_MS - SPAN_MS + randomBelow(random, SPAN_MS - DAY_MS)
  )
  starts.sort((a, b) => a - b)
  const times = messageTimes(starts, random)
  const sessionIds = starts.map((ms) => v7(ms - 1000, random))
  const tasksPerSession = PER_SESSION / PER_TASK
  const taskIds = Array.from({ length: sessionCount * tasksPerSession }, (_, t) =>
    v7(times[Math.floor(t / tasksPerSession) * PER_SESSION + (t % tasksPerSession) * PER_TASK]!, random)
  )
  const db = new Database(path)
  let dataBytes = 0
  try {
    // only the build skips fsync; the scenarios open the file with the store's own settings
    db.exec('PRAGMA synchronous = OFF')
    db.exec('BEGIN')
    const sessionRows = new BulkWriter(db, sessions)
    for (const [s, start] of starts.entries()) {
      const module = MODULES[s % MODULES.length]!
      const last = times[(s + 1) * PER_SESSION - 1]!
      sessionRows.add(
        storedRow(
          sessions,
          sessionIds[s]!,
          start - 1000,
          {
            status: 'completed',
            agent: 'claude-code',
            title: `Session ${s}: work on the ${module} module`,
            description: sentences(random, 16),
            git_state: {
              ref: `feature/${module}-${s}`,
              base_sha: 'a'.repeat(40),
              current_sha: 'b'.repeat(40)
            },
            model_config: { model: MODELS[s % MODELS.length] },
            message_count: PER_SESSION
          },
          last + 1
        )
      )
    }
    sessionRows.flush()
    const taskRows = new BulkWriter(db, tasks)
    const taskTimes = new Float64Array(taskIds.length)
    for (let t = 0; t < taskIds.length; t++) {
      const s = Math.floor(t / tasksPerSession)
      taskTimes[t] = times[s * PER_SESSION + (t % tasksPerSession) * PER_TASK]!
    }
    for (const t of byTime(taskTimes)) {
      const s = Math.floor(t / tasksPerSession)
      const first = (t % tasksPerSession) * PER_TASK
      const begun = taskTimes[t]!
      const ended = times[s * PER_SESSION + first + PER_TASK - 1]! + 1
      taskRows.add(
        storedRow(
          tasks,
          taskIds[t]!,
          begun,
          {
            status: 'completed',
            session_id: sessionIds[s]!,
            description: `Work on the ${MODULES[t % MODULES.length]} module`,
            full_prompt: sentences(random, 30),
            model: MODELS[s % MODELS.length],
            message_range: { start: first, end: first + PER_TASK - 1 },
            tool_use_count: PER_TASK / 2 - 1,
            duration_ms: ended - begun,
            started_at: toIso(begun),
            completed_at: toIso(ended)
          },
          ended
        )
      )
    }
    taskRows.flush()
    db.exec('COMMIT')
    const messageRows = new BulkWriter(db, messages)
    let inTransaction = 0
    db.exec('BEGIN')
    for (const m of byTime(times)) {
      const s = Math.floor(m / PER_SESSION)
      const index = m % PER_SESSION
      const ms = times[m]!
      const row = storedRow(messages, v7(ms, random), ms, {
        session_id: sessionIds[s]!,
        task_id: taskIds[s * tasksPerSession + Math.floor(index / PER_TASK)]!,
        index,
        ...messageFields(index, random, ms)
      })
      dataBytes += Buffer.byteLength(String(row.at(-1)))
      messageRows.add(row)
      if (++inTransaction === 20_000) {
        messageRows.flush()
        db.exec('COMMIT')
        db.exec('BEGIN')
        inTransaction = 0
      }
    }
    messageRows.flush()
    db.exec('COMMIT')
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  } finally {
    db.close()
  }
  // the store's views, triggers and search indexes, made once here rather than by a scenario
  const { openStore } = await import('../../src/service/store.js')
  const store = await openStore({ url: `file:${path}`, auth: false })
  await store.close()
  const finish = new Database(path)
  try {
    finish.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  } finally {
    finish.close()
  }
  rmSync(`${path}-wal`, { force: true })
  rmSync(`${path}-shm`, { force: true })
  return {
    sessions: sessionIds,
    lastTasks: sessionIds.map((_, s) => taskIds[(s + 1) * tasksPerSession - 1]!),
    meanDataBytes: Math.round(dataBytes / times.length)
  }
}
