// Where the data comes from, as given (--url, AGOR_URL, --db, AGOR_DB_URL): judged before anything
// is opened. A daemon's URL must be one; an empty variable counts as unset; a memory database,
// which would vanish with the command, is refused by every command but serve; a file: URL is a
// path alone (a query would become part of a new file's name).
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { agor, type CliResult, json, startDaemon, tempDb } from './cli-helpers.js'
import { tempDir } from './helpers.js'

function expectUsage(result: CliResult, message: string): void {
  expect(result).toMatchObject({ code: 2, stdout: '' })
  expect(result.stderr.split('\n')[0]).toBe(`error: ${message}`)
}

/** A HOME whose default database (~/.agor/agor.db) exists and is empty. */
function homeWithDefaultDatabase(): string {
  const home = tempDir()
  mkdirSync(join(home, '.agor'))
  copyFileSync(inject('templateDatabase'), join(home, '.agor', 'agor.db'))
  return home
}

describe('--url and AGOR_URL', () => {
  it("must be a daemon's http(s):// or ws(s):// URL: anything else is a usage error (exit 2) that says so", async () => {
    const expected = "expected a daemon's http(s):// or ws(s):// URL, such as http://127.0.0.1:3030"
    const noExtras = "a daemon's URL takes no credentials or query (an API key goes in AGOR_API_KEY)"
    const noPath = "a daemon's URL has no path, only its address, such as http://127.0.0.1:3030"
    const cases: [string[], Record<string, string>, string][] = [
      [['--url', 'foo'], {}, `Invalid --url 'foo': ${expected}`],
      [['--url', 'localhost:3030'], {}, `Invalid --url 'localhost:3030': ${expected}`],
      [['--url', 'ftp://127.0.0.1:3030'], {}, `Invalid --url 'ftp://127.0.0.1:3030': ${expected}`],
      [['--url', 'http://'], {}, `Invalid --url 'http://': ${expected}`],
      [
        ['--url', 'libsql://db.example.com'],
        {},
        `Invalid --url 'libsql://db.example.com': ${expected} (a database goes to --db)`
      ],
      [
        ['--url', 'http://me:secret@127.0.0.1:3030'],
        {},
        `Invalid --url 'http://127.0.0.1:3030': ${noExtras}`
      ],
      [['--url', 'http://127.0.0.1:3030?x=1'], {}, `Invalid --url 'http://127.0.0.1:3030': ${noExtras}`],
      [[], { AGOR_URL: 'foo' }, `Invalid AGOR_URL 'foo': ${expected}`],
      [
        ['--url', 'http://127.0.0.1:3030/sessions'],
        {},
        `Invalid --url 'http://127.0.0.1:3030/sessions': ${noPath}`
      ],
      [[], { AGOR_URL: 'ws://127.0.0.1:3030/a/b/' }, `Invalid AGOR_URL 'ws://127.0.0.1:3030/a/b/': ${noPath}`]
    ]
    const results = await Promise.all(cases.map(([args, env]) => agor([...args, 'session', 'list'], { env })))
    for (const [i, result] of results.entries()) expectUsage(result, cases[i]![2])
  })

  it('reaches the daemon by its http URL, with a trailing slash, or by its ws URL', async () => {
    const { db } = tempDb()
    const daemon = await startDaemon(db)
    const ws = daemon.url.replace(/^http/, 'ws')
    const results = await Promise.all([
      agor(['--url', daemon.url, 'board', 'create', '--name', 'one', '--json']),
      agor(['--url', `${daemon.url}/`, 'board', 'create', '--name', 'two', '--json']),
      agor(['--url', ws, 'board', 'create', '--name', 'three', '--json']),
      agor(['board', 'create', '--name', 'four', '--json'], { env: { AGOR_URL: `${ws}/` } })
    ])
    expect(results.map((result) => json(result).name)).toEqual(['one', 'two', 'three', 'four'])
  })
})

describe('an empty AGOR_* variable', () => {
  it('counts as unset: AGOR_DB_URL= and AGOR_URL= leave the default database, AGOR_HOST= the loopback address', async () => {
    const home = homeWithDefaultDatabase()
    const results = await Promise.all(
      [{ AGOR_DB_URL: '' }, { AGOR_URL: '' }, { AGOR_DB_URL: ' ', AGOR_URL: '', AGOR_DB_AUTH_TOKEN: '' }].map(
        (env) => agor(['session', 'list'], { env: { HOME: home, ...env } })
      )
    )
    for (const result of results) expect(result).toEqual({ code: 0, stdout: 'No sessions\n', stderr: '' })

    const daemon = await startDaemon(tempDb().db, { AGOR_HOST: '', AGOR_PORT: '' })
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })
})

