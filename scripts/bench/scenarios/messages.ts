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
 * - An append (message-appends.ts): the store's `create` of one message at the next index of a
 *   session against one prepared INSERT of the same row through the store's write view (which
 *   records its change, as the store's create does), committing on its own; each size on a copy of
 *   its data set, the rows added deleted between samples.
 */
import { messages as messagesCollection } from '../../../src/schema/messages.js'
import { openStore, type Store } from '../../../src/service/store.js'
import { QueryCompiler } from '../../../src/store/query-compiler.js'
import { rowMapper } from '../../../src/store/row.js'
import { TableStatements } from '../../../src/store/statements.js'
import type { Context, Scenario, SizeName } from '../context.js'
import { type Entry, opCosts } from '../costs.js'
import { randomBelow, seededRandom } from '../dataset-ids.js'
import { keepInSystemCache } from '../datasets.js'
import { PER_SESSION } from '../message-documents.js'
import { type MessagesDataset, messagesDataset } from '../messages-data.js'
import type { Result } from '../report.js'
import { type MessagesLimit, openMessagesLimit, PAGE } from '../sides/messages-limit.js'
import { limitResults } from '../targets.js'
import type { Contender } from '../timing.js'
import { appends } from './message-appends.js'
import { DRIVERS, ITEM, messagesOf, SIZES, STORE, TARGET, timedRounds } from './messages-item.js'

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
    const rounds = await timedRounds(
      context,
      `a page of ${PAGE}`,
      'pages',
      contenders,
      context.profile.timing
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
export const messages: Scenario = async (context: Context) => {
  const datasets = new Map<SizeName, MessagesDataset>()
  for (const size of SIZES) {
    const dataset = await messagesDataset(context.profile.sizes[size], { log: (line) => context.log(line) })
    keepInSystemCache(dataset.path)
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
