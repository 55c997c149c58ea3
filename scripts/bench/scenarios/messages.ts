/**
 * Messages at volume (item 12): agor's high-volume table, at 10k messages (10 sessions of 1,000) and
 * 1M (1,000 sessions of 1,000), data sets of their own (messages-data.ts).
 *
 * - A page: the store's `find({ query: { session_id, $sort: { index: 1 }, $skip, $limit: 100 } })`
 *   with its total (agor lists messages through a Feathers client, whose finds the server always
 *   paginates) against the limit, the same page by a prepared SELECT and its count in one read
 *   transaction, mapped to the same documents, on either driver; and, for information, the page
 *   alone (`paginate: false`) against the SELECT alone. Pages of random sessions at random
 *   $skip (0-900), the same sequence for every contender; both sizes in one set of rounds.
 * - An append: the store's `create` of one message at the next index of a session against one
 *   prepared INSERT of the same row through the store's write view (which records its change, as
 *   the store's create does), committing on its own; each size on a copy of its data set, the rows
 *   added deleted between samples.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import Libsql from 'libsql'
import { messages as messagesCollection } from '../../../src/schema/messages.js'
import { openStore, type Store } from '../../../src/service/store.js'
import { QueryCompiler } from '../../../src/store/query-compiler.js'
import { rowMapper } from '../../../src/store/row.js'
import { TableStatements } from '../../../src/store/statements.js'
import type { Context, Scenario, SizeName } from '../context.js'
import { type Entry, opCosts } from '../costs.js'
import { randomBelow, seededRandom } from '../dataset-ids.js'
import {
  appendPool,
  type MessagesDataset,
  messagesDataset,
  PER_SESSION,
  storedRow
} from '../messages-data.js'
import type { Result, Target } from '../report.js'
import type { LimitDriver } from '../sides/limit.js'
import { type Append, type MessagesLimit, openMessagesLimit, PAGE } from '../sides/messages-limit.js'
import type { Doc } from '../sides/side.js'
import { limitResults } from '../targets.js'
import { type Contender, interleave, median, type Times } from '../timing.js'

const ITEM = 12
const SIZES = ['10k', '1m'] as const satisfies readonly SizeName[]
const DRIVERS: readonly LimitDriver[] = ['libsql', 'better-sqlite3']
const TARGET: Target = { op: '<=', value: 1.5 }
const STORE = 'agor-store'
/** Queries whose totals the store keeps (src/store/totals.ts), for the note on how often it counted. */
const TOTALS_KEPT = 256

/** A page to read: a session, and where in it. */
interface Visit {
  session: string
  skip: number
}

/** Every page of every session (up to 10,000), in a shuffled order: the same for every contender. */
function visits(sessions: readonly string[], seed: number): Visit[] {
  const all: Visit[] = []
  for (const session of sessions)
    for (let skip = 0; skip < PER_SESSION; skip += PAGE) all.push({ session, skip })
  const random = seededRandom(seed)
  for (let i = all.length - 1; i > 0; i--) {
    const j = randomBelow(random, i + 1)
    ;[all[i], all[j]] = [all[j]!, all[i]!]
  }
  return all.slice(0, 10_000)
}

/**
 * The share of `count` finds along `list` whose total the store would find kept: the same session
 * asked for again while fewer than TOTALS_KEPT other sessions were asked for in between (nothing
 * is written meanwhile).
 */
function keptShare(list: readonly Visit[], count: number): number {
  const kept = new Map<string, true>()
  let hits = 0
  for (let i = 0; i < count; i++) {
    const { session } = list[i % list.length]!
    if (kept.delete(session)) hits++
    kept.set(session, true)
    if (kept.size > TOTALS_KEPT) kept.delete(kept.keys().next().value!)
  }
  return hits / count
}

const messagesOf = (store: Store) => store.service('messages')

/** The store's statement for a page and its query plan (EXPLAIN QUERY PLAN, on the limit's connection). */
function storePlan(limit: MessagesLimit, session: string): string {
  const find = new QueryCompiler(messagesCollection, 'default').compile({
    session_id: session,
    $sort: { index: 1 },
    $skip: 0,
    $limit: PAGE
  })
  const page = new TableStatements(messagesCollection, rowMapper(messagesCollection), 'default').page(find)
  const plan = limit.database
    .prepare(`EXPLAIN QUERY PLAN ${page.sql}`)
    .all(...page.args)
    .map((row) => String((row as { detail: unknown }).detail))
  return `\`${page.sql.replace(/^SELECT .* FROM/, 'SELECT … FROM')}\`: ${plan.join('; ')}`
}

