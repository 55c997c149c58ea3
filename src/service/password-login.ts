/**
 * Logging in with an email and a password (@feathersjs/authentication-local), against the users
 * of the database: the user is found by email among the users (in the default workspace, where
 * accounts live), the password compared with the hash kept apart from the document.
 */

import { LocalStrategy } from '@feathersjs/authentication-local'
import { BadRequest, NotAuthenticated, NotFound } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'
import { keptEmail } from '../schema/users.js'
import type { Database } from '../store/database.js'
import { passwordMatches } from './passwords.js'

/** The settings of the `local` strategy (POST /authentication { strategy: 'local', email, password }). */
export const LOCAL_SETTINGS = {
  usernameField: 'email',
  passwordField: 'password',
  entity: 'user',
  entityId: 'user_id',
  service: 'users',
  errorMessage: 'Invalid login'
}

type User = Record<string, unknown>

export class PasswordStrategy extends LocalStrategy {
  readonly #database: Database

  constructor(database: Database) {
    super()
    this.#database = database
  }

  /** The user with this email (as users keep it: keptEmail); none: no login. */
  override async findEntity(email: string, _params: Params): Promise<User> {
    const users = this.#database.collection('users')
    const found =
      typeof email === 'string' ? await users.find({ query: { email: keptEmail(email), $limit: 1 } }) : []
    // compared all the same without a user, so that the time taken does not tell who has an account
    const user = found[0]
    if (!user) {
      await passwordMatches('', undefined)
      throw new NotAuthenticated(LOCAL_SETTINGS.errorMessage)
    }
    return user
  }

  override async comparePassword(user: User, password: string): Promise<User> {
    const hash = await this.#database.credentials.hashOf(String(user.user_id))
    if (typeof password === 'string' && (await passwordMatches(password, hash))) return user
    throw new NotAuthenticated(LOCAL_SETTINGS.errorMessage)
  }

  /** The user as found: the document has no password to hide. */
  override async getEntity(user: User, _params: Params): Promise<User> {
    return user
  }
}

/** The user a token names, if the user still exists. */
export async function tokenUser(database: Database, userId: unknown): Promise<User | undefined> {
  if (typeof userId !== 'string') return undefined
  return database
    .collection('users')
    .get(userId)
    .catch((error: unknown) => {
      if (error instanceof NotFound || error instanceof BadRequest) return undefined
      throw error
    })
}
