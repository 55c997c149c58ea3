// What reaches a terminal from documents: a title may hold newlines and escape sequences, and human
// output shows them as visible escapes (one summary, one line; nothing that drives the terminal),
// while --json stays the exact document. The CLI runs as a real subprocess on real files.
import { describe, expect, it } from 'vitest'
import { agor, json, openFile, tempDb } from './cli-helpers.js'

const ESC = '\u001b'
const TITLE = `line1\nline2${ESC}[2J${ESC}[31mRED\r\u0007\u009b\u202e`
const SHOWN = 'line1\\nline2\\e[2J\\e[31mRED\\r\\u0007\\u009b\\u202e'
/** Any control character a terminal acts on. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the test looks for
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/

describe('document text at a terminal', () => {
  it('is escaped in every human output, and exact in --json', async () => {
    const { path, db } = tempDb()
    const created = await agor([
      ...db,
      'session',
      'create',
      '--agent',
      `x${ESC}]0;pwned\u0007`,
      '--data',
      JSON.stringify({ title: TITLE, custom_context: { [`k${ESC}`]: 'v' } })
    ])
    expect(created).toMatchObject({ code: 0, stderr: '' })
    const store = await openFile(path)
    const [stored] = await store.service('sessions').find({ paginate: false })
    // stored as written: the escaping is the terminal's, not the data's
    expect(stored).toMatchObject({ title: TITLE, agent: `x${ESC}]0;pwned\u0007` })
    const id = stored!.session_id
    // a second session whose id shares a prefix with the first, for an ambiguity report
    const twin = `${id.slice(0, 35)}${id.endsWith('f') ? 'e' : 'f'}`
    await store.service('sessions').create({ session_id: twin, agent: 'a', title: TITLE })

    const update = await agor([...db, 'session', 'update', id, '--status', 'running'])
    const runs = await Promise.all([
      agor([...db, 'session', 'list']),
      agor([...db, 'session', 'list'], { env: { NO_COLOR: '1' } }),
      agor([...db, 'session', 'show', id]),
      agor([...db, 'session', 'tree', id]),
      agor([...db, 'log']),
      agor([...db, 'session', 'show', id.slice(0, 8)])
    ])
    const [list, noColor, show, tree, log, ambiguous] = runs
    for (const run of [created, update, ...runs]) {
      expect(run.stdout).not.toMatch(CONTROL)
      expect(run.stderr).not.toMatch(CONTROL)
    }
    expect(created.stdout).toMatch(new RegExp(`^Created session \\S+ \\(${id}\\): ${escapeRe(SHOWN)}\\n$`))
    expect(update.stdout).toMatch(new RegExp(`^Updated session \\S+ \\(${id}\\): ${escapeRe(SHOWN)}\\n$`))
    // one line per document: header, two sessions, footer
    expect(list.stdout.trim().split('\n')).toHaveLength(4)
    expect(list.stdout).toContain('x\\e]0;pwned\\u0007')
    expect(list.stdout).toContain(SHOWN.slice(0, 16))
    expect(noColor.stdout).toBe(list.stdout)
    expect(tree.stdout.trim().split('\n')).toHaveLength(1)
    expect(tree.stdout).toContain(SHOWN)
    expect(log.stdout.trim().split('\n')).toHaveLength(3)
    expect(log.stdout).toContain(`${SHOWN}\n`)
    // show keeps the text's own line breaks, each further line under the value column
    expect(show.stdout).toMatch(/^ {2}title {15}line1\n {22}line2\\e\[2J/m)
    expect(show.stdout).toContain('  custom_context.k\\e  v\n')
    expect(ambiguous.code).toBe(4)
    expect(ambiguous.stderr).toContain(SHOWN)

    // --json prints the document exactly (JSON escapes what needs it)
    expect(json(await agor([...db, 'session', 'show', id, '--json'])).title).toBe(TITLE)
  })

  it('keeps the document escaped when colours are forced: colour codes come from agor alone', async () => {
    const { db } = tempDb()
    await agor([
      ...db,
      'session',
      'create',
      '--agent',
      'x',
      '--status',
      'failed',
      '--data',
      '{"title":"a\\u001b[0mb"}'
    ])
    const forced = await agor([...db, 'session', 'list'], { env: { FORCE_COLOR: '1' } })
    expect(forced.stdout).toContain('a\\e[0mb')
    expect(forced.stdout).not.toContain(`a${ESC}[0mb`)
    expect(forced.stdout).toContain(`${ESC}[31mfailed${ESC}[39m`)
  })
})

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