/** The per-operation CPU time of each contender (µs), for the log: the medians over rounds. */
function logTimes(context: Context, what: string, labels: readonly string[], times: Times): void {
  const line = labels.map((label, k) => `${label} ${(median(times[k]!) * 1000).toFixed(1)} µs`).join(', ')
  context.log(`messages: ${what} (CPU, median per operation): ${line}`)
}

/** Per-size results of `side` against the limit, each with the target. */
function withTarget(results: Result[]): Result[] {
  return results.map((r) => ({ ...r, target: TARGET }))
}

interface PageSides {
  store: Store
  limits: MessagesLimit[]
  list: Visit[]
}

async function pages(context: Context, datasets: Map<SizeName, MessagesDataset>): Promise<Result[]> {
  const opened = new Map<SizeName, PageSides>()
  try {
    const contenders: Contender[] = []
    // for each size: store paged, store alone, then each driver paged and alone
    const paged: { entry: Entry; at: number }[] = []
    const alone: { entry: Entry; at: number }[] = []
    for (const size of SIZES) {
      const { path, samples } = datasets.get(size)!
      const store = await openStore({ url: `file:${path}`, auth: false })
      const limits = DRIVERS.map((driver) => openMessagesLimit(driver, path, { readonly: true }))
      const list = visits(samples.sessions, 7)
      opened.set(size, { store, limits, list })
      const service = messagesOf(store)
      const at = (i: number) => list[i % list.length]!
      const query = ({ session, skip }: Visit) => ({
        session_id: session,
        $sort: { index: 1 },
        $skip: skip,
        $limit: PAGE
      })
      const find = (i: number) => service.find({ query: query(at(i)) })
      const findAlone = (i: number) => service.find({ query: query(at(i)), paginate: false })
      // every side gives the same page, in the same form, before anything is timed
      for (const k of [0, 1, 2, 3]) {
        const { session, skip } = at(k)
        const mine = await find(k)
        const mineAlone = await findAlone(k)
        if (mine.total !== PER_SESSION || mine.data.length !== PAGE)
          throw new Error(`messages ${size}: the store's page has ${mine.data.length} of ${mine.total}`)
        if (mine.data[0]?.index !== skip)
          throw new Error(`messages ${size}: the page begins at the wrong index`)
        for (const limit of limits) {
          if (JSON.stringify(mine) !== JSON.stringify(limit.page(session, skip)))
            throw new Error(`messages ${size}: ${limit.label}'s page is not the store's`)
          if (JSON.stringify(mineAlone) !== JSON.stringify(limit.pageOnly(session, skip)))
            throw new Error(`messages ${size}: ${limit.label}'s page alone is not the store's`)
        }
      }
      paged.push({ entry: { side: STORE, size }, at: contenders.length })
      contenders.push({ label: `store page+total ${size}`, op: find })
      alone.push({ entry: { side: STORE, size }, at: contenders.length })
      contenders.push({ label: `store page ${size}`, op: findAlone })
      for (const limit of limits) {
        paged.push({ entry: { side: limit.label, size, limit: true }, at: contenders.length })
        contenders.push({
          label: `${limit.label} page+count ${size}`,
          op: (i) => {
            const { session, skip } = at(i)
            return limit.page(session, skip)
          }
        })
        alone.push({ entry: { side: limit.label, size, limit: true }, at: contenders.length })
        contenders.push({
          label: `${limit.label} page ${size}`,
          op: (i) => {
            const { session, skip } = at(i)
            return limit.pageOnly(session, skip)
          }
        })
      }
    }
    context.log(`messages: a page of ${PAGE}, ${contenders.length} contenders`)
    const rounds = await interleave(contenders, context.profile.timing)
    logTimes(
      context,
      'pages',
      contenders.map((c) => c.label),
      rounds.cpu
    )
    const costsOf = (op: string, group: { entry: Entry; at: number }[]) =>
      opCosts(
        op,
        group.map((g) => g.entry),
        group.map((g) => rounds.cpu[g.at]!)
      )
    const withTotal = costsOf('messages_page', paged)
    const pageAlone = costsOf('messages_page_alone', alone)
    const first = opened.get(SIZES[0])!
    context.note(
      `messages: pages of ${PAGE} of random sessions at random $skip (0-${PER_SESSION - PAGE}); the store keeps a total between writes for the last ${TOTALS_KEPT} queries, so nothing being written it counted for ${SIZES.map((size) => `${((1 - keptShare(opened.get(size)!.list, 20_000)) * 100).toFixed(0)}% of its pages at ${size}`).join(' and ')} (the limit counts for every page); the store's page ${storePlan(first.limits[0]!, first.list[0]!.session)}`
    )
    return [
      ...withTarget(
        limitResults(
          ITEM,
          'messages_page_vs_limit',
          `store find of a page of ${PAGE} messages of a session ($sort index, $skip, $limit ${PAGE}) with its total`,
          withTotal,
          STORE
        )
      ),
      ...limitResults(
        ITEM,
        'messages_page_alone_vs_limit',
        `store find of the same page with paginate: false (the limit: its SELECT alone)`,
        pageAlone,
        STORE
      )
    ]
  } finally {
    for (const { store, limits } of opened.values()) {
      for (const limit of limits) limit.close()
      await store.close()
    }
  }
}

