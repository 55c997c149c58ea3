/**
 * What the users service adds to a document service: a `password` given to create, update or
 * patch never reaches the document; its slow hash is kept apart (store/credentials.ts) once the
 * user's write has landed.
 */
import { BadRequest } from '@feathersjs/errors'
import type { HookContext, NextFunction } from '@feathersjs/feathers'
import type { Credentials } from '../store/credentials.js'
import { isPlainObject } from '../store/plain-json.js'
import { checkPassword, hashPassword } from './passwords.js'

const PASSWORD = 'password'

/** An item of a write, without its password, and the hash of the password it gave, if any. */
async function peel(item: unknown): Promise<{ item: unknown; hash?: string }> {
  if (!isPlainObject(item) || !Object.hasOwn(item, PASSWORD)) return { item }
  const { [PASSWORD]: password, ...rest } = item
  return { item: rest, hash: await hashPassword(checkPassword(password)) }
}

/** The around hook of the users service's create, update and patch. */
export function keepPasswords(credentials: Credentials) {
  return async (context: HookContext, next: NextFunction): Promise<void> => {
    const many = Array.isArray(context.data)
    const peeled = await Promise.all((many ? context.data : [context.data]).map(peel))
    if (peeled.every((p) => p.hash === undefined)) return next()
    if (context.id === null) throw new BadRequest('A password is set for one user at a time')
    context.data = many ? peeled.map((p) => p.item) : peeled[0]!.item
    const only = !many && isPlainObject(context.data) && Object.keys(context.data).length === 0
    if (context.method === 'patch' && only) {
      // the password alone: no field of the document changes
      context.result = await context.self.get(context.id, { ...context.params, query: {} })
    } else {
      await next()
    }
    const results: unknown[] = Array.isArray(context.result) ? context.result : [context.result]
    for (const [i, { hash }] of peeled.entries()) {
      const user = results[i]
      if (hash !== undefined && isPlainObject(user)) await credentials.set(String(user.user_id), hash)
    }
  }
}
