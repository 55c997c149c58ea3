/**
 * Counts the work a server has in progress (HTTP requests and service calls from any transport),
 * so that a graceful close can wait for it.
 */
import type { HookContext, NextFunction } from '@feathersjs/feathers'
import type { Middleware } from '@feathersjs/koa'

export class InFlight {
  #count = 0
  #waiters: (() => void)[] = []

  /** Set when the server closes: responses then ask clients not to reuse their connection. */
  closing = false

  /** Koa middleware, first in the chain: a request counts from its headers to its response. */
  readonly middleware: Middleware = async (ctx, next) => {
    if (this.closing) ctx.set('Connection', 'close')
    return this.#track(next)
  }

  /** Around hook for every service call, socket.io calls included. */
  readonly hook = async (_context: HookContext, next: NextFunction) => this.#track(next)

  /** Requests and calls in progress now. */
  get count(): number {
    return this.#count
  }

  /** Resolves when nothing is in progress. */
  drained(): Promise<void> {
    return this.#count === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve))
  }

  /**
   * Resolves when nothing has been in progress for `quietMs`: a request that was sent during a
   * long call is read only once the event loop is free, so one drain is not the end of the work.
   */
  async settled(quietMs: number): Promise<void> {
    do {
      await this.drained()
      await new Promise((resolve) => setTimeout(resolve, quietMs))
    } while (this.#count > 0)
  }

  async #track(next: () => Promise<unknown>): Promise<void> {
    this.#count++
    try {
      await next()
    } finally {
      this.#count--
      if (this.#count === 0) for (const resolve of this.#waiters.splice(0)) resolve()
    }
  }
}
