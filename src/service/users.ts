/**
 * What the users service adds to a document service: a `password` given to create, update or
 * patch never reaches the document. It is checked first; once the write has landed (after
 * authentication and the rules of user-rules.ts, which a caller may fail), its slow hash is kept
 * apart (store/credentials.ts). A patch of the password alone is a patch of nothing: the user's
 * `updated_at` moves and the change feed records that the user changed, without the password.
 */
import { BadRequest } from '@feathersjs/errors'
import type { HookContext, NextFunction, Query } from '@feathersjs/feathers'
import { keptEmail, type users } from '../schema/users.js'
import { DEFAULT_WORKSPACE } from '../schema/workspaces.js'
import type { Credentials } from '../store/credentials.js'
import { isPlainObject } from '../store/plain-json.js'
import { type DocumentParams, DocumentService, type DocumentServiceOptions } from './adapter.js'
import { checkPassword, hashPassword } from './passwords.js'

const PASSWORD = 'password'

/** The password an item of a write gives (checked), if any. */
function passwordOf(item: unknown): string | undefined {
  if (!isPlainObject(item) || !Object.hasOwn(item, PASSWORD)) return undefined
  return checkPassword(item[PASSWORD])
}

function withoutPassword(item: unknown): unknown {
  if (!isPlainObject(item)) return item
  const { [PASSWORD]: _password, ...rest } = item
  return rest
}

/** The around hook of the users service's create, update and patch. */
export function keepPasswords(credentials: Credentials) {
  return async (context: HookContext, next: NextFunction): Promise<void> => {
    const many = Array.isArray(context.data)
    const items: unknown[] = many ? context.data : [context.data]
    const passwords = items.map(passwordOf)
    if (passwords.every((p) => p === undefined)) return next()
    if (context.id === null) throw new BadRequest('A password is set for one user at a time')
    context.data = many ? items.map(withoutPassword) : withoutPassword(items[0])
    await next()
    const results: unknown[] = Array.isArray(context.result) ? context.result : [context.result]
    for (const [i, password] of passwords.entries()) {
      const user = results[i]
      if (password !== undefined && isPlainObject(user))
        await credentials.set(String(user.user_id), await hashPassword(password))
    }
  }
}

/** An email in a query as users keep them (see keptEmail); `$like` patterns as written. */
function keptEmails(query: Query): Query {
  if (!Object.hasOwn(query, 'email')) return query
  const kept = (value: unknown): unknown =>
    typeof value === 'string'
      ? keptEmail(value)
      : Array.isArray(value)
        ? value.map(kept)
        : isPlainObject(value)
          ? Object.fromEntries(Object.entries(value).map(([op, v]) => [op, op === '$like' ? v : kept(v)]))
          : value
  return { ...query, email: kept(query.email) }
}

/**
 * The users service: documents of the default workspace whatever a call names (accounts are the
 * database's), found by email as they keep it, so that `Ada@Example.com` finds ada@example.com.
 */
export class UserService extends DocumentService<typeof users> {
  constructor(options: DocumentServiceOptions<typeof users>) {
    super({ ...options, workspace: DEFAULT_WORKSPACE })
  }

  override async sanitizeQuery(params: DocumentParams = {}): Promise<Query> {
    return keptEmails(await super.sanitizeQuery(params))
  }
}
