/**
 * SHA-256 digests, with node:crypto loaded at the first one rather than at import: loading it is
 * about 2 ms of a CLI command, and a command that only reads never hashes.
 */
import type * as Crypto from 'node:crypto'
import { createRequire } from 'node:module'

let crypto: typeof Crypto | undefined

/** A new SHA-256 hash. */
export function sha256(): Crypto.Hash {
  if (!crypto) {
    const loaded: typeof Crypto = createRequire(import.meta.url)('node:crypto')
    crypto = loaded
  }
  return crypto.createHash('sha256')
}
