/**
 * The messages between a replica's connection and the worker process that owns the embedded
 * replica's driver client (replica-worker.ts): requests, results with rows as plain arrays, and
 * errors as plain data, rebuilt on the other side.
 */
import { BadRequest, FeathersError, GeneralError } from '@feathersjs/errors'
import {
  DatabaseAuthError,
  DatabaseFileError,
  type DatabaseFileProblem,
  DatabaseForbiddenError,
  DatabaseUnavailableError,
  PrimaryLostError
} from '../errors.js'
import type { ResolvedDatabaseConfig } from './config.js'
import type { Result, Row, Statement, SyncResult, Value, WriteMode } from './connection.js'
import { SqliteError } from './sqlite-codes.js'

/** What the worker is started with: its first message. */
export interface WorkerData {
  config: ResolvedDatabaseConfig
  /** The database id of the local copy when the worker starts (identity.ts), if it has one. */
  copyId?: string
}

/** A call of the connection, as the worker runs it. */
export type Request =
  | { op: 'execute'; statement: Statement }
  | { op: 'batch'; statements: Statement[]; mode: WriteMode }
  | { op: 'migrate'; statements: Statement[] }
  | { op: 'sync' }
  | { op: 'begin'; mode: WriteMode }
  | { op: 'tx'; statement: Statement }
  | { op: 'commit' }
  | { op: 'rollback' }

/**
 * A request as it crosses to the worker. `expires` (ms since the epoch): the caller has stopped
 * waiting by then, and a write not started yet must not start.
 */
export interface Envelope {
  id: number
  request: Request
  expires?: number
}

/** What the worker receives: its start, requests, and the word to close. */
export type ToWorker = { start: WorkerData } | Envelope | { close: true }

/** A result with its rows as plain arrays (what crosses threads cheaply). */
export interface PlainResult {
  columns: string[]
  rows: Value[][]
  rowsAffected: number
}

/** What a request returns. */
export type Answer = PlainResult | PlainResult[] | SyncResult | null

/** The answer to a request, or the worker's first message (`id` 0): the replica synced, or why not. */
export type Reply = { id: number; result: Answer } | { id: number; error: PlainError }

/** An error as plain data. */
export type PlainError =
  | { kind: 'lost'; message: string }
  | { kind: 'file'; path: string; problem: DatabaseFileProblem }
  | { kind: 'feathers'; name: string; message: string }
  | { kind: 'sqlite'; message: string; rawCode: number; extendedCode: string | undefined }
  | { kind: 'other'; message: string }

export function plainResult(result: Result): PlainResult {
  return {
    columns: result.columns,
    rows: result.rows.map((row) => Array.from({ length: row.length }, (_, i) => row[i] ?? null)),
    rowsAffected: result.rowsAffected
  }
}

/** A result as the store reads it: each row by column name and by position. */
export function fromPlainResult(plain: PlainResult): Result {
  return {
    columns: plain.columns,
    rows: plain.rows.map((values) => rowOf(plain.columns, values)),
    rowsAffected: plain.rowsAffected
  }
}

function rowOf(columns: string[], values: Value[]): Row {
  const row: Record<string | number, Value> = {}
  columns.forEach((column, i) => {
    Object.defineProperty(row, i, { value: values[i] ?? null })
    if (!Object.hasOwn(row, column)) row[column] = values[i] ?? null
  })
  Object.defineProperty(row, 'length', { value: columns.length })
  return row as Row
}

export function plainError(error: unknown): PlainError {
  if (error instanceof PrimaryLostError) return { kind: 'lost', message: error.message }
  if (error instanceof DatabaseFileError) return { kind: 'file', path: error.path, problem: error.problem }
  if (error instanceof FeathersError) return { kind: 'feathers', name: error.name, message: error.message }
  if (error instanceof SqliteError) {
    return {
      kind: 'sqlite',
      message: error.message,
      rawCode: error.rawCode,
      extendedCode: error.extendedCode
    }
  }
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) }
}

const FEATHERS: Record<string, new (message: string) => FeathersError> = {
  Unavailable: DatabaseUnavailableError,
  NotAuthenticated: DatabaseAuthError,
  Forbidden: DatabaseForbiddenError,
  BadRequest
}

export function fromPlainError(plain: PlainError): Error {
  if (plain.kind === 'lost') return new PrimaryLostError(plain.message)
  if (plain.kind === 'file') return new DatabaseFileError(plain.path, plain.problem)
  if (plain.kind === 'sqlite') return new SqliteError(plain.message, plain.rawCode, plain.extendedCode)
  if (plain.kind === 'feathers') return new (FEATHERS[plain.name] ?? GeneralError)(plain.message)
  return new Error(plain.message)
}
