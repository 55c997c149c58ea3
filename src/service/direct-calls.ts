/**
 * Calls in the process without Feathers' hook chain while it has nothing to run. A call through a
 * service's hooks costs about 2 µs more than the method itself (a context, the chain collected and
 * composed, Feathers' event hook): a sixth of a get by id, and on a loaded write it grows with what
 * the database evicts from the caches meanwhile (about 10 µs of a message's create). The store's
 * own hooks do nothing on a call from code, with no provider: clientSafeErrors acts on calls from
 * clients only, and the feed's hook (eventsFromFeed) only where a server's feed tail sends the
 * events, which only a served app has (its transports register hooks first). So such a call goes
 * straight to the method, as the chain would have called it, and a write sends its events as
 * Feathers' event hook does (one per document, with a context), until anyone registers a hook on
 * the app or the service: from then on (a served app, whose transports add authentication and
 * request tracking, or a library user's own hooks) every call goes through the chain.
 */
const READS = ['get', 'find'] as const

/** The writes: their events, as Feathers names them, and where their arguments are. */
const WRITES: Record<string, { event: string; params: number; id?: number; data?: number }> = {
  create: { event: 'created', params: 1, data: 0 },
  update: { event: 'updated', params: 2, id: 0, data: 1 },
  patch: { event: 'patched', params: 2, id: 0, data: 1 },
  remove: { event: 'removed', params: 1, id: 0 }
}

/** What Feathers' hook wrapper of a method keeps: the method itself, and its contexts' class. */
interface Hooked {
  (...args: unknown[]): unknown
  original: (...args: unknown[]) => unknown
  Context: new (...args: never[]) => object
  createContext(data: Record<string, unknown>): object
}

function hookedMethod(service: object, name: string): Hooked | undefined {
  const hooked: unknown = Reflect.get(service, name)
  if (typeof hooked !== 'function') return undefined
  const original: unknown = Reflect.get(hooked, 'original')
  const Context: unknown = Reflect.get(hooked, 'Context')
  const createContext: unknown = Reflect.get(hooked, 'createContext')
  if (typeof original !== 'function' || typeof Context !== 'function' || typeof createContext !== 'function')
    return undefined
  return hooked as Hooked
}

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
 * Lets the reads of `services`, and the writes of `writers` (on `app`, with the store's own hooks
 * registered: writers must have no write hook but the feed's), skip the chain while no other hook
 * is registered.
 */
export function directCalls(app: object, services: readonly object[], writers: readonly object[]): void {
  let idle = true
  const busy = () => {
    idle = false
  }
  /**
   * Whether a call (its params at `at`) may skip the chain; its params are then made what the chain
   * makes them when a call gives none, or null. A transport passes a context and wants it back.
   */
  const direct = (hooked: Hooked, args: unknown[], at: number): boolean => {
    if (!idle || args[args.length - 1] instanceof hooked.Context || fromProvider(args[at])) return false
    args[at] ??= {}
    return true
  }
  beforeHooks(app, busy)
  for (const service of services) {
    beforeHooks(service, busy)
    for (const name of READS) {
      const hooked = hookedMethod(service, name)
      if (!hooked) continue
      const at = name === 'get' ? 1 : 0
      const read = function (this: unknown, ...args: unknown[]) {
        return direct(hooked, args, at) ? hooked.original.apply(this, args) : hooked.apply(this, args)
      }
      Reflect.set(service, name, Object.assign(read, hooked))
    }
  }
  for (const service of writers) {
    for (const [name, { event, params: at, id, data }] of Object.entries(WRITES)) {
      const hooked = hookedMethod(service, name)
      if (!hooked) continue
      const write = async function (this: object, ...args: unknown[]) {
        if (!direct(hooked, args, at)) return hooked.apply(this, args)
        const result = await hooked.original.apply(this, args)
        // an event nobody listens to is not seen: its context need not be made
        if (listenerCount(this, event) === 0) return result
        // the context Feathers' event hook sends with each event
        const context = hooked.createContext({
          self: this,
          arguments: args,
          ...(id === undefined ? {} : { id: args[id] }),
          ...(data === undefined ? {} : { data: args[data] }),
          params: args[at],
          result,
          event
        })
        const emit = emitOf(this)
        for (const doc of Array.isArray(result) ? result : [result]) emit.call(this, event, doc, context)
        return result
      }
      Reflect.set(service, name, Object.assign(write, hooked))
    }
  }
}

/** How many listeners a service has for `event` (EventEmitter's count, mixed in like `emit`). */
function listenerCount(service: object, event: string): number {
  const count: unknown = Reflect.get(service, 'listenerCount')
  if (typeof count !== 'function') throw new Error('A Feathers service counts its listeners')
  return Number(count.call(service, event))
}

/** A service's `emit` (Feathers mixes EventEmitter's into every service). */
function emitOf(service: object): (...args: unknown[]) => unknown {
  const emit: unknown = Reflect.get(service, 'emit')
  if (typeof emit !== 'function') throw new Error('A Feathers service emits its events')
  return emit as (...args: unknown[]) => unknown
}
