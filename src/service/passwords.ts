/**
 * Passwords: checked, hashed with bcrypt (slow on purpose; agor's own hashes are bcrypt too, so
 * that users of an imported agor database keep logging in), and compared.
 */
import { BadRequest } from '@feathersjs/errors'

/** bcryptjs, loaded at its first use: it loads node:crypto, 1.5 ms of every CLI command's start. */
const bcrypt = () => import('bcryptjs')

/** The bcrypt cost: 2^10 rounds, about a tenth of a second. */
const COST = 10
export const MIN_PASSWORD_LENGTH = 8
/** bcrypt reads the first 72 bytes of a password: a longer one would match more than itself. */
export const MAX_PASSWORD_BYTES = 72

/**
 * A hash that matches no password: compared when there is no user, so that timing tells nothing.
 * Made at its first use (a tenth of a second that a command which never logs anyone in saves).
 */
let noUserHash: Promise<string> | undefined

/** Throws a 400 unless `value` can be a password. */
export function checkPassword(value: unknown): string {
  if (typeof value !== 'string') throw new BadRequest('password must be a string')
  if ([...value].length < MIN_PASSWORD_LENGTH)
    throw new BadRequest(`password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  if (Buffer.byteLength(value) > MAX_PASSWORD_BYTES)
    throw new BadRequest(`password must be at most ${MAX_PASSWORD_BYTES} bytes`)
  return value
}

/** The slow hash of a checked password. */
export async function hashPassword(password: string): Promise<string> {
  return (await bcrypt()).hash(password, COST)
}

/** Whether `password` matches `hash` (none: compared all the same, and false). */
export async function passwordMatches(password: string, hash: string | undefined): Promise<boolean> {
  // bcrypt would compare the first 72 bytes only: a longer password is no password set here
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) hash = undefined
  const { compare } = await bcrypt()
  noUserHash ??= hashPassword('no user has this password')
  const matches = await compare(password, hash ?? (await noUserHash))
  return matches && hash !== undefined
}
