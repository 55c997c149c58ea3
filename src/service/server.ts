/**
 * Serving a store: REST and socket.io on one port, a health endpoint, and a graceful close that
 * lets calls in flight finish.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { type Server, STATUS_CODES } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { BadRequest, FeathersError } from '@feathersjs/errors'
import { setting } from '../env.js'
import { authSecret } from './auth-options.js'
import { corsOrigins } from './cors.js'
import type { Store } from './store.js'
import type { ServedApp } from './transports.js'

/** Stores that createServer has served: an application can be served once. */
const served = new WeakSet<Store>()

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 3030

export interface ServerOptions {
  /** AGOR_HOST, then 127.0.0.1. */
  host?: string
  /** AGOR_PORT, then 3030; 0 picks a free port. */
  port?: number
  /**
   * Origins whose browser pages may call the API (`https://ui.example.com`, or `*`): AGOR_CORS
   * (comma-separated), else none.
   */
  cors?: string[]
  /**
   * How often the server looks for changes made elsewhere, to send them to its clients (ms):
   * AGOR_FEED_INTERVAL, else 100 for a local file, 1000 for a replica or a remote database.
   */
  feedInterval?: number
  /** How long close() waits for calls in flight before it cuts connections (ms). */
  shutdownTimeout?: number
}

export interface AgorServer {
  host: string
  port: number
  /** `http://host:port` */
  url: string
  http: Server
  /**
   * An administrative key made for this server alone, when it serves workspaces' keys without
   * one of its own (AGOR_API_KEY unset): the CLI beside it uses it (see daemon-records.ts).
   */
  localKey?: string
  /** Stops accepting connections, lets calls in flight finish, disconnects sockets. */
  close(): Promise<void>
}

/**
 * Requests that Node's HTTP parser refuses (a URL or headers over 16 KB, malformed HTTP) never
 * reach the app: answer them with a Feathers error in JSON too, instead of an empty response.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy()
    return
  }
  const clientError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new FeathersError(
          'The request URL or headers are too large',
          'RequestHeaderFieldsTooLarge',
          431,
          'request-header-fields-too-large',
          undefined
        )
      : new BadRequest('Malformed HTTP request')
  const body = JSON.stringify(clientError.toJSON())
  socket.end(
    `HTTP/1.1 ${clientError.code} ${STATUS_CODES[clientError.code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  )
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
}

/** The address a server listens on: `host`, else AGOR_HOST, else 127.0.0.1. */
export function serverHost(host?: string): string {
  return host ?? setting('AGOR_HOST') ?? DEFAULT_HOST
}

/** Throws unless `host` may be served: loopback addresses always, others only with authentication. */
export function assertHostAllowed(host: string, authentication: boolean): void {
  if (isLoopback(host) || authentication) return
  throw new Error(
    `Refusing to listen on ${host} without authentication: anyone who can reach it could read and change every document. Set AGOR_API_KEY (16+ characters), or listen on 127.0.0.1.`
  )
}

function portFrom(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port ${value}`)
  return port
}

/** The app's HTTP server once it listens, or the error it met (a port taken, one not allowed). */
async function listening(app: ServedApp, port: number, host: string): Promise<Server> {
  const http = await app.listen(port, host)
  if (!http.listening) {
    await Promise.race([
      once(http, 'listening'),
      once(http, 'error').then(([error]) => {
        throw error
      })
    ])
  }
  return http
}

/**
 * Serves the store's services over REST (Koa) and socket.io.
 *
 * @example
 * const server = await createServer(store, { host: '127.0.0.1', port: 3030 })
 * await server.close(); await store.close()
 */
export async function createServer(store: Store, options: ServerOptions = {}): Promise<AgorServer> {
  const host = serverHost(options.host)
  const port = options.port ?? portFrom(setting('AGOR_PORT')) ?? DEFAULT_PORT
  const shutdownTimeout = options.shutdownTimeout ?? 10_000
  const corsAllowed = corsOrigins(options.cors?.join(',') ?? process.env.AGOR_CORS)
  if (served.has(store)) throw new Error('This store is already served')
  // a database that holds workspaces' keys or users' passwords is served with authentication,
  // AGOR_API_KEY or not
  const guarded = (await store.database.workspaces.hasKeys()) || (await store.database.credentials.any())
  const localKey = !store.auth && guarded ? randomBytes(32).toString('hex') : undefined
  // tokens outlive the daemon when AGOR_AUTH_SECRET signs them, with or without AGOR_API_KEY
  const auth = store.auth ?? (localKey ? { apiKeys: [`cli:${localKey}`], secret: authSecret() } : undefined)
  assertHostAllowed(host, auth !== undefined)
  served.add(store)
  const [{ attachTransports }, { FeedTail, feedInterval, feedRetention }] = await Promise.all([
    import('./transports.js'),
    import('./feed-tail.js')
  ])
  const app = attachTransports(store.app, store.database, auth, corsAllowed)
  // every change made anywhere becomes an event for this server's clients
  const tail = new FeedTail(app, store.database, {
    interval: options.feedInterval ?? feedInterval(store.config.mode),
    retention: feedRetention()
  })

  // from here on the tail emits every write's events, this process's own included
  await tail.start()
  app.set('feedTail', tail)
  let http: Server
  try {
    http = await listening(app, port, host)
  } catch (error) {
    app.set('feedTail', undefined)
    await tail.stop()
    throw error
  }
  http.on('clientError', answerClientError)
  const address = http.address() as AddressInfo
  let closing: Promise<void> | undefined

  // Requests and socket calls finish, and so do requests that arrive meanwhile: a client may have
  // sent one on a connection the busy event loop had not accepted or read yet, and closing the
  // listener at once would reset it. Responses say `Connection: close` in the meantime. When
  // nothing has been in progress for a moment (or after shutdownTimeout) the listener closes,
  // sockets are disconnected and whatever is left is cut.
  async function close(): Promise<void> {
    const inFlight = app.get('inFlight')
    inFlight.closing = true
    const deadline = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref())
    await Promise.race([inFlight.settled(100), deadline(shutdownTimeout)])
    app.set('feedTail', undefined)
    await tail.stop()
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()))
    app.io?.close()
    await Promise.race([stopped, deadline(1000)])
    http.closeAllConnections()
    await stopped
  }

  return {
    host,
    port: address.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    http,
    ...(localKey ? { localKey } : {}),
    close: () => {
      closing ??= close()
      return closing
    }
  }
}
