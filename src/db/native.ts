/**
 * One connection to a local database file (or `:memory:`) on the libSQL engine itself (`libsql`,
 * the library @libsql/client runs on for files), keeping its prepared statements.
 *
 * Preparing is most of a small statement's cost (measured here: a get by id took 87 µs through
 * @libsql/client, which prepares on every call, and 11 µs on a statement prepared once), and every
 * native statement waits for V8 to collect its wrapper. The store's SQL texts are few and fixed,
 * so a small cache of prepared statements serves nearly every call. The engine's calls are
 * synchronous; local.ts queues the work of the store onto this connection.
 */
import type { InValue, Result, Row, Statement, Value } from './connection.js'
import { Database } from './libsql.js'
import { noteNativeStatements } from './native-memory.js'
import { SqliteError } from './sqlite-codes.js'

type Engine = InstanceType<typeof Database>
type Prepared = ReturnType<Engine['prepare']>

/** Prepared statements kept per connection, least recently used first out. */
const CACHE_SIZE = 256

interface Cached {
  statement: Prepared
  reader: boolean
  /**
   * Whether the statement reads integers as BigInt, exactly. A plain SELECT reads them as numbers,
   * a fifth of a get's time less; the rare row with a number past 2^53 is read again exactly
   * (see {@link NativeDatabase.run}). Other statements may write, and run once, exactly.
   */
  exact: boolean
  columns: string[]
  /** Rows of this statement inherit index access (`row[0]`) and `length` from here. */
  rowPrototype: object | undefined
  /** When it last ran, in runs of this connection: the cache drops the least recent. */
  used: number
}

/** The engine's errors, with SQLite's code names. */
function engineError(error: unknown): unknown {
  const { code, rawCode, message } = (error ?? {}) as { code?: unknown; rawCode?: unknown; message?: string }
  if (typeof code !== 'string' || typeof rawCode !== 'number') return error
  return new SqliteError(String(message), rawCode, code)
}

function toSql(value: InValue): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new RangeError('Only finite numbers (not Infinity or NaN) can be passed as arguments')
    return value
  }
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  if (value instanceof Date) return value.valueOf()
  if (value === undefined) throw new TypeError('undefined cannot be passed as argument to the database')
  return value
}

function fromSql(value: unknown): Value {
  if (typeof value === 'bigint') {
    // rounding keeps every integer past the safe range past it, so the number alone tells
    const number = Number(value)
    if (!Number.isSafeInteger(number)) {
      throw new RangeError('Received integer which cannot be safely represented as a JavaScript number')
    }
    return number
  }
  // a copy: a Buffer may be a slice of a pool shared with other values
  if (Buffer.isBuffer(value)) return new Uint8Array(value).buffer
  return value as Value
}

/** A value the engine takes as it is (most arguments: ids, text, finite numbers). */
function isBindable(value: InValue): boolean {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || value === null
}

function bind(args: Exclude<Statement, string>['args']): unknown[] | Record<string, unknown> {
  if (args === undefined) return []
  if (Array.isArray(args)) return args.every(isBindable) ? args : args.map(toSql)
  const named: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(args))
    named[/^[@$:]/.test(name) ? name.slice(1) : name] = toSql(value)
  return named
}

function rowPrototype(columns: string[]): object | undefined {
  if (new Set(columns).size !== columns.length) return undefined
  const prototype = {}
  for (const [index, name] of columns.entries()) {
    Object.defineProperty(prototype, index, {
      get(this: Record<string, Value>) {
        return this[name]
      }
    })
  }
  Object.defineProperty(prototype, 'length', { value: columns.length })
  return prototype
}

/** A SELECT, which only reads (a WITH may hold a write): it can run twice. */
const PLAIN_SELECT = /^\s*SELECT\b/i

/** A statement's rows as the engine gives them: one at most when `single`. */
function read(cached: Cached, args: ReturnType<typeof bind>, single: boolean | undefined): unknown[][] {
  if (!single) return cached.statement.all(args) as unknown[][]
  const values = cached.statement.get(args) as unknown[] | undefined
  return values ? [values] : []
}

/**
 * Converts the engine's values of a row in place, as results hold them (see fromSql). Unless the
 * statement reads integers `exact`ly, stops with false at a number past 2^53 (in either
 * direction), which may be an integer the double rounded: the caller reads the row again exactly.
 */
function convertRow(values: unknown[], exact: boolean): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (typeof value === 'number') {
      if (!exact && (value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER)) return false
    } else if (typeof value === 'bigint' || (typeof value === 'object' && value !== null)) {
      values[i] = fromSql(value)
    }
  }
  return true
}

/** Converts every row (see convertRow); false at the first that must be read again exactly. */
function convertRows(rows: unknown[][], exact: boolean): boolean {
  for (const values of rows) if (!convertRow(values, exact)) return false
  return true
}

