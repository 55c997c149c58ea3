/**
 * The text of a `$search`, made into an FTS5 MATCH expression by this code alone: the user's text
 * is never FTS5 syntax. Words are split on whitespace and all of them are required; `"several
 * words"` is a phrase; a word (or phrase) ending in `*` is a prefix. Every term is written as an
 * FTS5 string, so `AND`, `NEAR`, `-`, `(` and `:` are words to look for, nothing more.
 */
import { BadRequest } from '@feathersjs/errors'
import { LONE_SURROGATE } from '../ids.js'

/** The longest search text, in characters. */
export const MAX_SEARCH_LENGTH = 1000

/**
 * Characters FTS5's unicode61 tokenizer keeps in words (letters, digits, private use); a term
 * without one would be an empty phrase, which matches nothing.
 */
const WORD_CHARACTER = /[\p{L}\p{N}\p{Co}]/u

/** One term of a search: the text of a word or a phrase, and whether it is a prefix. */
interface Term {
  text: string
  prefix: boolean
}

/** The terms of a search text: quoted phrases and whitespace-separated words. */
function termsOf(text: string): Term[] {
  const terms: Term[] = []
  // control characters separate words; FTS5 would read a NUL as the end of the text
  const clean = text.replace(/\p{Cc}/gu, ' ')
  // a phrase runs to its closing quote (or the end of the text); a word to the next space or quote
  const pattern = /"([^"]*)("?)(\*?)|([^\s"]+)/gu
  for (const match of clean.matchAll(pattern)) {
    const [, phrase, , star, word] = match
    if (phrase !== undefined) terms.push({ text: phrase, prefix: star === '*' })
    else if (word !== undefined) {
      const stem = word.replace(/\*+$/, '')
      terms.push({ text: stem, prefix: stem.length < word.length })
    }
  }
  return terms.filter((term) => WORD_CHARACTER.test(term.text))
}

/** An FTS5 string: the text in double quotes, its own double quotes doubled. */
const ftsString = (text: string) => `"${text.replaceAll('"', '""')}"`

/**
 * The FTS5 MATCH expression of a `$search` value; a BadRequest when the value is not a string of
 * at most {@link MAX_SEARCH_LENGTH} characters with at least one word in it.
 *
 * @example
 * matchExpression('login bug')        // '"login" AND "bug"'
 * matchExpression('"login bug" fix*') // '"login bug" AND "fix" *'
 */
export function matchExpression(value: unknown): string {
  if (typeof value !== 'string') throw new BadRequest('$search must be a string')
  if (value.length > MAX_SEARCH_LENGTH)
    throw new BadRequest(`$search may be at most ${MAX_SEARCH_LENGTH} characters long`)
  // the engine would bind it as U+FFFD (see operators.ts): a condition on other text
  if (LONE_SURROGATE.test(value)) throw new BadRequest('$search must not hold a lone surrogate')
  const terms = termsOf(value)
  if (terms.length === 0) throw new BadRequest('$search needs at least one word to look for')
  return terms.map((term) => `${ftsString(term.text)}${term.prefix ? ' *' : ''}`).join(' AND ')
}
