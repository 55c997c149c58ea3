/**
 * The errors agor-store throws on purpose. Each one is a Feathers error, so the service layer and
 * the transports pass it on unchanged, with its status code, and the CLI maps it to an exit code.
 */
import {
  BadRequest,
  Conflict,
  FeathersError,
  Forbidden,
  GeneralError,
  NotAuthenticated,
  NotFound,
  Unavailable
} from '@feathersjs/errors'

/** An id or id prefix that is not of the accepted form (400). */
export class InvalidIdError extends BadRequest {
  constructor(input: unknown, rule: string) {
    // long input is cut: a message that echoes 100 kB helps no one
    const text = typeof input === 'string' && input.length > 64 ? `${input.slice(0, 64)}…` : input
    const shown =
      typeof text === 'string' ? JSON.stringify(text) : `(${input === null ? 'null' : typeof input})`
    super(`Invalid id ${shown}: ${rule}`, { input: typeof text === 'string' ? text : null })
  }
}

/** No document matches an id or prefix (404). */
export class DocumentNotFoundError extends NotFound {
  constructor(singular: string, input: string) {
    super(`No ${singular} matches '${input}'`, { id: input })
  }
}

/** One candidate of an ambiguous prefix, shown by its own unique short id. */
export interface AmbiguousCandidate {
  id: string
  short_id: string
  created_at: string
  status: string | null
  summary: string
}

/** How many candidates an ambiguity report lists at most. */
export const MAX_CANDIDATES = 10

/** A prefix that matches more than one document (409). `data` lists up to 10 candidates. */
export class AmbiguousIdError extends Conflict {
  constructor(singular: string, prefix: string, candidates: AmbiguousCandidate[], more: boolean) {
    const count = more ? `more than ${candidates.length}` : String(candidates.length)
    super(`Short id '${prefix}' is ambiguous: it matches ${count} ${singular}s`, { prefix, candidates })
  }
}

/** Where and why a document failed validation. */
export interface ValidationIssue {
  path: (string | number)[]
  message: string
  code: string
}

