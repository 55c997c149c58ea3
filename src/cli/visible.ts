/**
 * Text from documents, made safe to print at a terminal. A title may hold anything, escape
 * sequences included (`\u001b[2J` clears the screen, others retitle the window or fake a prompt),
 * and a newline in a summary would split one document's line in two. So control characters are
 * shown as visible escapes: `\n`, `\r`, `\t`, `\e` (escape) and `\u00XX` for the others (C0, DEL,
 * C1), and so are the invisible characters that reorder or break lines (bidi controls, U+2028/9).
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' }

function escaped(char: string): string {
  return NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
}

/**
 * One line of text with every control character escaped.
 *
 * @example
 * visible('line1\nline2\u001b[31m') // 'line1\\nline2\\e[31m'
 */
export function visible(text: string): string {
  return text.replace(CONTROL, escaped)
}

/** Text that may span lines (a field shown alone): newlines stay, every other control is escaped. */
export function visibleLines(text: string): string {
  return text.split('\n').map(visible).join('\n')
}
