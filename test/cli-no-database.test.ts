// A mistyped database path is not a new, empty database: every command but `db setup`, `db import`
// and `serve` refuses a local file that is not there (exit 5) and creates nothing; a path that
// cannot be a database says why in words.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { localMigrations } from '../src/db/migrate.js'
import { NoDatabaseError } from '../src/errors.js'
import { openStore } from '../src/service/store.js'
import { agor, CLI, type CliResult, cliEnv, json, openFile, tempDb } from './cli-helpers.js'
import { tempDir } from './helpers.js'

/**
 * Runs the CLI as a user the file system's permissions apply to: the test's own, or, for root
 * (who may open anything), nobody through runuser. Undefined when neither is possible.
 */
const unprivileged: ((args: string[]) => Promise<CliResult>) | undefined =
  process.getuid?.() !== 0
    ? (args) => agor(args)
    : existsSync('/usr/sbin/runuser')
      ? (args) => run('/usr/sbin/runuser', ['-u', 'nobody', '--', process.execPath, CLI, ...args])
      : undefined

function run(command: string, args: string[]): Promise<CliResult> {
  const child = spawn(command, args, { env: cliEnv({ HOME: '/nonexistent' }), cwd: '/' })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A database path in a folder that does not exist either. */
function missingPath(): string {
  return join(tempDir(), 'no', 'such', 'folder', 'agor.db')
}

describe('a local database that does not exist', () => {
  it('is refused by every command that reads or writes documents (exit 5), which create no file or folder', async () => {
    const path = missingPath()
    const db = ['--db', path]
    const dump = join(tempDir(), 'dump')
    const commands = [
      ['session', 'list'],
      ['session', 'show', '0199b73d'],
      ['session', 'create', '--agent', 'a'],
      ['task', 'list', '--session', '0199b73d'],
      ['board', 'update', '0199b73d', '--name', 'x'],
      ['repo', 'delete', '0199b73d'],
      ['db', 'status'],
      ['db', 'check'],
      ['db', 'migrate'],
      ['db', 'sync'],
      ['db', 'backup', join(tempDir(), 'backup.db')],
      ['db', 'export', '--out', dump]
    ]
    const results = await Promise.all(commands.map((args) => agor([...db, ...args])))
    for (const [i, result] of results.entries()) {
      expect({ command: commands[i], code: result.code, stdout: result.stdout }).toEqual({
        command: commands[i],
        code: 5,
        stdout: ''
      })
      expect(result.stderr).toBe(
        `error: There is no database at ${path}\n` +
          `hint: create it with: agor db setup --db ${path}\n` +
          'hint: or check the path you gave (--db, AGOR_DB_URL)\n'
      )
    }
    const asJson = await agor([...db, '--json', 'session', 'list'])
    expect(asJson.code).toBe(5)
    expect(JSON.parse(asJson.stderr)).toEqual({
      name: 'NotFound',
      message: `There is no database at ${path}`,
      code: 404,
      className: 'not-found',
      data: { path }
    })
    expect(existsSync(path)).toBe(false)
    expect(existsSync(dirname(path))).toBe(false)
    expect(existsSync(dump)).toBe(false)

    // the environment's database and the default one are refused alike
    const home = tempDir()
    const [fromEnv, byDefault] = await Promise.all([
      agor(['session', 'list'], { env: { AGOR_DB_URL: path } }),
      agor(['session', 'list'], { env: { HOME: home } })
    ])
    expect(fromEnv.code).toBe(5)
    expect(byDefault).toMatchObject({ code: 5, stdout: '' })
    expect(byDefault.stderr).toBe(
      `error: There is no database at ${join(home, '.agor', 'agor.db')}\n` +
        'hint: create it with: agor db setup (agor serve creates it too)\n'
    )
    expect(readdirSync(home)).toEqual([])
    expect(existsSync(dirname(path))).toBe(false)
  })

  it('is created by db setup, and by db import, folders included; then every command works on it', async () => {
    const path = missingPath()
    const setup = await agor(['db', 'setup', '--db', path])
    expect(setup).toMatchObject({
      code: 0,
      stdout: `${path}: ${localMigrations().length} migrations applied\n`
    })
    expect(await agor(['--db', path, 'session', 'list'])).toMatchObject({ code: 0, stdout: 'No sessions\n' })
    const created = json(await agor(['--db', path, 'session', 'create', '--agent', 'a', '--json']))

    const dump = join(tempDir(), 'dump')
    expect((await agor(['--db', path, 'db', 'export', '--out', dump])).code).toBe(0)
    const copy = missingPath()
    expect((await agor(['--db', copy, 'db', 'import', dump])).code).toBe(0)
    expect(await (await openFile(copy)).service('sessions').get(String(created.session_id))).toEqual(created)
  })

  it('is not left behind by a db import or a serve that fails; a database that was there stays', async () => {
    const root = tempDir()
    const missingFolder = join(root, 'no-dump')
    const aFile = join(root, 'a-file')
    writeFileSync(aFile, 'not an export\n')
    const empty = join(root, 'empty')
    mkdirSync(empty)
    const invalid = join(root, 'invalid')
    mkdirSync(invalid)
    const at = '2025-11-22T10:00:00.000Z'
    const line = (id: string, fields: object) =>
      JSON.stringify({
        board_id: `0199b73d-0000-7000-8000-00000000000${id}`,
        created_at: at,
        updated_at: at,
        ...fields
      })
    writeFileSync(
      join(invalid, 'boards.jsonl'),
      `${line('1', { name: 'fine' })}\n${line('2', { name: 42 })}\n`
    )
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    const { port } = taken.address() as AddressInfo
    // each in folders of its own: what one run made is its own to remove
    const fresh = () => join(root, `new-${Math.random().toString(36).slice(2)}`, 'folders', 'agor.db')
    const existing = tempDb()
    const kept = await openFile(existing.path)
    const board = await kept.service('boards').create({ name: 'kept' })
    try {
      const results = await Promise.all([
        agor(['--db', fresh(), 'db', 'import', missingFolder]),
        agor(['--db', fresh(), 'db', 'import', aFile]),
        agor(['--db', fresh(), 'db', 'import', empty]),
        agor(['--db', fresh(), 'db', 'import', invalid]),
        agor(['--db', fresh(), 'serve', '--port', String(port)]),
        agor([...existing.db, 'db', 'import', invalid]),
        agor([...existing.db, 'serve', '--port', String(port)])
      ])
      expect(results.map((r) => [r.code, r.stderr])).toEqual([
        [1, `error: ${missingFolder} is not a folder\n`],
        [1, `error: ${aFile} is not a folder\n`],
        [1, `error: ${empty} holds no .jsonl files\n`],
        [1, expect.stringMatching(/^error: boards\.jsonl line 2: Invalid board: /)],
        [1, expect.stringMatching(new RegExp(`^error: Port ${port} on 127\\.0\\.0\\.1 is in use`))],
        [1, expect.stringMatching(/^error: boards\.jsonl line 2: Invalid board: /)],
        [1, expect.stringMatching(new RegExp(`^error: Port ${port} on 127\\.0\\.0\\.1 is in use`))]
      ])
    } finally {
      taken.close()
    }
    // no database file, companion or folder of the failed commands
    expect(readdirSync(root).sort()).toEqual(['a-file', 'empty', 'invalid'])
    expect(await kept.service('boards').find({ paginate: false })).toEqual([board])
  })

  it('an empty file is no database: refused like a missing one (exit 5) and left empty; db setup makes it one', async () => {
    const path = join(tempDir(), 'notes.txt')
    writeFileSync(path, '')
    const [listed, created] = await Promise.all([
      agor(['--db', path, 'session', 'list']),
      agor(['--db', path, 'session', 'create', '--agent', 'a'])
    ])
    for (const result of [listed, created]) {
      expect(result).toMatchObject({ code: 5, stdout: '' })
      expect(result.stderr).toContain(`error: There is no database at ${path}: the file is empty`)
    }
    expect(readdirSync(dirname(path))).toEqual(['notes.txt'])
    expect(statSync(path).size).toBe(0)
    expect((await agor(['db', 'setup', '--db', path])).code).toBe(0)
    expect(await agor(['--db', path, 'session', 'list'])).toMatchObject({ code: 0, stdout: 'No sessions\n' })
  })

  it('an empty file that a failed db import or serve would have made a database is left empty, without companions', async () => {
    const root = tempDir()
    const invalid = join(root, 'invalid')
    mkdirSync(invalid)
    writeFileSync(join(invalid, 'boards.jsonl'), '{"name":42}\n')
    const files = join(root, 'files')
    mkdirSync(files)
    const forImport = join(files, 'import.db')
    const forServe = join(files, 'serve.db')
    writeFileSync(forImport, '')
    writeFileSync(forServe, '')
    chmodSync(forServe, 0o640)
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    const { port } = taken.address() as AddressInfo
    try {
      const [imported, served] = await Promise.all([
        agor(['--db', forImport, 'db', 'import', invalid]),
        agor(['--db', forServe, 'serve', '--port', String(port)])
      ])
      expect(imported.code).toBe(1)
      expect(imported.stderr).toMatch(/^error: boards\.jsonl line 1: Invalid board: /)
      expect(served.code).toBe(1)
      expect(served.stderr).toMatch(new RegExp(`^error: Port ${port} on 127\\.0\\.0\\.1 is in use`))
    } finally {
      taken.close()
    }
    expect(readdirSync(files).sort()).toEqual(['import.db', 'serve.db'])
    expect(statSync(forImport).size).toBe(0)
    expect(statSync(forServe).size).toBe(0)
    // the very file, as it was: not a new one of the same name
    expect(statSync(forServe).mode & 0o777).toBe(0o640)
  })

  it('in the library: openStore({ create: false }) refuses a missing file and creates nothing; memory is unaffected', async () => {
    const path = missingPath()
    const refused = openStore({ url: path, create: false, auth: false })
    await expect(refused).rejects.toBeInstanceOf(NoDatabaseError)
    await expect(refused).rejects.toMatchObject({ code: 404, data: { path } })
    expect(existsSync(dirname(path))).toBe(false)

    const memory = await openStore({ url: ':memory:', create: false, auth: false })
    await memory.service('boards').create({ name: 'in memory' })
    await memory.close()
    // an existing file opens as before
    const { path: existing } = tempDb()
    const store = await openStore({ url: existing, create: false, auth: false })
    expect(await store.service('sessions').find({ paginate: false })).toEqual([])
    await store.close()
  })
})

describe('a path that cannot be a database', () => {
  it('says why in words: a folder, a path through a file, a file that is not a database', async () => {
    const dir = tempDir()
    const folder = join(dir, 'a-folder')
    mkdirSync(folder)
    const text = join(dir, 'notes.txt')
    writeFileSync(text, 'these are my notes, not a database\n'.repeat(100))
    const throughFile = join(text, 'agor.db')
    const [isFolder, notAFolder, notADatabase, notADatabaseCheck] = await Promise.all([
      agor(['--db', folder, 'session', 'list']),
      agor(['--db', throughFile, 'session', 'list']),
      agor(['--db', text, 'session', 'list']),
      agor(['--db', text, 'db', 'status'])
    ])
    expect(isFolder).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: Cannot open the database ${folder}: it is a folder, not a database file\n`
    })
    expect(notAFolder).toMatchObject({
      code: 1,
      stderr: `error: Cannot open the database ${throughFile}: a part of the path is a file, not a folder\n`
    })
    for (const result of [notADatabase, notADatabaseCheck]) {
      expect(result).toMatchObject({
        code: 1,
        stderr:
          `error: Cannot open the database ${text}: the file is not a database, or its first page is damaged\n` +
          `hint: agor db check --db ${text} tells what is wrong and what to do\n`
      })
    }
    // nothing was written into the folder or next to the file
    expect(readdirSync(folder)).toEqual([])
    expect(readdirSync(dir).sort()).toEqual(['a-folder', 'notes.txt'])
  })

  it.skipIf(!unprivileged)(
    'says so when permission is denied: a locked folder, a read-only file or folder',
    async () => {
      const dir = tempDir()
      // the user who runs the CLI must reach the folder: root may open anything, so it runs as nobody
      chmodSync(dir, 0o755)
      const locked = join(dir, 'locked')
      mkdirSync(locked)
      const inLocked = join(locked, 'agor.db')
      copyFileSync(inject('templateDatabase'), inLocked)
      chmodSync(inLocked, 0o666)
      chmodSync(locked, 0o000)
      const readOnlyFile = join(dir, 'read-only.db')
      copyFileSync(inject('templateDatabase'), readOnlyFile)
      chmodSync(readOnlyFile, 0o444)
      const readOnlyFolder = join(dir, 'read-only-folder')
      mkdirSync(readOnlyFolder)
      const inReadOnly = join(readOnlyFolder, 'agor.db')
      copyFileSync(inject('templateDatabase'), inReadOnly)
      chmodSync(inReadOnly, 0o666)
      chmodSync(readOnlyFolder, 0o555)
      const newInReadOnly = join(readOnlyFolder, 'sub', 'agor.db')
      try {
        const results = await Promise.all([
          unprivileged!(['--db', inLocked, 'session', 'list']),
          unprivileged!(['--db', readOnlyFile, 'session', 'list']),
          unprivileged!(['--db', inReadOnly, 'session', 'list']),
          unprivileged!(['db', 'setup', '--db', newInReadOnly])
        ])
        for (const [i, where] of [inLocked, readOnlyFile, inReadOnly, newInReadOnly].entries()) {
          expect(results[i]).toMatchObject({
            code: 1,
            stdout: '',
            stderr: `error: Cannot open the database ${where}: permission denied (it must be readable and writable, and its folder too)\n`
          })
        }
      } finally {
        chmodSync(locked, 0o700)
        chmodSync(readOnlyFolder, 0o755)
      }
    }
  )
})
