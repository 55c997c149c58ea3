/**
 * The query of a REST call, parsed as Koa's parser does (qs) but without its silent losses: qs
 * drops keys named like Object.prototype members (`?constructor=1`) and `__proto__` keys, and a
 * dropped condition widens a query: `DELETE /sessions?constructor=1` would remove every session.
 * Here such keys are kept, and the query compiler refuses them as unknown fields, or, for
 * `__proto__`, refused at once. qs's other silent limits are raised to the query compiler's and
 * made loud: by default it drops parameters after the 1,000th, turns lists of more than 20 values
 * into objects (which the field coercion does not see) and keeps what is nested deeper than 5
 * levels as one odd key.
 */
import { BadRequest } from '@feathersjs/errors'
import type { Middleware } from '@feathersjs/koa'
import qs from 'qs'
import { MAX_LIST } from '../store/operators.js'
import { MAX_VALUES } from '../store/query-compiler.js'

const OPTIONS: qs.IParseOptions = {
  allowPrototypes: true,
  arrayLimit: MAX_LIST,
  parameterLimit: MAX_VALUES,
  depth: 12,
  strictDepth: true,
  throwOnLimitExceeded: true
}

function decodeKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '))
  } catch {
    return key
  }
}

function namesProtoKey(querystring: string): boolean {
  return querystring.split('&').some((pair) => decodeKey(pair.split('=', 1)[0]!).includes('__proto__'))
}

/** Koa middleware: `ctx.query` parsed with every key kept, or a 400 for a `__proto__` key. */
export const strictQuery: Middleware = async (ctx, next) => {
  const text = ctx.request.querystring
  if (text) {
    if (namesProtoKey(text)) throw new BadRequest('Invalid query: the key __proto__ is not allowed')
    let query: Record<string, unknown>
    try {
      query = qs.parse(text, OPTIONS)
    } catch {
      throw new BadRequest(
        `Invalid query: at most ${MAX_VALUES} parameters, ${MAX_LIST} values in a list and 12 levels of nesting`
      )
    }
    // an own property in front of Koa's getter, which would parse the text again without the options
    Object.defineProperty(ctx.request, 'query', { value: query })
  }
  await next()
}
