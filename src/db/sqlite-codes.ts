/**
 * SQLite's result codes by name, for errors that arrive as numbers: the native engine's, and those
 * a replica's primary reports for a forwarded write. The store tells the constraint family apart
 * (unique, foreign key, not null), so those extended codes have names too.
 */

/** The primary result codes, by number. */
const PRIMARY = (
  'OK ERROR INTERNAL PERM ABORT BUSY LOCKED NOMEM READONLY INTERRUPT IOERR CORRUPT NOTFOUND FULL CANTOPEN ' +
  'PROTOCOL EMPTY SCHEMA TOOBIG CONSTRAINT MISMATCH MISUSE NOLFS AUTH FORMAT RANGE NOTADB NOTICE WARNING'
).split(' ')

/** The extended codes of SQLITE_CONSTRAINT, by number. */
const CONSTRAINT: Record<number, string> = {
  275: 'CHECK',
  531: 'COMMITHOOK',
  787: 'FOREIGNKEY',
  1043: 'FUNCTION',
  1299: 'NOTNULL',
  1555: 'PRIMARYKEY',
  1811: 'TRIGGER',
  2067: 'UNIQUE',
  2323: 'VTAB',
  2579: 'ROWID',
  2835: 'PINNED',
  3091: 'DATATYPE'
}

/** The name of a result code's primary code: `SQLITE_CONSTRAINT` for 2067. */
export function primaryCode(rawCode: number): string {
  return `SQLITE_${PRIMARY[rawCode & 0xff] ?? `UNKNOWN_${rawCode & 0xff}`}`
}

/** The name of a constraint's extended code (`SQLITE_CONSTRAINT_UNIQUE` for 2067), if it is one. */
export function constraintCode(rawCode: number): string | undefined {
  const name = CONSTRAINT[rawCode]
  return name ? `SQLITE_CONSTRAINT_${name}` : undefined
}

/**
 * An error SQLite reported, whichever way it arrived: `code` is the primary code's name
 * (`SQLITE_CONSTRAINT`), `extendedCode` the extended one's where it has a name of its own.
 */
export class SqliteError extends Error {
  override name = 'SqliteError'
  readonly code: string
  readonly extendedCode: string | undefined
  readonly rawCode: number

  constructor(message: string, rawCode: number, extendedCode?: string) {
    super(message)
    this.rawCode = rawCode
    this.code = primaryCode(rawCode)
    this.extendedCode = extendedCode ?? constraintCode(rawCode)
  }
}
