/**
 * Appends of item 12 (see messages.ts): the store's `create` of one message at the next index of a
 * session against one prepared INSERT of the same row through the store's write view, each size
 * on a copy of its data set.
 */
import { copyFileSync, existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import Libsql from 'libsql'
import { messages as messagesCollection } from '../../../src/schema/messages.js'
import { openStore, type Store } from '../../../src/service/store.js'
import { rowMapper } from '../../../src/store/row.js'
import type { Context, SizeName } from '../context.js'
import { type Entry, opCosts } from '../costs.js'
import { appendPool, PER_SESSION } from '../message-documents.js'
import { type MessagesDataset, storedRow } from '../messages-data.js'
import type { Result } from '../report.js'
import { type Append, type MessagesLimit, openMessagesLimit } from '../sides/messages-limit.js'
import type { Doc } from '../sides/side.js'
import { limitResults } from '../targets.js'
import type { Contender } from '../timing.js'
import { DRIVERS, ITEM, messagesOf, SIZES, STORE, TARGET, timedRounds } from './messages-item.js'

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

export async function appends(context: Context, datasets: Map<SizeName, MessagesDataset>): Promise<Result[]> {
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
    const rounds = await timedRounds(context, 'an append', 'appends', contenders, context.profile.writeTiming)
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
