/**
 * An HTTP proxy that counts the requests a client sends to a server: put it in front of sqld to
 * see how many round trips an operation costs.
 *
 * @example
 * const proxy = await countingProxy(sqld.url)
 * const store = await openStore({ url: proxy.url })
 * proxy.reset(); await store.service('sessions').get('0199b73d'); proxy.requests // ['POST /v2/pipeline']
 */
import { createServer as createHttpServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface CountingProxy {
  /** `http://127.0.0.1:<port>`: use it as the database URL. */
  url: string
  /** The requests since the last `reset()`, as `METHOD /path`. */
  requests: string[]
  reset(): void
  close(): Promise<void>
}

/** An HTTP proxy in front of `target` that records every request it forwards. */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target)
  const requests: string[] = []
  const server = createHttpServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset: () => {
      requests.length = 0
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
