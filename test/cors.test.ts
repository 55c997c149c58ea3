// Browser pages on other origins: off by default, answered for the listed origins only.
import { afterEach, describe, expect, it } from 'vitest'
import { corsOrigins } from '../src/service/cors.js'
import { type AgorServer, createServer } from '../src/service/server.js'
import type { Store } from '../src/service/store.js'
import { openTempStore } from './helpers.js'

const UI = 'http://localhost:5173'
const EVIL = 'https://evil.example'

let open: { store: Store; server: AgorServer }[] = []

async function start(cors?: string[]): Promise<AgorServer> {
  const store = await openTempStore()
  const server = await createServer(store, { host: '127.0.0.1', port: 0, ...(cors ? { cors } : {}) })
  open.push({ store, server })
  return server
}

afterEach(async () => {
  for (const { store, server } of open) {
    await server.close()
    await store.close()
  }
  open = []
  delete process.env.AGOR_CORS
})

function preflight(server: AgorServer, origin: string, method = 'PATCH') {
  return fetch(`${server.url}/sessions`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'content-type, x-api-key'
    }
  })
}

describe('CORS', () => {
  it('answers preflights and marks responses for listed origins only', async () => {
    const server = await start([UI])
    const ok = await preflight(server, UI)
    expect(ok.status).toBe(204)
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI)
    expect(ok.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(ok.headers.get('access-control-allow-headers')).toBe('content-type, x-api-key')

    const created = await fetch(`${server.url}/sessions`, {
      method: 'POST',
      headers: { origin: UI, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'a' })
    })
    expect(created.status).toBe(201)
    expect(created.headers.get('access-control-allow-origin')).toBe(UI)
    const refused = await fetch(`${server.url}/sessions/nothex`, { headers: { origin: UI } })
    expect(refused.status).toBe(400)
    expect(refused.headers.get('access-control-allow-origin')).toBe(UI)

    const other = await preflight(server, EVIL)
    expect(other.status).not.toBe(204)
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    const read = await fetch(`${server.url}/sessions`, { headers: { origin: EVIL } })
    expect(read.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('is off by default', async () => {
    const server = await start()
    const res = await preflight(server, UI)
    expect(res.status).toBe(405)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('reads AGOR_CORS, and takes * for every origin', async () => {
    process.env.AGOR_CORS = `${EVIL}/, ${UI}`
    const server = await start()
    expect((await preflight(server, EVIL)).headers.get('access-control-allow-origin')).toBe(EVIL)
    const everyone = await start(['*'])
    expect((await preflight(everyone, EVIL)).headers.get('access-control-allow-origin')).toBe('*')
  })

  it('refuses origins that are not origins', () => {
    for (const bad of ['localhost:5173', 'ftp://x', 'not a url', 'file:///x']) {
      expect(() => corsOrigins(bad), bad).toThrow(/Invalid CORS origin/)
    }
    expect(corsOrigins(' https://ui.example.com:8443/app ,*')).toEqual(['https://ui.example.com:8443', '*'])
  })
})
