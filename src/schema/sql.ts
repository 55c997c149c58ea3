/**
 * SQL text that the schema (DDL, indexes) and the query compiler must spell identically: SQLite
 * uses an expression index only when a query repeats the indexed expression exactly.
 */

/** A path segment that can be written into SQL without quoting. */
export const SAFE_SEGMENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Quotes an SQL identifier. Only names from collection definitions reach this. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Quotes a text as an SQL string literal (SQL text cannot hold a NUL: such a text is refused). */
export function quoteText(text: string): string {
  if (text.includes('\0')) throw new Error(`Cannot write ${JSON.stringify(text)} into SQL: it holds a NUL`)
  return `'${text.replaceAll("'", "''")}'`
}

/**
 * The expression that reads a field of the `data` JSON column. It uses `->>` rather than
 * json_extract(): the value is the same for one path, and drizzle-kit splits index expressions at
 * commas, so json_extract(data, path) cannot be an index expression in a generated migration.
 *
 * @example
 * jsonExtract(['git_state', 'ref']) // "data" ->> '$.git_state.ref'
 */
export function jsonExtract(path: readonly (string | number)[]): string {
  return `"data" ->> '${jsonPath(path)}'`
}

/** The JSON type (`text`, `integer`, `real`, `true`, `false`, `object`, …) at a path of `data`. */
export function jsonTypeAt(path: readonly (string | number)[]): string {
  return `json_type("data", '${jsonPath(path)}')`
}

function jsonPath(path: readonly (string | number)[]): string {
  let text = '$'
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (SAFE_SEGMENT.test(segment)) text += `.${segment}`
    else throw new Error(`Unsafe JSON path segment ${JSON.stringify(segment)}`)
  }
  return text
}

/**
 * The condition that `columns` hold together one of the tuples bound as a JSON list of lists
 * (`[["…", 3], …]`, one parameter): how a unique key of several columns is looked up.
 *
 * @example
 * columnsInJsonTuples(['session_id', 'index']) // ("session_id", "index") IN (SELECT json_extract(value, '$[0]'), … FROM json_each(?))
 */
export function columnsInJsonTuples(columns: readonly string[]): string {
  const parts = columns.map((_, i) => `json_extract(value, '$[${i}]')`)
  return `(${columns.map(quoteIdent).join(', ')}) IN (SELECT ${parts.join(', ')} FROM json_each(?))`
}
