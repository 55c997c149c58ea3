/**
 * The CLI's REST calls to a daemon, on node:http: the requests @feathersjs/rest-client makes (the
 * same URLs, query strings, methods and `X-Service-Method` header for custom methods), and the
 * error it throws for a Feathers error answer. A one-shot command cannot afford fetch (undici
 * takes longer to load than the whole command may) nor the Feathers client and qs.
 */

import { request as httpRequest, type IncomingMessage } from 'node:http'
import { convert } from '@feathersjs/errors'
import { isPlainObject } from '../store/plain-json.js'

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  headers?: Record<string, string>
  body?: unknown
  /** Gives up (a network error) after this many milliseconds. */
  timeout?: number
}

export interface RestAnswer {
  status: number
  body: unknown
}

/** Thrown when the daemon cannot be reached at all (refused, reset, timed out). */
export class Unreachable extends Error {}

async function send(url: URL, options: RestRequest): Promise<IncomingMessage> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : { request: httpRequest }
  const body = options.body === undefined ? undefined : JSON.stringify(options.body)
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method, headers, timeout: options.timeout }, resolve)
    req.on('timeout', () => req.destroy(new Unreachable(`no answer within ${options.timeout} ms`)))
    req.on('error', (error) => reject(error instanceof Unreachable ? error : new Unreachable(error.message)))
    req.end(body)
  })
}

/** One request; the answer's JSON body (undefined when it has none or is not JSON). */
export async function restRequest(url: URL, options: RestRequest): Promise<RestAnswer> {
  const response = await send(url, options)
  const chunks: Buffer[] = []
  try {
    for await (const chunk of response) chunks.push(chunk)
  } catch (error) {
    throw new Unreachable((error as Error).message)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  return { status: response.statusCode ?? 0, body }
}

function encode(text: string): string {
  // qs's RFC 3986 encoding: encodeURIComponent leaves !'()* alone, which qs encodes
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function pairs(value: unknown, key: string, into: string[]): void {
  if (value === undefined) return
  const inner = Array.isArray(value)
    ? value.map((item, i) => [String(i), item] as const)
    : isPlainObject(value)
      ? Object.entries(value)
      : undefined
  if (inner) for (const [k, v] of inner) pairs(v, `${key}[${k}]`, into)
  else if (value instanceof Date) into.push(`${encode(key)}=${encode(value.toISOString())}`)
  else into.push(`${encode(key)}=${value === null ? '' : encode(String(value))}`)
}

/** A query as qs.stringify writes it (indexed arrays, bracketed keys): what the daemon parses. */
export function queryString(query: Record<string, unknown>): string {
  const into: string[] = []
  for (const [key, value] of Object.entries(query)) pairs(value, key, into)
  return into.length ? `?${into.join('&')}` : ''
}

/** A service of a daemon, by REST. */
export class RestService {
  readonly #base: string
  readonly #headers: Record<string, string>

  constructor(url: string, name: string, headers: Record<string, string>) {
    this.#base = `${url.replace(/\/+$/, '')}/${name}`
    this.#headers = headers
  }

  async #call(
    method: RestRequest['method'],
    id: string | null,
    query: Record<string, unknown> | undefined,
    body?: unknown,
    serviceMethod?: string
  ): Promise<unknown> {
    const path = id === null ? this.#base : `${this.#base}/${encodeURIComponent(id)}`
    const url = new URL(`${path}${queryString(query ?? {})}`)
    const headers = serviceMethod ? { ...this.#headers, 'X-Service-Method': serviceMethod } : this.#headers
    const answer = await restRequest(url, { method, headers, body })
    if (answer.status >= 200 && answer.status < 300) return answer.status === 204 ? null : answer.body
    if (isPlainObject(answer.body)) throw convert(answer.body)
    throw convert({ code: answer.status, message: 'JSON parsing error' })
  }

  find(params: { query?: Record<string, unknown> }): Promise<unknown> {
    return this.#call('GET', null, params.query)
  }
  get(id: string): Promise<unknown> {
    return this.#call('GET', id, undefined)
  }
  create(data: unknown): Promise<unknown> {
    return this.#call('POST', null, undefined, data)
  }
  update(id: string, data: unknown): Promise<unknown> {
    return this.#call('PUT', id, undefined, data)
  }
  patch(id: string, data: unknown): Promise<unknown> {
    return this.#call('PATCH', id, undefined, data)
  }
  remove(id: string | null, params: { query?: Record<string, unknown> } = {}): Promise<unknown> {
    return this.#call('DELETE', id, params.query)
  }
  /** A custom method (`shortIds`, `fork`, …): a POST that names it in X-Service-Method. */
  custom(method: string, data: unknown): Promise<unknown> {
    return this.#call('POST', null, undefined, data, method)
  }
}