/** The row of message `id` and its change, as stored (every column, the workspace too). */
function storedOf(db: InstanceType<typeof Libsql>, id: string): { row: Doc; change: Doc } {
  // libsql adds the statement's duration to the row object: only the columns are compared
  const read = (sql: string) => {
    const statement = db.prepare(sql)
    const values = statement.raw(true).get(id) as unknown[] | undefined
    if (!values) throw new Error(`messages: no row for ${id} in ${sql}`)
    return Object.fromEntries(statement.columns().map((column, k) => [column.name, values[k]]))
  }
  return {
    row: read('SELECT * FROM "messages" WHERE "message_id" = ?'),
    change: read('SELECT * FROM "agor_changes" WHERE "doc_id" = ?')
  }
}

/** A row or change without what differs between two writes of the same message (id, times, seq). */
function comparable(stored: { row: Doc; change: Doc }): Doc {
  const { message_id: _id, created_at: _created, updated_at: _updated, ...row } = stored.row
  const { seq: _seq, doc_id: _doc, at: _at, version: _version, ...change } = stored.change
  return { row, change }
}

interface AppendSides {
  path: string
  store: Store
  limits: MessagesLimit[]
  cleaner: InstanceType<typeof Libsql>
  next(): Append
  discard(): void
}

async function openAppendSides(
  context: Context,
  size: SizeName,
  dataset: MessagesDataset
): Promise<AppendSides> {
  const path = join(context.workDir, `messages-append-${size}.db`)
  context.log(`messages: copying the ${size} data set`)
  copyFileSync(dataset.path, path)
  if (existsSync(`${dataset.path}-wal`)) copyFileSync(`${dataset.path}-wal`, `${path}-wal`)
  const store = await openStore({ url: `file:${path}`, auth: false })
  const limits = DRIVERS.map((driver) => openMessagesLimit(driver, path))
  const cleaner = new Libsql(path)
  const lastRow = Number(
    (cleaner.prepare('SELECT max(rowid) FROM "messages"').raw(true).get() as unknown[])[0]
  )
  const lastSeq = Number(
    (cleaner.prepare('SELECT coalesce(max(seq), 0) FROM "agor_changes"').raw(true).get() as unknown[])[0]
  )
  const removeRows = cleaner.prepare('DELETE FROM "messages" WHERE rowid > ?')
  const removeChanges = cleaner.prepare('DELETE FROM "agor_changes" WHERE seq > ?')
  const checkpoint = cleaner.prepare('PRAGMA wal_checkpoint(TRUNCATE)')
  const { sessions, lastTasks } = dataset.samples
  const pool = appendPool(64, 11)
  // appends since the last discard, by every contender of this size: each at a free index
  let appended = 0
  return {
    path,
    store,
    limits,
    cleaner,
    next() {
      const n = appended++
      const s = n % sessions.length
      return {
        session_id: sessions[s]!,
        task_id: lastTasks[s]!,
        index: PER_SESSION + Math.floor(n / sessions.length),
        fields: pool[n % pool.length]!
      }
    },
    discard() {
      removeRows.run(lastRow)
      removeChanges.run(lastSeq)
      checkpoint.get()
      appended = 0
    }
  }
}

/**
 * Appends the same message (the same session, task, index and fields) by each side in turn, and
 * checks that each returned it and wrote the same row and change as the store's create; and that
 * the data sets' rows of a message are the store's.
 */
