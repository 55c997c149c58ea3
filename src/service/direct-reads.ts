/**
 * Reads in the process without Feathers' hook chain while it has nothing to run. A `get` or `find`
 * through a service's hooks costs about 1.6 µs more than the method itself (a context, the chain,
 * Feathers' event hook), a sixth of a get by id; the store's own hooks do nothing on a read in the
 * process (the event hook has no event to send, clientSafeErrors acts on calls from clients only).
 * So a read from code, with no provider, goes straight to the method, as the chain would have
 * called it, until anyone registers a hook on the app or the service: from then on (a served app,
 * whose transports add authentication and request tracking, or a library user's own hooks) every
 * call goes through the chain, as Feathers has it.
 */
import type { Application } from '@feathersjs/feathers'

const READS = ['get', 'find'] as const

type Method = ((...args: unknown[]) => Promise<unknown>) & {
  original?: (...args: unknown[]) => Promise<unknown>
  /** The class of the method's hook contexts: a caller that passes one wants it back. */
  Context: new () => object
}

interface Hookable {
  hooks(...args: unknown[]): unknown
}

/**
 * Lets the reads of `services` (on `app`, with the store's own hooks registered) skip the chain
 * while no other hook is registered.
 */
export function directReads(app: Application, services: readonly object[]): void {
  let idle = true
  const stopOnHooks = (target: Hookable) => {
    const register = target.hooks
    target.hooks = function (this: unknown, ...args: unknown[]) {
      idle = false
      return register.apply(this, args)
    }
  }
  stopOnHooks(app as unknown as Hookable)
  for (const service of services) {
    stopOnHooks(service as Hookable)
    const methods = service as Record<string, unknown>
    for (const name of READS) {
      const hooked = methods[name] as Method
      const direct = hooked.original
      if (typeof direct !== 'function') continue
      const read = function (this: unknown, ...args: unknown[]) {
        const last = args[args.length - 1]
        const params = args[name === 'get' ? 1 : 0] as { provider?: unknown } | undefined
        if (!idle || last instanceof hooked.Context || params?.provider) return hooked.apply(this, args)
        if (name === 'get' && args.length < 2) args[1] = {}
        if (name === 'find' && args.length < 1) args[0] = {}
        return direct.apply(this, args)
      }
      methods[name] = Object.assign(read, hooked)
    }
  }
}
