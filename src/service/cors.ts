/**
 * Cross-origin access for a browser UI served from another origin. Off unless origins are listed
 * (`agor serve --cors`, AGOR_CORS, `createServer(store, { cors })`): a page on any website could
 * otherwise drive a daemon on the visitor's loopback. Listed origins get preflight answers and
 * `Access-Control-Allow-Origin`; others get no CORS headers, so browsers keep them out.
 */
import type { Middleware } from '@feathersjs/koa'

const METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE'
/** What a preflight may ask for when it names no headers. */
const HEADERS = 'accept, authorization, content-type, x-api-key, x-agor-workspace, x-service-method'
/** Seconds a browser may keep a preflight's answer. */
const MAX_AGE = '600'

/**
 * The origins of a comma-separated list (AGOR_CORS, `--cors`), each as a browser sends it
 * (`https://ui.example.com:8443`), or `*` for every origin. Throws on anything else.
 *
 * @example
 * corsOrigins('http://localhost:5173, https://ui.example.com/') // ['http://localhost:5173', 'https://ui.example.com']
 */
export function corsOrigins(list: string | undefined): string[] {
  const origins: string[] = []
  for (const item of (list ?? '').split(',').map((s) => s.trim())) {
    if (item === '') continue
    if (item === '*') {
      origins.push(item)
      continue
    }
    let url: URL | undefined
    try {
      url = new URL(item)
    } catch {}
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin === 'null') {
      throw new Error(`Invalid CORS origin ${JSON.stringify(item)}: expected http(s)://host[:port] or *`)
    }
    origins.push(url.origin)
  }
  return origins
}

/** Koa middleware that answers preflights and marks responses for the allowed origins. */
export function cors(origins: readonly string[]): Middleware {
  const everyone = origins.includes('*')
  const allowed = new Set(origins)
  return async (ctx, next) => {
    const origin = ctx.get('Origin')
    ctx.vary('Origin')
    if (origin === '' || !(everyone || allowed.has(origin))) return next()
    ctx.set('Access-Control-Allow-Origin', everyone ? '*' : origin)
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '') {
      ctx.set('Access-Control-Allow-Methods', METHODS)
      ctx.set('Access-Control-Allow-Headers', ctx.get('Access-Control-Request-Headers') || HEADERS)
      ctx.set('Access-Control-Max-Age', MAX_AGE)
      ctx.status = 204
      return
    }
    await next()
  }
}
