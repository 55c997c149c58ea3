/**
 * Human output: tables of documents by short id, with coloured statuses and relative times, one
 * document's fields, and a session's family tree.
 */
import stringWidth from 'string-width'
import type { AnyDefinition } from '../schema/collection.js'
import { isPlainObject } from '../store/plain-json.js'
import type { Doc, Page, Tree } from './backend.js'
import { type Colors, countedDocuments, type Output } from './output.js'
import { visible, visibleLines } from './visible.js'

const UNITS: [string, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000]
]

// The words Intl.RelativeTimeFormat('en', { numeric: 'auto' }) uses for -1, 0 and 1 of a unit.
// Written out because Intl's first use loads ICU's data, which costs a command more than its query.
const NAMED: Record<string, [string, string, string]> = {
  year: ['last year', 'this year', 'next year'],
  month: ['last month', 'this month', 'next month'],
  week: ['last week', 'this week', 'next week'],
  day: ['yesterday', 'today', 'tomorrow'],
  hour: ['', 'this hour', ''],
  minute: ['', 'this minute', ''],
  second: ['', 'now', '']
}

/** What Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(n, unit) says, for whole n. */
export function relativeWords(n: number, unit: string): string {
  const named = Math.abs(n) <= 1 ? NAMED[unit]?.[n + 1] : undefined
  if (named) return named
  const count = Math.abs(n)
    .toString()
    .replace(/\B(?=(\d{3})+$)/g, ',')
  const units = `${count} ${unit}${Math.abs(n) === 1 ? '' : 's'}`
  return n < 0 ? `${units} ago` : `in ${units}`
}

/** A local date and time, to the second: `2025-11-22 10:03:12`. */
export function localTime(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** `just now`, `3 minutes ago`, `yesterday`, `in 2 hours`. */
export function relativeTime(iso: unknown, now = Date.now()): string {
  const ms = Date.parse(String(iso))
  if (Number.isNaN(ms)) return String(iso ?? '')
  const diff = ms - now
  if (Math.abs(diff) < 10_000) return 'just now'
  const [unit, size] = UNITS.find(([, size]) => Math.abs(diff) >= size) ?? UNITS.at(-1)!
  return relativeWords(Math.round(diff / size), unit)
}

export function colorStatus(status: unknown, c: Colors): string {
  const text = visible(String(status ?? ''))
  switch (text) {
    case 'running':
      return c.yellow(text)
    case 'completed':
      return c.green(text)
    case 'failed':
      return c.red(text)
    case 'created':
      return c.cyan(text)
    default:
      return c.dim(text)
  }
}

/** One line, at most `max` characters, control characters escaped. */
export function oneLine(text: string, max: number): string {
  const line = visible(text).replace(/\s+/g, ' ').trim()
  return line.length > max ? `${line.slice(0, Math.max(1, max - 1))}…` : line
}

/** An extra column of a list, next to id, status and time. */
export interface Column {
  title: string
  value(doc: Doc): string
}

/** Text of one column per character: printable ASCII, and the ellipsis oneLine cuts with. */
const NARROW = /^[\x20-\x7e…]*$/

/** How many terminal columns text takes: colour codes none, wide characters two. */
function columnsOf(text: string): number {
  const plain = stripColors(text)
  // string-width builds its emoji pattern anew on every call: a list's cells are mostly ASCII
  return NARROW.test(plain) ? plain.length : stringWidth(plain)
}

/**
 * Rows as aligned columns, two spaces apart, each padded to its widest cell: what cli-table3 drew
 * with no borders, which took longer for a page of 50 than the rest of a command's work.
 */
function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, columnsOf(cell))
    })
  }
  return rows.map((row) =>
    row
      .map((cell, i) => cell + ' '.repeat(widths[i]! - columnsOf(cell)))
      .join('  ')
      .trimEnd()
  )
}

/**
 * A page as a table (short id, status, extra columns, created, summary) and a footer with the
 * total of the whole filtered set: `Showing 1-50 of 1234 sessions`.
 */
export function renderList(
  def: AnyDefinition,
  page: Page,
  shortIds: readonly string[],
  columns: readonly Column[],
  output: Output
): string {
  const c = output.color
  const footer = (text: string) => c.dim(text)
  if (page.data.length === 0) {
    const none =
      page.total === 0
        ? `No ${def.name}`
        : `Showing 0 of ${countedDocuments(def.name, page.total)} (skipped ${page.skip})`
    return footer(none)
  }
  const head = [
    'ID',
    ...(def.statuses ? ['STATUS'] : []),
    ...columns.map((k) => k.title),
    'CREATED',
    'SUMMARY'
  ]
  const rows = page.data.map((doc, i) => [
    c.bold(shortIds[i] ?? String(doc[def.idField])),
    ...(def.statuses ? [colorStatus(doc.status, c)] : []),
    ...columns.map((k) => visible(k.value(doc))),
    visible(relativeTime(doc.created_at)),
    String(def.summary(doc) ?? '')
  ])
  // the summary gets what the other columns leave of the terminal's width
  const used = rows.reduce(
    (max, row) =>
      Math.max(
        max,
        row.slice(0, -1).reduce((sum, cell) => sum + stripColors(cell).length + 2, 0)
      ),
    0
  )
  const room = Math.max(20, output.width - used - 1)
  const first = page.skip + 1
  const last = page.skip + page.data.length
  const lines = alignColumns([
    head.map((h) => c.dim(h)),
    ...rows.map((row) => [...row.slice(0, -1), oneLine(row.at(-1)!, room)])
  ])
  return `${lines.join('\n')}\n${footer(`Showing ${first}-${last} of ${countedDocuments(def.name, page.total)}`)}`
}

