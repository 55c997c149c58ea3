/**
 * Auth tokens for a test sqld: an Ed25519 key pair whose public key sqld reads from
 * `--auth-jwt-key-file`, and EdDSA JWTs signed with its private key (node:crypto only).
 *
 * @example
 * const keys = sqldKeys(dir)                        // writes dir/jwt-key.pem
 * const sqld = await startSqld({ jwtKeyFile: keys.publicKeyFile })
 * const rw = keys.token({ a: 'rw' }), ro = keys.token({ a: 'ro' })
 */
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface SqldKeys {
  /** The PEM file of the public key, for `startSqld({ jwtKeyFile })`. */
  publicKeyFile: string
  /** A JWT with these claims (`{ a: 'rw' }` read-write, `{ a: 'ro' }` read-only). */
  token(claims: Record<string, unknown>): string
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url')

/** Signs a JWT (EdDSA, Ed25519) over `claims`. */
export function signJwt(privateKey: KeyObject, claims: Record<string, unknown>): string {
  const header = base64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT' }))
  const payload = base64url(JSON.stringify(claims))
  const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey)
  return `${header}.${payload}.${base64url(signature)}`
}

/** A new key pair; the public key is written to `dir/jwt-key.pem`. */
export function sqldKeys(dir: string): SqldKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const publicKeyFile = join(dir, 'jwt-key.pem')
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }))
  return { publicKeyFile, token: (claims) => signJwt(privateKey, claims) }
}
