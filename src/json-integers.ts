/**
 * Integers past 2^53 in text: JSON.parse and Number() round them to the nearest double without a
 * word (`9007199254740993` reads as 9007199254740992), so a 64-bit id sent by a client in another
 * language would be stored as a different number. The places that read numbers from text (REST
 * bodies and query strings, the CLI's --data, --inc and key-value values, import files) refuse
 * such literals instead. A literal that comes back as it was sent is kept: the store writes every
 * number as JSON.stringify does (`1e20` as `100000000000000000000`), and what it writes it must
 * take back; so is one whose value a double holds exactly (`1000000000000000000000`, which comes
 * back as `1e+21`). A number with an exponent or a fraction is what it says.
 */
import { BadRequest } from '@feathersjs/errors'

/** An integer literal, a trailing `.` or `.000` allowed (a query string's `5.` is 5). */
const INTEGER = /^(-?\d+)(?:\.0*)?$/
/** Sixteen digits in a row: the least an inexact integer takes, and rare in most JSON. */
const LONG_RUN = /\d{16}/

/** Whether a number literal is an integer that a double holds only rounded. */
export function isInexactInteger(literal: string): boolean {
  const digits = literal.length > 15 ? INTEGER.exec(literal)?.[1] : undefined
  if (digits === undefined) return false
  const value = Number(digits)
  if (Number.isSafeInteger(value) || String(value) === digits) return false
  return !Number.isFinite(value) || BigInt(value) !== BigInt(digits)
}

/** The first number of JSON text (outside its strings) that is an inexact integer, if any. */
export function inexactIntegerIn(text: string): string | undefined {
  if (!LONG_RUN.test(text)) return undefined
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // a backslash: the next character is escaped
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++
      const literal = text.slice(i, end)
      if (isInexactInteger(literal)) return literal
      i = end - 1
    }
  }
  return undefined
}

/** A character of a JSON number: a digit, `.`, `e`, `E`, `+` or `-`. */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d
}

/** The 400 of an inexact integer in `where` (`--data`, `line 3`, …). */
export function inexactIntegerError(where: string, literal: string): BadRequest {
  return new BadRequest(
    `${where}: ${literal} is an integer past 2^53, which a JSON number cannot hold exactly here; send it as a string`
  )
}

/** Throws the 400 of the first inexact integer in JSON `text`, if it has one. */
export function assertExactIntegers(text: string, where: string): void {
  const literal = inexactIntegerIn(text)
  if (literal !== undefined) throw inexactIntegerError(where, literal)
}
