// The cut proxy (fixtures/cut-proxy.mjs) as a child process.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

/** What the proxy does with what clients send (see fixtures/cut-proxy.mjs). */
export type ProxyMode = 'pass' | 'cut' | 'cut-driver' | 'stall-driver'

export interface CutProxy {
  /** The proxy's URL (http://127.0.0.1:<port>). */
  readonly url: string
  /** From now on, passes, breaks or holds what clients send. */
  set(mode: ProxyMode): Promise<void>
  /** How many times a client asked the server for its database id (a replica's identity check). */
  identityChecks(): Promise<number>
  close(): Promise<void>
}

export async function cutProxy(target: URL): Promise<CutProxy> {
  const script = fileURLToPath(new URL('./fixtures/cut-proxy.mjs', import.meta.url))
  const child = spawn(process.execPath, [script, target.host], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async () => String((await lines.next()).value)
  const port = await next()
  return {
    url: `http://127.0.0.1:${port}`,
    async set(mode) {
      child.stdin.write(`${mode}\n`)
      await next()
    },
    async identityChecks() {
      child.stdin.write('count\n')
      return Number(await next())
    },
    async close() {
      child.stdin.end()
      if (child.exitCode === null) await once(child, 'exit')
    }
  }
}
