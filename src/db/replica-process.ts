/**
 * The parent's side of a replica's worker (replica-worker.ts), a child process: one request in
 * flight at a time, each bounded by AGOR_DB_TIMEOUT from the moment it was asked for. A request that
 * times out fails with a 503; the worker may still be waiting for the primary, and the requests
 * behind it wait their turn (or their own deadline) rather than pile up in the worker.
 *
 * A process, not a worker thread: the driver's calls block the thread they run on inside native
 * code, where a worker thread cannot be stopped (terminate() waits for the call to return, and so
 * does the exit of the process that owns the thread: minutes, for a primary that stalled). A child
 * process can be killed, so closing a replica, and leaving a command, take no longer than a kill.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { DatabaseUnavailableError } from '../errors.js'
import { KeyedQueue } from '../keyed-queue.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { Executor, Result, Statement, SyncResult, WriteMode } from './connection.js'
import { withDeadline } from './deadline.js'
import { serverOf, WRITE_IN_DOUBT } from './driver-errors.js'
import {
  type Answer,
  type Envelope,
  fromPlainError,
  fromPlainResult,
  type PlainResult,
  type Reply,
  type Request,
  type ToWorker,
  type WorkerData
} from './worker-protocol.js'

/** How long a closed worker has to close its driver and exit before it is killed (ms). */
const CLOSE_GRACE = 2000

/** Workers still running: killed when this process exits, so that none outlives it. */
const running = new Set<ChildProcess>()
let killOnExit = false

/**
 * The worker's process. Built, its module is a .js file next to this one; run from source (the
 * tests), it is TypeScript, loaded through tsx.
 */
