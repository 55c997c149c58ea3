/**
 * What a client may see of a failure: Feathers errors as they are, anything else as a 500 that
 * says nothing about the code, the SQL or the driver. The original is logged on the server.
 */
import { BadRequest, FeathersError, GeneralError } from '@feathersjs/errors'
import type { HookContext } from '@feathersjs/feathers'
import { PayloadTooLarge, unshowableValue } from '../errors.js'
import { log } from '../log.js'

/** The error to send to a client for `error`. */
export function toClientError(error: unknown, where: string): FeathersError {
  if (error instanceof FeathersError) return error
  // koa-body and other HTTP middleware mark client errors with a status
  const status = (error as { status?: unknown })?.status
  if (status === 413) return new PayloadTooLarge('The request body is too large')
  if (status === 400 || status === 415 || status === 422) return bodyError(String((error as Error).message))
  // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR) carry no status: a body that does not decompress
  if (String((error as { code?: unknown })?.code).startsWith('Z_'))
    return new BadRequest('The request body does not match its Content-Encoding')
  const unshowable = unshowableValue(error)
  if (unshowable) return new GeneralError(unshowable)
  log.error(`unexpected error in ${where}:`, error)
  return new GeneralError('Internal server error')
}

/** The body parser's refusals (co-body and @hapi/bourne), in the words the services use. */
function bodyError(message: string): BadRequest {
  if (message.includes('only supports object and array'))
    return new BadRequest('The request body must be a JSON object or array')
  if (message.includes('forbidden prototype property'))
    return new BadRequest('Invalid request body: the key __proto__ is not allowed')
  return new BadRequest('The request body is not valid JSON')
}

/** App error hook: calls from outside the process get client-safe errors. */
export function clientSafeErrors(context: HookContext): void {
  if (context.params.provider && context.error) {
    context.error = toClientError(context.error, `${context.path}.${context.method}`)
  }
}