function toRow(cached: Cached, values: readonly Value[]): Row {
  const { columns, rowPrototype: prototype } = cached
  if (prototype) {
    const row: Record<string, Value> = Object.create(prototype)
    for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i]!
    return row as Row
  }
  // a name given twice: each index holds its own value, the name the first one's
  const row: Record<string | number, Value> = {}
  for (let i = 0; i < columns.length; i++) {
    Object.defineProperty(row, i, { value: values[i] })
    if (!Object.hasOwn(row, columns[i]!)) row[columns[i]!] = values[i]!
  }
  Object.defineProperty(row, 'length', { value: columns.length })
  return row as Row
}

/** The result of a read: its rows are made from its values when someone asks for them. */
class ReadResult implements Result {
  readonly rowsAffected = 0
  readonly #cached: Cached
  #rows: Row[] | undefined

  constructor(
    cached: Cached,
    readonly values: readonly Value[][]
  ) {
    this.#cached = cached
  }

  get columns(): string[] {
    return this.#cached.columns
  }

  get rows(): Row[] {
    this.#rows ??= this.values.map((values) => toRow(this.#cached, values))
    return this.#rows
  }
}

/** A statement in its object form. */
export function statementOf(statement: Statement): Exclude<Statement, string> {
  return typeof statement === 'string' ? { sql: statement } : statement
}

export class NativeDatabase {
  readonly #path: string
  readonly #timeout: number
  #engine: Engine
  #statements = new Map<string, Cached>()
  #uses = 0

  /** Opens a local database file (or `:memory:`) with a busy timeout in milliseconds. */
  constructor(path: string, timeout: number) {
    this.#path = path
    this.#timeout = timeout
    this.#engine = this.#open()
  }

  #open(): Engine {
    try {
      return new Database(this.#path, { timeout: this.#timeout })
    } catch (error) {
      throw engineError(error)
    }
  }

  /** Runs one statement now. */
  run(input: Statement): Result {
    const statement = statementOf(input)
    const cached = this.#prepare(statement.sql)
    try {
      if (cached.reader) {
        const args = bind(statement.args)
        let rows = read(cached, args, statement.single)
        // a number past 2^53 may be an integer the double rounded: the rows again, exactly
        if (!convertRows(rows, cached.exact)) {
          rows = read(this.#exactTwin(statement.sql), args, statement.single)
          convertRows(rows, true)
        }
        return new ReadResult(cached, rows as Value[][])
      }
      const info = cached.statement.run(bind(statement.args))
      return { columns: [], rows: [], rowsAffected: info.changes }
    } catch (error) {
      // A statement that failed may still be in progress (SQLITE_BUSY leaves it so): never reuse it.
      this.#statements.delete(statement.sql)
      throw engineError(error)
    }
  }

  /** Runs SQL text of several statements now. */
  exec(sql: string): void {
    try {
      this.#engine.exec(sql)
    } catch (error) {
      throw engineError(error)
    }
  }

  get inTransaction(): boolean {
    return this.#engine.open && this.#engine.inTransaction
  }

  /** Runs `work` between `begin` and COMMIT, rolling back whatever it leaves open. */
  atomically<T>(begin: string, work: () => T): T {
    this.run(begin)
    try {
      const result = work()
      this.run('COMMIT')
      return result
    } finally {
      if (this.inTransaction) this.run('ROLLBACK')
    }
  }

  /** Closes the connection and opens a fresh one (its statements and settings are gone). */
  reconnect(): void {
    this.close()
    this.#engine = this.#open()
  }

  close(): void {
    this.#statements = new Map()
    try {
      if (this.#engine.open) this.#engine.close()
    } catch {
      // a connection that cannot close cleanly is dropped all the same
    }
  }

  #prepare(sql: string): Cached {
    const hit = this.#statements.get(sql)
    if (hit) {
      hit.used = ++this.#uses
      return hit
    }
    let statement: Prepared
    try {
      statement = this.#engine.prepare(sql)
      noteNativeStatements(1)
    } catch (error) {
      throw engineError(error)
    }
    const reader = statement.reader
    const exact = !(reader && PLAIN_SELECT.test(sql))
    statement.safeIntegers(exact)
    let columns: string[] = []
    if (reader) {
      statement.raw(true)
      columns = statement.columns().map((c) => c.name)
    }
    const prototype = reader ? rowPrototype(columns) : undefined
    const cached = { statement, reader, exact, columns, rowPrototype: prototype, used: ++this.#uses }
    this.#statements.set(sql, cached)
    if (this.#statements.size > CACHE_SIZE) this.#evict()
    return cached
  }

  /** The statement of `sql` (a plain SELECT) reading integers exactly: prepared anew, not kept. */
  #exactTwin(sql: string): Cached {
    const twin = { ...this.#prepare(sql) }
    try {
      twin.statement = this.#engine.prepare(sql)
      noteNativeStatements(1)
    } catch (error) {
      throw engineError(error)
    }
    twin.statement.safeIntegers(true)
    twin.statement.raw(true)
    twin.exact = true
    return twin
  }

  /** Drops the statement used least recently (a search, but only when a new text overflows the cache). */
  #evict(): void {
    let oldest: [string, Cached] | undefined
    for (const entry of this.#statements) if (!oldest || entry[1].used < oldest[1].used) oldest = entry
    if (oldest) this.#statements.delete(oldest[0])
  }
}