function spawn(): ChildProcess {
  const here = import.meta.url
  const ts = here.endsWith('.ts')
  const module = fileURLToPath(new URL(ts ? './replica-worker.ts' : './replica-worker.js', here))
  const execArgv = ts ? ['--import', createRequire(here).resolve('tsx')] : []
  // stdout ignored: the driver logs there (quiet-driver.ts), and a command's output is its own
  const child = fork(module, [], {
    execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (!killOnExit) {
    killOnExit = true
    process.once('exit', () => {
      for (const worker of running) worker.kill('SIGKILL')
    })
  }
  return child
}

export class ReplicaProcess {
  readonly #config: ResolvedDatabaseConfig
  readonly #worker: ChildProcess
  readonly #queue = new KeyedQueue()
  readonly #waiting = new Map<number, (reply: Reply) => void>()
  #next = 1
  #stopped: Error | undefined

  /**
   * Starts the worker; resolves once its replica has synced with the primary, which must be the
   * database whose id is `copyId` (the local copy's, if it has one).
   */
  static async start(
    config: ResolvedDatabaseConfig,
    copyId: string | undefined
  ): Promise<{ worker: ReplicaProcess; synced: SyncResult }> {
    const worker = new ReplicaProcess(config, copyId)
    const seconds = config.requestTimeout ?? 0
    try {
      const synced = await withDeadline(worker.#answer(0), seconds * 1000, () => {
        return new DatabaseUnavailableError(
          `${serverOf(config)} did not answer within ${seconds} s (AGOR_DB_TIMEOUT)`
        )
      })
      return { worker, synced: synced as SyncResult }
    } catch (error) {
      worker.close()
      throw error
    }
  }

  private constructor(config: ResolvedDatabaseConfig, copyId: string | undefined) {
    this.#config = config
    this.#worker = spawn()
    this.#worker.on('message', (reply: Reply) => {
      const deliver = this.#waiting.get(reply.id)
      this.#waiting.delete(reply.id)
      // an idle worker does not keep this process alive; one that owes an answer does
      if (this.#waiting.size === 0) this.#hold(false)
      deliver?.(reply)
    })
    const stop = (why: string) => {
      this.#stopped ??= new DatabaseUnavailableError(`The replica's worker stopped (${why})`)
      for (const [id, deliver] of this.#waiting)
        deliver({ id, error: { kind: 'feathers', name: 'Unavailable', message: this.#stopped.message } })
      this.#waiting.clear()
    }
    this.#worker.on('error', (error) => stop(error.message))
    this.#worker.on('exit', (code, signal) => stop(signal ?? `exit code ${code}`))
    const start: WorkerData = { config, ...(copyId ? { copyId } : {}) }
    this.#worker.send({ start } satisfies ToWorker)
  }

  /** False once the worker has stopped: start another. */
  get alive(): boolean {
    return this.#stopped === undefined
  }

  /** A statement forwarded to the primary: its result. */
  async execute(statement: Statement): Promise<Result> {
    return fromPlainResult((await this.#request({ op: 'execute', statement })) as PlainResult)
  }

  /** Statements forwarded to the primary in one transaction (`migrate`: with foreign keys off). */
  async batch(
    op: 'batch' | 'migrate',
    statements: Statement[],
    mode: WriteMode = 'write'
  ): Promise<Result[]> {
    const answer = await this.#request(op === 'batch' ? { op, statements, mode } : { op, statements })
    return (answer as PlainResult[]).map(fromPlainResult)
  }

  async sync(): Promise<SyncResult> {
    return (await this.#request({ op: 'sync' })) as SyncResult
  }

  /** An interactive transaction on the primary; the worker takes no other request meanwhile. */
  transaction<T>(mode: WriteMode, work: (tx: Executor) => Promise<T>): Promise<T> {
    const call = (request: Request) => this.#bounded(this.#send(request, this.#expires()), true)
    return this.#queue.run('', async () => {
      await call({ op: 'begin', mode })
      try {
        const result = await work({
          execute: async (statement) => fromPlainResult((await call({ op: 'tx', statement })) as PlainResult)
        })
        await call({ op: 'commit' })
        return result
      } catch (error) {
        await this.#send({ op: 'rollback' }).catch(() => undefined)
        throw error
      }
    })
  }

  /**
   * Stops the worker: an idle one closes its driver and exits; one that owes an answer may be
   * blocked in the driver until the primary answers, and is killed.
   */
  close(): void {
    const busy = this.#waiting.size > 0
    this.#stopped ??= new DatabaseUnavailableError('The database is closed')
    const worker = this.#worker
    if (worker.exitCode !== null || worker.signalCode !== null) return
    if (busy || !worker.connected) {
      worker.kill('SIGKILL')
      return
    }
    worker.send({ close: true } satisfies ToWorker)
    this.#hold(false)
    setTimeout(() => worker.kill('SIGKILL'), CLOSE_GRACE).unref()
  }

  /**
   * Queues a request: it is sent when the ones before it are answered, unless its deadline passed
   * meanwhile, and it fails when the deadline passes before its answer.
   */
  #request(request: Request): Promise<Answer> {
    let sent = false
    let abandoned = false
    const expires = this.#expires()
    const turn = this.#queue.run('', async () => {
      if (abandoned) return null
      sent = true
      return this.#send(request, expires)
    })
    return this.#bounded(
      turn,
      () => sent,
      () => {
        abandoned = true
      },
      request.op !== 'sync'
    )
  }

  /**
   * `answer`, or a 503 once AGOR_DB_TIMEOUT has passed, which says whether the request was sent and,
   * for a write (everything but a sync: reads stay on the local copy), that it may have been applied.
   */
  #bounded<T>(
    answer: Promise<T>,
    sent: boolean | (() => boolean),
    onTimeout?: () => void,
    write = true
  ): Promise<T> {
    const seconds = this.#config.requestTimeout ?? 0
    return withDeadline(answer, seconds * 1000, () => {
      onTimeout?.()
      const server = serverOf(this.#config)
      if (!(typeof sent === 'function' ? sent() : sent)) {
        return new DatabaseUnavailableError(
          `${server} has not answered for ${seconds} s (AGOR_DB_TIMEOUT): nothing was sent; try again when it answers`
        )
      }
      return new DatabaseUnavailableError(
        `${server} did not answer within ${seconds} s (AGOR_DB_TIMEOUT)${write ? WRITE_IN_DOUBT : ''}`
      )
    })
  }

  /** When a request asked for now stops being wanted (ms since the epoch), if it ever does. */
  #expires(): number | undefined {
    const seconds = this.#config.requestTimeout ?? 0
    return seconds > 0 ? Date.now() + seconds * 1000 : undefined
  }

  /** Sends a request; the worker does not start a write it receives, or gets to, after `expires`. */
  #send(request: Request, expires?: number): Promise<Answer> {
    if (this.#stopped) return Promise.reject(this.#stopped)
    const id = this.#next++
    const answer = this.#answer(id)
    this.#worker.send({ id, request, expires } satisfies Envelope)
    return answer
  }

  /** Whether the worker keeps this process alive. */
  #hold(hold: boolean): void {
    if (hold) {
      this.#worker.ref()
      this.#worker.channel?.ref()
    } else {
      this.#worker.unref()
      this.#worker.channel?.unref()
    }
  }

  #answer(id: number): Promise<Answer> {
    this.#hold(true)
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, (reply) =>
        'error' in reply ? reject(fromPlainError(reply.error)) : resolve(reply.result)
      )
    })
  }
}
