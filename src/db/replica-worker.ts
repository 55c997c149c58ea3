/**
 * The worker process of an embedded replica (replica-process.ts): it owns the driver's replica
 * client, whose writes (forwarded to the primary) and syncs block the thread they run on until the
 * primary answers. Here they block this process only; the daemon's event loop, its health check and
 * the reads of the local copy (replica.ts) keep going. Requests arrive one at a time (see
 * worker-protocol.ts).
 *
 * Nothing here syncs without asking the primary for its identity first (identity.ts): the driver's
 * periodic syncs are off (replica.ts asks for syncs instead), and a write, after which the driver
 * syncs by itself (`readYourWrites`), is preceded by the question.
 */
import './quiet-driver.js'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { type Client, createClient, type Transaction } from '@libsql/client'
import { DatabaseUnavailableError } from '../errors.js'
import type { Statement, SyncResult } from './connection.js'
import { refusedByPrimary, serverOf, translate } from './driver-errors.js'
import { checkPrimary, copyIdOf } from './identity.js'
import { collectNativeStatements, noteNativeStatements } from './native-memory.js'
import { ProbeTimeoutError } from './probe.js'
import {
  type Answer,
  type Envelope,
  plainError,
  plainResult,
  type Reply,
  type Request,
  type ToWorker,
  type WorkerData
} from './worker-protocol.js'

let config: WorkerData['config']
let client: Client | undefined
let tx: Transaction | undefined

const objects = (statements: Statement[]) => statements.map((s) => (typeof s === 'string' ? { sql: s } : s))

/**
 * Refuses unless the primary is the database of the local copy (or the copy has no id yet), and
 * answered before `expires`: a write whose caller has given up on it is not started.
 */
async function check(replica: Client, expires?: number): Promise<void> {
  try {
    await checkPrimary(config, await copyIdOf(replica), expires)
  } catch (error) {
    // the write itself was never sent: the caller may retry without fear of applying it twice
    if (error instanceof ProbeTimeoutError) {
      throw new DatabaseUnavailableError(`${error.message}: nothing was sent; try again when it answers`)
    }
    throw error
  }
  if (expires !== undefined && Date.now() >= expires) {
    throw new DatabaseUnavailableError(`${serverOf(config)} answered too late: nothing was sent`)
  }
}

/** The driver's sync, unchecked: only after `check`, or `checkPrimary` at the open. */
async function pull(replica: Client): Promise<SyncResult> {
  const result = await replica.sync()
  return { framesSynced: result?.frames_synced ?? 0, frameNo: result?.frame_no ?? 0 }
}

async function sync(replica: Client, expires?: number): Promise<SyncResult> {
  await check(replica, expires)
  return pull(replica)
}

async function run(replica: Client, request: Request, expires?: number): Promise<Answer> {
  /** A write, which only the database of the local copy may receive. */
  const write = async <T>(work: () => Promise<T>): Promise<T> => {
    await check(replica, expires)
    return work()
  }
  switch (request.op) {
    case 'execute':
      return plainResult(await write(() => replica.execute(request.statement)))
    case 'batch': {
      const statements = objects(request.statements)
      const results = await write(() => replica.batch(statements, request.mode))
      return results.map(plainResult)
    }
    case 'migrate': {
      const statements = objects(request.statements)
      return (await write(() => replica.migrate(statements))).map(plainResult)
    }
    case 'sync':
      return sync(replica, expires)
    case 'begin':
      await check(replica, expires)
      tx = await replica.transaction(request.mode)
      return null
    case 'tx':
      if (!tx) throw new Error('No transaction is open')
      return plainResult(await tx.execute(request.statement))
    case 'commit':
      try {
        await write(async () => tx?.commit())
      } finally {
        tx?.close()
        tx = undefined
      }
      return null
    case 'rollback':
      tx?.close()
      tx = undefined
      return null
  }
}

function statementsOf(request: Request): number {
  if (request.op === 'batch' || request.op === 'migrate') return request.statements.length + 4
  return 2
}

const reply = (message: Reply) => process.send?.(message)

async function answer({ id, request, expires }: Envelope): Promise<void> {
  let message: Reply
  try {
    if (!client) throw new Error('The replica is not open')
    // @libsql/client prepares a native statement for every call (see native-memory.ts)
    noteNativeStatements(statementsOf(request))
    await collectNativeStatements()
    message = { id, result: await run(client, request, expires) }
  } catch (error) {
    // a write the primary refused, maybe because the local copy was behind: catch up before the
    // caller looks again
    if (client && refusedByPrimary(error)) await sync(client).catch(() => undefined)
    message = { id, error: plainError(translate(error, config, request.op !== 'sync')) }
  }
  reply(message)
}

/** The first answer (`id` 0): the replica opened and synced with its primary, or why it could not. */
async function open({ config: given, copyId }: WorkerData): Promise<void> {
  config = given
  try {
    // before the driver opens the file: a primary that is another database must not touch it
    await checkPrimary(config, copyId)
    mkdirSync(dirname(config.path!), { recursive: true })
    // The driver sends every statement that is not a plain read, PRAGMAs included, to the primary,
    // which enforces foreign keys itself: a replica gets no local settings.
    client = createClient({ url: config.url, syncUrl: config.syncUrl, authToken: config.authToken })
    reply({ id: 0, result: await pull(client) })
  } catch (error) {
    client?.close()
    client = undefined
    reply({ id: 0, error: plainError(translate(error, config, false)) })
  }
}

process.on('message', (message: ToWorker) => {
  if ('start' in message) void open(message.start)
  else if ('close' in message) {
    client?.close()
    process.exit(0)
  } else void answer(message)
})
// the replica's process is gone: nobody waits for anything here
process.on('disconnect', () => process.exit(0))
