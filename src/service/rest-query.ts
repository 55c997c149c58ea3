/**
 * The query of a REST call, parsed as Koa's parser does (qs) but without its silent losses: qs
 * drops keys named like Object.prototype members (`?constructor=1`) and `__proto__` keys, and a
 * dropped condition widens a query: `DELETE /sessions?constructor=1` would remove every session.
 * Here such keys are kept, and the query compiler refuses them as unknown fields, or, for
 * `__proto__`, refused at once.
 */
import { BadRequest } from '@feathersjs/errors'
import type { Middleware } from '@feathersjs/koa'
import qs from 'qs'

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '))
  } catch {
    return key
  }
}

function hasProtoKey(querystring: string): boolean {
  return querystring.split('&').some((pair) => decodeKey(pair.split('=', 1)[0]!).includes('__proto__'))
}

/** Koa middleware: `ctx.query` parsed with every key kept, or a 400 for a `__proto__` key. */
export const strictQuery: Middleware = async (ctx, next) => {
  const text = ctx.request.querystring
  if (text) {
    if (hasProtoKey(text)) throw new BadRequest('Invalid query: the key __proto__ is not allowed')
    // an own property in front of Koa's getter, which would parse the text again without the option
    Object.defineProperty(ctx.request, 'query', { value: qs.parse(text, { allowPrototypes: true }) })
  }
  await next()
}
