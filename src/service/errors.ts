/**
 * What a client may see of a failure: Feathers errors as they are, anything else as a 500 that
 * says nothing about the code, the SQL or the driver. The original is logged on the server.
 */
import { BadRequest, FeathersError, GeneralError } from '@feathersjs/errors'
import type { HookContext } from '@feathersjs/feathers'
import { PayloadTooLarge } from '../errors.js'

/** Where unexpected errors are reported (tests may silence or capture it). */
export const errorLog = {
  report(error: unknown, where: string): void {
    console.error(`agor-store: unexpected error in ${where}:`, error)
  }
}

/** The error to send to a client for `error`. */
export function toClientError(error: unknown, where: string): FeathersError {
  if (error instanceof FeathersError) return error
  // koa-body and other HTTP middleware mark client errors with a status
  const status = (error as { status?: unknown })?.status
  if (status === 413) return new PayloadTooLarge('The request body is too large')
  if (status === 400 || status === 415 || status === 422) {
    return new BadRequest('The request body is not valid JSON')
  }
  errorLog.report(error, where)
  return new GeneralError('Internal server error')
}

/** App error hook: calls from outside the process get client-safe errors. */
export function clientSafeErrors(context: HookContext): void {
  if (context.params.provider && context.error) {
    context.error = toClientError(context.error, `${context.path}.${context.method}`)
  }
}
