// Full-text search by brute force, for comparing with the store's: words as FTS5's unicode61
// tokenizer with remove_diacritics 2 makes them, and the search syntax of src/store/search-query.ts.

/**
 * The words of a text: letters and digits, lowercased, accents removed. Canonical decomposition
 * only (NFD): unicode61 does not fold compatibility forms (`ﬁ`, fullwidth `Ａ`, `²`).
 */
export function words(text: unknown): string[] {
  if (typeof text !== 'string') return []
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}\p{Co}]+/u)
    .filter(Boolean)
}

interface Term {
  words: string[]
  prefix: boolean
}

/** The terms of a search text, as the store reads it. */
export function terms(text: string): Term[] {
  const out: Term[] = []
  // control characters separate words, as whitespace does
  const clean = text.replace(/\p{Cc}/gu, ' ')
  for (const match of clean.matchAll(/"([^"]*)("?)(\*?)|([^\s"]+)/gu)) {
    const [, phrase, , star, word] = match
    if (phrase !== undefined) out.push({ words: words(phrase), prefix: star === '*' })
    else if (word !== undefined) {
      const stem = word.replace(/\*+$/, '')
      out.push({ words: words(stem), prefix: stem.length < word.length })
    }
  }
  return out.filter((term) => term.words.length > 0)
}

/** Whether the words of one field hold the term: its words in a row, the last a prefix if it is one. */
function holds(field: string[], term: Term): boolean {
  for (let start = 0; start + term.words.length <= field.length; start++) {
    const all = term.words.every((word, k) => {
      const at = field[start + k]!
      return term.prefix && k === term.words.length - 1 ? at.startsWith(word) : at === word
    })
    if (all) return true
  }
  return false
}

/** Whether a document matches a search in its fields: every term in one of them. */
export function matches(doc: Record<string, unknown>, fields: readonly string[], text: string): boolean {
  const found = terms(text)
  if (found.length === 0) throw new Error(`no term in ${JSON.stringify(text)}`)
  const texts = fields.map((f) => words(doc[f]))
  return found.every((term) => texts.some((field) => holds(field, term)))
}
