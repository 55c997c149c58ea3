/**
 * The worker thread of an embedded replica: it owns the driver's replica client, whose writes
 * (forwarded to the primary) and syncs block the thread they run on until the primary answers. Here
 * they block this thread only; the daemon's event loop, its health check and the reads of the
 * local copy (replica.ts) keep going. Requests arrive one at a time (see worker-protocol.ts).
 */
import './quiet-driver.js'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { type Client, createClient, type Transaction } from '@libsql/client'
import type { Statement, SyncResult } from './connection.js'
import { refusedByPrimary, translate } from './driver-errors.js'
import { collectNativeStatements, noteNativeStatements } from './native-memory.js'
import { probePrimary } from './probe.js'
import {
  type Answer,
  plainError,
  plainResult,
  type Reply,
  type Request,
  type WorkerData
} from './worker-protocol.js'

const { config } = workerData as WorkerData
const port = parentPort!
let client: Client | undefined
let tx: Transaction | undefined

const objects = (statements: Statement[]) => statements.map((s) => (typeof s === 'string' ? { sql: s } : s))

async function sync(replica: Client): Promise<SyncResult> {
  await probePrimary(config)
  const result = await replica.sync()
  return { framesSynced: result?.frames_synced ?? 0, frameNo: result?.frame_no ?? 0 }
}

async function run(replica: Client, request: Request): Promise<Answer> {
  switch (request.op) {
    case 'execute':
      return plainResult(await replica.execute(request.statement))
    case 'batch':
      return (await replica.batch(objects(request.statements), request.mode)).map(plainResult)
    case 'migrate':
      return (await replica.migrate(objects(request.statements))).map(plainResult)
    case 'sync':
      return sync(replica)
    case 'begin':
      tx = await replica.transaction(request.mode)
      return null
    case 'tx':
      if (!tx) throw new Error('No transaction is open')
      return plainResult(await tx.execute(request.statement))
    case 'commit':
      try {
        await tx?.commit()
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

port.on('message', async ({ id, request }: { id: number; request: Request }) => {
  let reply: Reply
  try {
    if (!client) throw new Error('The replica is not open')
    // @libsql/client prepares a native statement for every call (see native-memory.ts)
    noteNativeStatements(statementsOf(request))
    await collectNativeStatements()
    reply = { id, result: await run(client, request) }
  } catch (error) {
    // a write the primary refused, maybe because the local copy was behind: catch up before the
    // caller looks again
    if (client && refusedByPrimary(error)) await client.sync().catch(() => undefined)
    reply = { id, error: plainError(translate(error, config)) }
  }
  port.postMessage(reply)
})

// The first message: the replica opened and synced with its primary, or why it could not.
try {
  mkdirSync(dirname(config.path!), { recursive: true })
  // The driver sends every statement that is not a plain read, PRAGMAs included, to the primary,
  // which enforces foreign keys itself: a replica gets no local settings.
  client = createClient({
    url: config.url,
    syncUrl: config.syncUrl,
    authToken: config.authToken,
    syncInterval: config.syncInterval
  })
  port.postMessage({ id: 0, result: await sync(client) } satisfies Reply)
} catch (error) {
  client?.close()
  client = undefined
  port.postMessage({ id: 0, error: plainError(translate(error, config)) } satisfies Reply)
}