async function checkAppends(size: SizeName, sides: AppendSides): Promise<void> {
  const service = messagesOf(sides.store)
  const append = sides.next()
  const { fields, ...place } = append
  const returned = (doc: Doc) => {
    const { message_id: _id, created_at, updated_at, ...rest } = doc
    return created_at === updated_at && isDeepStrictEqual(rest, { status: 'sent', ...place, ...fields })
  }
  const created = await service.create({ ...place, ...fields })
  if (!returned(created)) throw new Error(`messages ${size}: the store's create returned another document`)
  const mine = storedOf(sides.cleaner, created.message_id)
  const built = storedRow(messagesCollection, created.message_id, Date.parse(created.created_at), {
    ...place,
    ...fields
  })
  const columns = rowMapper(messagesCollection).columns
  // the import INSERT writes the workspace after the row's columns
  if (
    !isDeepStrictEqual(
      [...built, 'default'],
      [...columns, 'workspace'].map((column) => mine.row[column])
    )
  )
    throw new Error(`messages ${size}: the data set's row of a message is not the one the store writes`)
  sides.discard()
  for (const limit of sides.limits) {
    const doc = limit.append(append)
    if (!returned(doc)) throw new Error(`messages ${size}: ${limit.label}'s append returned another document`)
    if (!isDeepStrictEqual(comparable(storedOf(sides.cleaner, String(doc.message_id))), comparable(mine)))
      throw new Error(
        `messages ${size}: ${limit.label}'s append wrote another row or change than the store's`
      )
    sides.discard()
  }
}

async function appends(context: Context, datasets: Map<SizeName, MessagesDataset>): Promise<Result[]> {
  const opened = new Map<SizeName, AppendSides>()
  try {
    const contenders: Contender[] = []
    const entries: Entry[] = []
    for (const size of SIZES) {
      const sides = await openAppendSides(context, size, datasets.get(size)!)
      opened.set(size, sides)
      await checkAppends(size, sides)
      const service = messagesOf(sides.store)
      const afterSample = () => sides.discard()
      entries.push({ side: STORE, size })
      contenders.push({
        label: `store create ${size}`,
        op: () => {
          const { fields, ...place } = sides.next()
          return service.create({ ...place, ...fields })
        },
        afterSample
      })
      for (const limit of sides.limits) {
        entries.push({ side: limit.label, size, limit: true })
        contenders.push({
          label: `${limit.label} insert ${size}`,
          op: () => limit.append(sides.next()),
          afterSample
        })
      }
    }
    context.log(`messages: an append, ${contenders.length} contenders`)
    const rounds = await interleave(contenders, context.profile.writeTiming)
    logTimes(
      context,
      'appends',
      contenders.map((c) => c.label),
      rounds.cpu
    )
    context.note(
      `messages: appends on a copy of each data set, to its sessions in turn at their next index (${PER_SESSION} on); samples of about ${context.profile.writeTiming.sampleMs} ms; after every sample, untimed, the messages and changes added are deleted and the WAL checkpointed`
    )
    return limitResults(
      ITEM,
      'message_append_vs_limit',
      'store create of one message at the next index of a session',
      opCosts('message_append', entries, rounds.cpu),
      STORE,
      TARGET
    )
  } finally {
    for (const sides of opened.values()) {
      for (const limit of sides.limits) limit.close()
      sides.cleaner.close()
      await sides.store.close()
      for (const suffix of ['', '-wal', '-shm']) rmSync(sides.path + suffix, { force: true })
    }
  }
}

export const messages: Scenario = async (context: Context) => {
  const datasets = new Map<SizeName, MessagesDataset>()
  for (const size of SIZES) {
    const dataset = await messagesDataset(context.profile.sizes[size], { log: (line) => context.log(line) })
    datasets.set(size, dataset)
  }
  const described = SIZES.map((size) => {
    const { size: count, samples } = datasets.get(size)!
    return `"${size}" ${count.toLocaleString('en')} messages in ${samples.sessions.length.toLocaleString('en')} sessions`
  })
  context.note(
    `messages: data sets of ${described.join(', ')} (${PER_SESSION} each, index 0-${PER_SESSION - 1}, tasks of 20), ${datasets.get('1m')!.samples.meanDataBytes} bytes of JSON a message on average`
  )
  const results = await pages(context, datasets)
  return [...results, ...(await appends(context, datasets))]
}
