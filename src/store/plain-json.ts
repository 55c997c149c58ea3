/**
 * The shape every written document must have before zod even looks at it: plain JSON (what is
 * stored is what is read back), not nested deeper than MAX_DEPTH (deep values would exhaust the
 * stack of JSON.stringify and of every client), and no `__proto__` keys (they would change a
 * prototype instead of setting a field). Both walks stop at MAX_DEPTH, so hostile input cannot
 * overflow the stack.
 */
import { BadRequest } from '@feathersjs/errors'
import type { Document } from './row.js'

/** How deep objects and arrays may nest inside a document. */
export const MAX_DEPTH = 32

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object'
  return typeof value
}

/**
 * A deep copy of `root`, which must be plain JSON (see above): what a write keeps of its input, so
 * that neither the caller's later changes nor the documents a write returns share objects with
 * it. Throws a BadRequest naming the path of the first value that is not plain JSON.
 */
export function plainJsonCopy<T>(root: T, what: string): T {
  const copy = copyOf(root, 0)
  if (copy !== NOT_PLAIN) return copy as T
  // the copy stops at the first fault without a path: the walk below finds it and names it
  explainNotPlain(root, what)
  throw new BadRequest(`Invalid ${what}: not a JSON value`)
}

/** Throws a BadRequest naming the path of the first value that is not plain JSON. */
export function assertPlainJson(root: unknown, what: string): void {
  plainJsonCopy(root, what)
}

const NOT_PLAIN = Symbol('not plain JSON')

/** The copy of a plain JSON value, or NOT_PLAIN. Recursion is bounded by MAX_DEPTH. */
function copyOf(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  // + 0 turns -0 into 0, as JSON.stringify writes it
  if (typeof value === 'number') return Number.isFinite(value) ? value + 0 : NOT_PLAIN
  if (depth >= MAX_DEPTH) return NOT_PLAIN
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length)
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i]
      // a hole is written as null; an undefined item is a mistake
      const itemCopy = item === undefined ? (i in value ? NOT_PLAIN : null) : copyOf(item, depth + 1)
      if (itemCopy === NOT_PLAIN) return NOT_PLAIN
      copy[i] = itemCopy
    }
    return copy
  }
  if (!isPlainObject(value)) return NOT_PLAIN
  const copy: Document = {}
  for (const key of Object.keys(value)) {
    if (key === '__proto__') return NOT_PLAIN
    const item = value[key]
    if (item === undefined) continue
    const itemCopy = copyOf(item, depth + 1)
    if (itemCopy === NOT_PLAIN) return NOT_PLAIN
    copy[key] = itemCopy
  }
  return copy
}

/** Throws the BadRequest that names the first fault: iterative, building paths as it goes. */
function explainNotPlain(root: unknown, what: string): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }]
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!
    const where = path || '(document)'
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue
    if (typeof value === 'number') {
      if (!Number.isFinite(value))
        throw new BadRequest(`Invalid ${what}: ${where} is ${value}, not a JSON number`)
      continue
    }
    const isArray = Array.isArray(value)
    if (!isArray && !isPlainObject(value)) {
      throw new BadRequest(`Invalid ${what}: ${where} is a ${describe(value)}, not a JSON value`)
    }
    if (depth >= MAX_DEPTH)
      throw new BadRequest(`Invalid ${what}: nested deeper than ${MAX_DEPTH} levels at ${where}`)
    if (isArray) {
      value.forEach((item, i) => {
        if (item === undefined) throw new BadRequest(`Invalid ${what}: ${path}[${i}] is undefined`)
        stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 })
      })
      continue
    }
    for (const key of Object.keys(value)) {
      if (key === '__proto__') throw new BadRequest(`Invalid ${what}: the key __proto__ is not allowed`)
      const item = (value as Record<string, unknown>)[key]
      if (item !== undefined)
        stack.push({ value: item, path: path ? `${path}.${key}` : key, depth: depth + 1 })
    }
  }
}

/**
 * True when a `__proto__` key hides in `root`: as an own key (JSON.parse makes them, as
 * socket.io's parser does), or already turned into a prototype (Feathers' socket transport copies
 * the query with Object.assign, which does that). Either way code reading the keys would not see
 * the condition, and a dropped condition widens a multi patch or remove to the whole collection.
 */
export function hasProtoKey(root: unknown): boolean {
  // bounded by depth, not by a visited set: the query compiler refuses deeper nesting anyway
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }]
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!
    if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) continue
    if (Object.hasOwn(value, '__proto__') || isPrototypeFromData(Object.getPrototypeOf(value))) return true
    for (const item of Object.values(value)) stack.push({ value: item, depth: depth + 1 })
  }
  return false
}

/** A prototype that is data, not a class's or a built-in's prototype (those own their constructor). */
function isPrototypeFromData(proto: object | null): boolean {
  if (proto === null || proto === Object.prototype) return false
  const owner: unknown = Object.hasOwn(proto, 'constructor') ? Reflect.get(proto, 'constructor') : undefined
  return !(typeof owner === 'function' && owner.prototype === proto)
}

/** True for an object made by JSON or a literal: no class instances, arrays or null. */
export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object') return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * `doc[key]` when `doc` has the key itself, else undefined. Documents come in many shapes, so the
 * engine's lookups of their keys are generic, and one of a key a document lacks (a relation left
 * out) walks its prototypes: about ten times the cost of one it has, or of this check.
 */
export function ownValue(doc: Document, key: string): unknown {
  return Object.hasOwn(doc, key) ? doc[key] : undefined
}

/** Whether `object` has one of `keys` itself (asked with hasOwn, for the reason ownValue gives). */
export function hasAnyOwn(object: object, keys: readonly string[]): boolean {
  for (const key of keys) if (Object.hasOwn(object, key)) return true
  return false
}