/** A document or query that breaks the schema (400). `data.issues` holds each issue with its path. */
export class ValidationError extends BadRequest {
  constructor(what: string, issues: ValidationIssue[]) {
    const text = issues.map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`)
    super(`Invalid ${what}: ${text.join('; ')}`, { issues })
  }
}

/** A write that would break a uniqueness rule (409). */
export class UniqueViolationError extends Conflict {
  /** One field's value (`{ field, value }` in the data), or the values of a key of several fields. */
  constructor(singular: string, field: string | readonly string[], value: unknown) {
    if (typeof field === 'string') {
      super(`A ${singular} with ${field} ${JSON.stringify(value)} already exists`, { field, value })
      return
    }
    const values = Array.isArray(value) ? value : [value]
    const named = field.map((name, i) => `${name} ${JSON.stringify(values[i] ?? null)}`).join(' and ')
    super(`A ${singular} with ${named} already exists`, { fields: [...field], values })
  }
}

/**
 * A document of an import whose id the database holds already (409), when the import does not skip
 * or replace such documents: `data` names the file, the line, the id field and the id.
 */
export class StoredIdError extends Conflict {
  constructor(file: string, line: number, singular: string, field: string, id: unknown) {
    super(`${file} line ${line}: A ${singular} with ${field} ${JSON.stringify(id)} is stored already`, {
      file,
      line,
      field,
      value: id
    })
  }
}

/** A write that names a related document that does not exist (400). */
export class MissingReferenceError extends BadRequest {
  constructor(field: string, target: string, value: unknown) {
    super(`${field} ${JSON.stringify(value)} does not name an existing ${target}`, { field, value })
  }
}

/** The database could not be reached or refused the operation for a reason outside the request (503). */
export class DatabaseUnavailableError extends Unavailable {}

/** Another connection holds the database's write lock past the wait (503). */
export class DatabaseBusyError extends DatabaseUnavailableError {
  constructor() {
    super('The database is busy; try again')
  }
}

/** A write of a document that was queued behind one of it that the server did not answer (503). */
export class NotSentError extends DatabaseUnavailableError {
  constructor(singular: string, previous: Error) {
    super(`This write was not sent: the one before it of this ${singular} failed (${previous.message})`)
  }
}

/**
 * A replica's primary is not the database the replica's local copy is a copy of (it lost its data,
 * or was replaced): the replica neither syncs from it nor writes through it (503).
 */
export class PrimaryLostError extends DatabaseUnavailableError {}

/** A remote database or a replica's primary refused the auth token: missing, invalid or expired (401). */
export class DatabaseAuthError extends NotAuthenticated {}

/** A remote database or a replica's primary refused what the auth token does not allow, such as a write with a read-only token (403). */
export class DatabaseForbiddenError extends Forbidden {}

/**
 * There is no database at a local path, and the caller asked not to create one (404): a mistyped
 * path must not become a new, empty database. `data.path` is the absolute path.
 */
export class NoDatabaseError extends NotFound {
  readonly path: string

  constructor(path: string, empty = false) {
    super(`There is no database at ${path}${empty ? ': the file is empty' : ''}`, { path })
    this.path = path
  }
}

/** Why a local database file cannot be used. */
export type DatabaseFileProblem =
  | 'folder'
  | 'not-a-folder'
  | 'permission'
  | 'hard-links'
  | 'not-a-database'
  | 'damaged'

/**
 * A local database file that cannot be opened or read: a folder, a path through a file, no
 * permission, a file that is not a database, or a damaged database (500). `data` holds the path and
 * the problem, the message says it in words.
 */
export class DatabaseFileError extends GeneralError {
  readonly path: string
  readonly problem: DatabaseFileProblem

  constructor(path: string, problem: DatabaseFileProblem) {
    super(DATABASE_FILE_PROBLEMS[problem](path), { path, problem })
    this.path = path
    this.problem = problem
  }
}

const DATABASE_FILE_PROBLEMS: Record<DatabaseFileProblem, (path: string) => string> = {
  folder: (path) => `Cannot open the database ${path}: it is a folder, not a database file`,
  'not-a-folder': (path) => `Cannot open the database ${path}: a part of the path is a file, not a folder`,
  permission: (path) =>
    `Cannot open the database ${path}: permission denied (it must be readable and writable, and its folder too)`,
  'hard-links': (path) =>
    `Cannot open the database ${path}: the file has other names (hard links), and SQLite keeps its write-ahead log beside the name it opens, so each name would be a database of its own; remove the other links (agor db backup makes a copy)`,
  'not-a-database': (path) =>
    `Cannot open the database ${path}: the file is not a database, or its first page is damaged`,
  damaged: (path) => `The database ${path} is damaged: part of the file cannot be read`
}

/** The database was written by a newer agor-store than this one (500, never retried). */
export class SchemaTooNewError extends GeneralError {}

/**
 * Opening the database would upgrade its schema under a daemon of another version that serves it,
 * which would then fail on every write (500, until that daemon stops).
 */
export class UpgradeUnderDaemonError extends GeneralError {}

/** A request body above the size limit (413). Feathers has no class of its own for it. */
export class PayloadTooLarge extends FeathersError {
  constructor(message: string, data?: unknown) {
    super(message, 'PayloadTooLarge', 413, 'payload-too-large', data)
  }
}

/** What the RangeError of reading a stored timestamp that is not a number says (src/store/row.ts). */
export const NOT_MILLISECONDS = 'Stored timestamp is not a number of milliseconds'

/**
 * A stored value the store cannot show, which another program wrote: the RangeErrors of reading
 * it, by what they say, and what the client is told instead. The drivers refuse an integer past
 * 2^53 rather than round it (src/db/native.ts says what @libsql/client says); a timestamp past
 * the range of dates has no ISO form, nor has one stored as text (src/store/row.ts).
 */
const UNSHOWABLE: readonly [said: string, explained: string][] = [
  [
    'cannot be safely represented',
    'The database holds an integer past 2^53, which a JSON number cannot hold exactly (another program wrote it)'
  ],
  [
    'Invalid time value',
    'The database holds a timestamp outside the range of dates (another program wrote it)'
  ],
  [
    NOT_MILLISECONDS,
    'The database holds a timestamp that is not a number of milliseconds (another program wrote it)'
  ]
]

/** What a client is told of a stored value the store cannot show; undefined for other errors. */
export function unshowableValue(error: unknown): string | undefined {
  if (!(error instanceof RangeError)) return undefined
  return UNSHOWABLE.find(([said]) => error.message.includes(said))?.[1]
}
