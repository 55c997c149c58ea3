/**
 * `agor serve`: the daemon. Serves the store over REST and socket.io, records itself next to the
 * database file (see daemon.ts) so that CLIs on the same file go through it, and shuts down
 * gracefully on SIGINT or SIGTERM: calls in flight finish, then the database closes.
 */
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { type Command, InvalidArgumentError } from 'commander'
import { writeDaemonRecord } from '../daemon-records.js'
import { Context } from './context.js'
import { apiKeyFromEnv, findDaemon } from './daemon.js'
import { type ClaimHolder, claimDaemon, type DaemonClaim } from './daemon-claim.js'
import { UsageError } from './errors.js'
import { parseCount } from './list-query.js'
import { beforeCreating } from './new-database.js'
import { examples } from './output.js'

function parsePort(value: string): number {
  const port = parseCount(value)
  if (port > 65535) throw new InvalidArgumentError('Expected a port number (0 to 65535).')
  return port
}

const PICK_ANOTHER = 'pick another with --port <n> or AGOR_PORT=<n>, or --port 0 for any free one'

/** A failure to listen, in words: which address, why, and what to do instead of the raw errno. */
function listenError(error: unknown): unknown {
  const { code, address, port } = (error ?? {}) as { code?: unknown; address?: unknown; port?: unknown }
  const where = `${String(address)}:${String(port)}`
  switch (code) {
    case 'EADDRINUSE':
      return new Error(
        `Port ${String(port)} on ${String(address)} is in use by another program: ${PICK_ANOTHER}`
      )
    case 'EACCES':
      return new Error(
        `Cannot listen on ${where}: permission denied (ports below 1024 need privileges): ${PICK_ANOTHER}`
      )
    case 'EADDRNOTAVAIL':
      return new Error(
        `Cannot listen on ${where}: no network interface of this machine has the address ${String(address)} (--host, AGOR_HOST)`
      )
    default:
      return error
  }
}

function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      // a second signal while closing ends the process at once
      process.once('SIGINT', () => process.exit(130))
      process.once('SIGTERM', () => process.exit(143))
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** `work`'s result; what it throws is a usage error (exit 2) with the same words. */
function usage<T>(work: () => T): T {
  try {
    return work()
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** The refusal of a second daemon on a file, naming the one that serves it. */
function alreadyServed(holder: ClaimHolder, target: string): Error {
  const dbPath = holder.dbPath ?? target
  // a hard link names the file by another path: say which one the daemon serves
  const same = dbPath === target ? '' : ` (the same file as ${target})`
  const where = holder.url ? ` at ${holder.url}` : ' (it is starting)'
  return new Error(`A daemon (pid ${holder.pid}) already serves ${dbPath}${same}${where}`)
}

/**
 * Claims the database file `target` for this daemon before the database is opened, so that of
 * several daemons started on it at once exactly one serves it (see daemon-claim.ts). The claim
 * goes when the process does.
 */
async function claimFile(target: string, startedAt: string): Promise<DaemonClaim> {
  const claimed = await claimDaemon({ pid: process.pid, dbPath: target, startedAt })
  if (!('release' in claimed)) throw alreadyServed(claimed, target)
  process.once('exit', claimed.release)
  return claimed
}

/**
 * A daemon lives long on small requests. V8 lets the heap of a new process grow to about four
 * times what it keeps before its first full collection (under the benchmark's soak: 215 MiB RSS
 * at the peak, 155 once collections settle); a growth of half between full collections keeps the
 * peak near the settled size, for a few ms of collection every few seconds. A node flag of the
 * user's own wins.
 */
function boundHeapGrowth(): void {
  if (!process.execArgv.some((flag) => /heap[-_]growing[-_]percent/.test(flag)))
    setFlagsFromString('--heap-growing-percent=50')
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the daemon: REST and socket.io for the database, on 127.0.0.1:3030')
    .option('--host <host>', 'the address to listen on (default: AGOR_HOST or 127.0.0.1)')
    .option('--port <port>', 'the port; 0 picks a free one (default: AGOR_PORT or 3030)', parsePort)
    .option(
      '--cors <origins>',
      'let browser pages of these origins call the API, comma-separated, or * (default: AGOR_CORS, else none)'
    )
    .addHelpText(
      'after',
      `${examples([
        'agor serve',
        'agor serve --db ./agor.db --port 0',
        'AGOR_API_KEY=$(openssl rand -hex 24) agor serve --host 0.0.0.0',
        'agor serve --cors http://localhost:5173'
      ])}
While it runs, agor commands on the same database file go through it, so that its
websocket clients see their writes. Stop it with Ctrl-C or SIGTERM.
`
    )
    .action(async (options: { host?: string; port?: number; cors?: string }, command: Command) => {
      const { output, options: global } = Context.of(command)
      boundHeapGrowth()
      const [{ openStore }, { assertHostAllowed, createServer, serverHost }, config, auth, { corsOrigins }] =
        await Promise.all([
          import('../service/store.js'),
          import('../service/server.js'),
          import('../db/config.js'),
          import('../service/auth-options.js'),
          import('../service/cors.js')
        ])
      // refused before the database is opened (and perhaps created) for nothing
      const authOptions = auth.authFromEnv()
      if (authOptions) auth.checkAuthOptions(authOptions)
      assertHostAllowed(serverHost(options.host), authOptions !== undefined)
      const cors = usage(() => corsOrigins(options.cors ?? process.env.AGOR_CORS))
      const resolved = config.resolveDatabaseConfig({ url: global.db })
      const target = resolved.path
      const running = target ? (await findDaemon(target)).record : undefined
      if (running) throw alreadyServed(running, target!)
      // a daemon that cannot start leaves no database it created behind (a port in use, say)
      const created = beforeCreating(resolved.mode === 'file' ? target : undefined)
      const startedAt = new Date().toISOString()
      // the claim lives next to the database: in a folder that opening the database makes (and a
      // failure removes again, knowing it made it), it is made once the database is open
      const folderExists = target !== undefined && existsSync(dirname(target))
      let claim = target && folderExists ? await claimFile(target, startedAt) : undefined
      const failed = (error: unknown) => {
        claim?.release()
        created.discard()
        return error
      }
      const store = await openStore({ url: global.db }).catch((error: unknown) => {
        throw failed(error)
      })
      if (target && !claim) {
        // refused: the file is the other daemon's now, so it stays, whoever created it
        claim = await claimFile(target, startedAt).catch(async (error: unknown) => {
          await store.close()
          throw error
        })
      }
      const { path, mode, url } = store.config
      const { redact } = config
      let server: Awaited<ReturnType<typeof createServer>>
      try {
        server = await createServer(store, { host: options.host, port: options.port, cors })
      } catch (error) {
        await store.close()
        throw failed(listenError(error))
      }
      const stopped = stopSignal()
      let removeRecord = () => {}
      if (path) {
        const apiKey = server.localKey ?? (store.authentication ? apiKeyFromEnv() : undefined)
        removeRecord = writeDaemonRecord({
          pid: process.pid,
          url: server.url,
          dbPath: path,
          startedAt,
          ...(apiKey ? { apiKey } : {})
        })
        process.once('exit', removeRecord)
      }
      output.out(`Listening on ${server.url}\nDatabase: ${path ?? redact(url)} (${mode})`)
      const signal = await stopped
      output.err(`Received ${signal}: finishing requests in flight, then closing`)
      removeRecord()
      await server.close()
      await store.close()
    })
}
