import { join } from 'node:path'
import { openDatabase } from '../src/store/database.js'
import { checkDatabase, runFixture, stop } from './crash-helpers.js'
import { tempDir } from './helpers.js'
import { request } from './transport-helpers.js'

interface WriterReport {
  name: string
  rounds: number
  kept: string[]
  deleted: string[]
  patches: Record<string, number>
}

export function finished(child: ReturnType<typeof runFixture>): Promise<string> {
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk) => (out += chunk))
  child.stderr?.on('data', (chunk) => (err += chunk))
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`writer failed (${code}): ${err}`))
    )
  )
}

/**
 * A daemon (written to over HTTP) and two more processes writing to one database file at once:
 * creates, patches of the same documents on different fields, deletes. Returns what each writer
 * did and what the database holds afterwards.
 */
export async function runConcurrentWriters(seconds: number) {
  const path = join(tempDir(), 'writers.db')
  const setup = await openDatabase({ url: `file:${path}` })
  const shared = await setup
    .collection('sessions')
    .create(
      Array.from({ length: 4 }, (_, i) => ({ agent: 'shared', title: `shared ${i}`, custom_context: {} }))
    )
  setup.close()
  const sharedIds = shared.map((s) => s.session_id)

  const daemon = runFixture('test/fixtures/serve.ts', [path])
  const url = await new Promise<string>((resolve, reject) => {
    daemon.stdout?.on('data', (chunk: Buffer) => {
      const match = /listening (\S+)/.exec(String(chunk))
      if (match) resolve(match[1]!)
    })
    daemon.once('exit', (code) => reject(new Error(`daemon exited ${code}`)))
  })
  const writers = ['alpha', 'beta'].map((name) =>
    finished(runFixture('test/fixtures/writer.ts', [path, name, String(seconds), sharedIds.join(',')]))
  )

  // the third writer goes through the daemon
  const http: WriterReport = { name: 'daemon', rounds: 0, kept: [], deleted: [], patches: {} }
  const errors: string[] = []
  const until = Date.now() + seconds * 1000
  while (Date.now() < until) {
    http.rounds++
    const made = await request(url, 'POST', '/sessions', { agent: 'daemon', title: `daemon ${http.rounds}` })
    if (made.status !== 201) errors.push(made.text)
    else if (http.rounds % 3 === 0) {
      const removed = await request(url, 'DELETE', `/sessions/${made.body.session_id}`)
      if (removed.status !== 200) errors.push(removed.text)
      http.deleted.push(made.body.session_id)
    } else http.kept.push(made.body.session_id)
    const target = sharedIds[http.rounds % sharedIds.length]!
    const patched = await request(url, 'PATCH', `/sessions/${target}`, {
      custom_context: { daemon: http.rounds }
    })
    if (patched.status !== 200) errors.push(patched.text)
    http.patches[target] = http.rounds
  }
  const reports = [http, ...(await Promise.all(writers)).map((out) => JSON.parse(out) as WriterReport)]
  await stop(daemon, 'SIGTERM')

  const documents = await openDatabase({ url: `file:${path}` })
  try {
    const stored = new Map(
      (await documents.collection('sessions').find()).map((s) => [s.session_id, s as Record<string, unknown>])
    )
    return { reports, errors, stored, sharedIds, check: await checkDatabase(path) }
  } finally {
    documents.close()
  }
}