describe('a memory database', () => {
  it('is refused by every command but serve (exit 2): what it wrote would be gone when the command ends', async () => {
    const commands = [
      ['session', 'list'],
      ['session', 'create', '--agent', 'a'],
      ['board', 'show', '0199b73d'],
      ['session', 'tree', '0199b73d'],
      ['log'],
      ['db', 'status'],
      ['db', 'migrate'],
      ['db', 'check'],
      ['db', 'export', '--out', join(tempDir(), 'dump')],
      ['db', 'backup', join(tempDir(), 'copy.db')],
      ['db', 'sync']
    ]
    const gone =
      'is a memory database, gone when the command ends: give a database file or server (only agor serve takes a memory database)'
    const results = await Promise.all([
      ...commands.map((args) => agor(['--db', ':memory:', ...args])),
      agor(['--no-daemon', '--db', 'file::memory:', 'session', 'list']),
      agor(['session', 'list'], { env: { AGOR_DB_URL: ':memory:' } }),
      agor(['db', 'setup', '--path', ':memory:'])
    ])
    for (const result of results.slice(0, commands.length)) expectUsage(result, `--db :memory: ${gone}`)
    const [fileUrl, fromEnv, setup] = results.slice(commands.length)
    expectUsage(fileUrl!, `--db file::memory: ${gone}`)
    expectUsage(fromEnv!, `AGOR_DB_URL=:memory: ${gone}`)
    expectUsage(setup!, `--path :memory: ${gone}`)

    // a daemon keeps its memory database while it runs
    const daemon = await startDaemon(['--db', ':memory:'])
    expect(daemon.stdout()).toContain('Database: :memory: (memory)')
    expect(
      json(await agor(['--url', daemon.url, 'board', 'create', '--name', 'kept', '--json']))
    ).toMatchObject({
      name: 'kept'
    })
  })
})

describe('a file: URL with a query or fragment', () => {
  const problem =
    "a file: URL takes no query or fragment (no parameter is read from it): give the file's path alone"

  it('is a usage error (exit 2) of every command, serve included, that names where it came from and creates nothing', async () => {
    const { path, db } = tempDb()
    const daemon = await startDaemon(db)
    const dir = join(path, '..')
    const before = readdirSync(dir).sort()
    const url = `file:${path}?mode=rw`
    const fresh = `file:${join(dir, 'new', 'd.db')}#x`
    // a second daemon on the served file, and one that would make a new file
    for (const given of [url, fresh]) {
      const refused = await startDaemon(['--db', given]).catch((error: Error) => error)
      expect(refused).toBeInstanceOf(Error)
      expect((refused as Error).message).toContain('agor serve exited with 2 before listening')
      expect((refused as Error).message).toContain(`error: Invalid --db '`)
    }
    const results = await Promise.all([
      agor(['--db', url, 'session', 'list']),
      agor(['--db', url, 'session', 'create', '--agent', 'a']),
      agor(['--db', url, 'db', 'status']),
      agor(['--db', url, 'db', 'export', '--out', join(tempDir(), 'dump')]),
      agor(['--db', url, 'workspace', 'list']),
      agor(['--db', fresh, 'serve', '--port', '0']),
      agor(['session', 'list'], { env: { AGOR_DB_URL: url } }),
      agor(['serve', '--port', '0'], { env: { AGOR_DB_URL: url } }),
      agor(['db', 'setup', '--path', url])
    ])
    const shown = `'file:${path}'`
    for (const result of results.slice(0, 5)) expectUsage(result, `Invalid --db ${shown}: ${problem}`)
    expectUsage(results[5]!, `Invalid --db 'file:${join(dir, 'new', 'd.db')}#x': ${problem}`)
    expectUsage(results[6]!, `Invalid AGOR_DB_URL ${shown}: ${problem}`)
    expectUsage(results[7]!, `Invalid AGOR_DB_URL ${shown}: ${problem}`)
    expectUsage(results[8]!, `Invalid --path ${shown}: ${problem}`)
    expect(readdirSync(dir).sort()).toEqual(before)
    // the served file is untouched, and still served
    expect(json(await agor([...db, 'session', 'list', '--json'])).total).toBe(0)
    expect(daemon.process.exitCode).toBeNull()
  })
})
