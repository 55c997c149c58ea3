/**
 * Counts the work a server has in progress (HTTP requests and service calls from any transport),
 * so that a graceful close can wait for it.
 */
import type { HookContext, NextFunction } from '@feathersjs/feathers'
import type { Middleware } from '@feathersjs/koa'

export class InFlight {
  #count = 0
  #waiters: (() => void)[] = []

  /** Koa middleware, first in the chain: a request counts from its headers to its response. */
  readonly middleware: Middleware = async (_ctx, next) => this.#track(next)

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
