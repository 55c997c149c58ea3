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
const READS = ['get', 'find'] as const

/** Wraps `target`'s `hooks` method (Feathers' way to register hooks) to call `then` first. */
function beforeHooks(target: object, then: () => void): void {
  const register: unknown = Reflect.get(target, 'hooks')
  if (typeof register !== 'function') return
  Reflect.set(target, 'hooks', function (this: unknown, ...args: unknown[]) {
    then()
    return register.apply(this, args)
  })
}

/** Whether a call's params come from a transport (REST, socket.io). */
const fromProvider = (params: unknown) =>
  typeof params === 'object' && params !== null && Boolean(Reflect.get(params, 'provider'))

/**
 * Lets the reads of `services` (on `app`, with the store's own hooks registered) skip the chain
 * while no other hook is registered.
 */
export function directReads(app: object, services: readonly object[]): void {
  let idle = true
  const busy = () => {
    idle = false
  }
  beforeHooks(app, busy)
  for (const service of services) {
    beforeHooks(service, busy)
    for (const name of READS) {
      const hooked: unknown = Reflect.get(service, name)
      if (typeof hooked !== 'function') continue
      // what Feathers' hook wrapper keeps: the method itself, and the class of its contexts (a
      // caller that passes one wants it back)
      const direct: unknown = Reflect.get(hooked, 'original')
      const Context: unknown = Reflect.get(hooked, 'Context')
      if (typeof direct !== 'function' || typeof Context !== 'function') continue
      const read = function (this: unknown, ...args: unknown[]) {
        const last = args[args.length - 1]
        if (!idle || last instanceof Context || fromProvider(args[name === 'get' ? 1 : 0]))
          return hooked.apply(this, args)
        if (name === 'get' && args.length < 2) args[1] = {}
        if (name === 'find' && args.length < 1) args[0] = {}
        return direct.apply(this, args)
      }
      Reflect.set(service, name, Object.assign(read, hooked))
    }
  }
}
