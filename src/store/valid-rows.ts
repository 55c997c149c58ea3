/**
 * The rows this process last validated and wrote, by id. A document is patched a field at a time
 * (a status, a sha, a count) and is a kilobyte or more: when a patch reads back a row exactly as
 * this process wrote it, the fields it leaves alone passed this very schema already and need no
 * second look (validate.ts). A row that another writer changed, by any route, is not equal.
 */
import type { InValue, Value } from '../db/connection.js'

/** The data, in characters, of the rows remembered: the least recently written go first. */
const MAX_CHARS = 4_000_000
/** A row whose data is longer is not kept. */
const MAX_DATA_CHARS = 16_384

export class ValidRows {
  readonly #rows = new Map<string, readonly InValue[]>()
  #chars = 0

  /** Notes the row `values` (the id first, data last) as written, after its write committed. */
  wrote(values: readonly InValue[]): void {
    const id = String(values[0])
    this.#forget(id)
    const data = values[values.length - 1]
    if (typeof data !== 'string' || data.length > MAX_DATA_CHARS) return
    this.#rows.set(id, values)
    this.#chars += data.length
    while (this.#chars > MAX_CHARS) this.#forget(this.#rows.keys().next().value!)
  }

  /** Whether the row read as `values` is, column for column, the one this process wrote last. */
  has(values: ArrayLike<Value>): boolean {
    const known = this.#rows.get(String(values[0]))
    if (known === undefined || known.length !== values.length) return false
    for (let i = 0; i < known.length; i++) if (known[i] !== values[i]) return false
    return true
  }

  #forget(id: string): void {
    const known = this.#rows.get(id)
    if (known === undefined) return
    this.#rows.delete(id)
    this.#chars -= String(known[known.length - 1]).length
  }
}