function stripColors(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes are control characters
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

function flatten(value: unknown, prefix: string, into: [string, unknown][]): void {
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, into)
  } else {
    into.push([prefix, value])
  }
}

/** A field's value: text may span lines (each control but the newline escaped), the rest is JSON. */
function showValue(value: unknown): string {
  return typeof value === 'string' ? visibleLines(value) : visible(JSON.stringify(value))
}

/**
 * One document: its kind and short id, then every field that has a value (nested objects as dot
 * paths), the timestamps last with their relative times. Relation columns show the short ids of
 * the documents they point at (`related`, by whole id).
 */
export function renderDocument(
  def: AnyDefinition,
  doc: Doc,
  shortId: string,
  output: Output,
  related: ReadonlyMap<string, string> = new Map()
): string {
  const c = output.color
  const fields: [string, unknown][] = []
  const { [def.idField]: id, status, created_at, updated_at, ...rest } = doc
  fields.push(['id', id])
  if (def.statuses) fields.push(['status', status])
  const relations = new Set(def.keyColumns.filter((k) => k.relation).map((k) => k.name))
  for (const [key, value] of Object.entries(rest)) {
    if (relations.has(key) && typeof value === 'string') fields.push([key, related.get(value) ?? value])
    else flatten(value, key, fields)
  }
  const width = Math.max(
    ...fields.filter(([, v]) => v != null).map(([k]) => visible(k).length),
    'updated_at'.length
  )
  const lines = [`${def.singular} ${c.bold(shortId)}`]
  for (const [key, value] of fields) {
    if (value === null || value === undefined) continue
    const shown = key === 'status' ? colorStatus(value, c) : showValue(value)
    lines.push(
      `  ${c.dim(visible(key).padEnd(width))}  ${shown.replace(/\n/g, `\n  ${' '.repeat(width)}  `)}`
    )
  }
  for (const [key, value] of [
    ['created_at', created_at],
    ['updated_at', updated_at]
  ] as const) {
    lines.push(
      `  ${c.dim(key.padEnd(width))}  ${visible(String(value))} ${c.dim(`(${visible(relativeTime(value))})`)}`
    )
  }
  return lines.join('\n')
}

/**
 * A session with its ancestors above it (root first) and its children below:
 *
 *     0199a0c1  completed  plan the release
 *     └─ 0199b73d  running  write the notes   ← this session
 *        ├─ 0199c2e0  idle  spawned  check links
 *        └─ 0199c2e4  idle  forked   try shorter wording
 */
export function renderTree(
  def: AnyDefinition,
  tree: Tree,
  shortIds: Map<string, string>,
  output: Output
): string {
  const c = output.color
  const id = (doc: Doc) => String(doc[def.idField])
  const line = (doc: Doc, how?: string) =>
    [
      c.bold(shortIds.get(id(doc)) ?? id(doc)),
      colorStatus(doc.status, c),
      how ? c.dim(how) : '',
      visible(String(def.summary(doc) ?? ''))
    ]
      .filter(Boolean)
      .join('  ')
  const how = (child: Doc, parent: Doc) =>
    child.forked_from_session_id === id(parent) ? 'forked' : 'spawned'
  const chain = [...tree.ancestors].reverse()
  const lines: string[] = []
  let indent = ''
  chain.forEach((doc, i) => {
    lines.push(`${indent}${i === 0 ? '' : '└─ '}${line(doc, i === 0 ? undefined : how(doc, chain[i - 1]!))}`)
    if (i > 0) indent += '   '
  })
  const parent = chain.at(-1)
  lines.push(
    `${indent}${parent ? '└─ ' : ''}${line(tree.session, parent ? how(tree.session, parent) : undefined)}  ${c.cyan('← this session')}`
  )
  if (parent) indent += '   '
  tree.children.forEach((child, i) => {
    const last = i === tree.children.length - 1
    lines.push(`${indent}${last ? '└─ ' : '├─ '}${line(child, how(child, tree.session))}`)
  })
  return lines.join('\n')
}
