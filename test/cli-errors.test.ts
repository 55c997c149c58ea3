// What a person sees when something goes wrong, with the CLI as a real subprocess: a closed pipe
// ends quietly, and every failure says what is wrong and what to do, without a stack trace.
import { once } from 'node:events'
import { closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { createClient } from '@libsql/client'
import { describe, expect, it } from 'vitest'
import { localMigrations } from '../src/db/migrate.js'
import { openStore } from '../src/service/store.js'
import { agor, openFile, shell, startDaemon, tempDb } from './cli-helpers.js'
import { baseCounts, EXPORT_FILES, tempDir } from './helpers.js'

describe('pipes', () => {
  it('ends quietly, exit 0, when the reader closes the pipe early', async () => {
    const { path, db } = tempDb()
    const store = await openFile(path)
    // far more than a pipe holds (64 KiB), so that agor is still writing when head has gone
    await store
      .service('sessions')
      .create(Array.from({ length: 500 }, (_, i) => ({ agent: 'a', title: `${i} ${'x'.repeat(1000)}` })))
    const result = await shell(
      `($AGOR ${db.join(' ')} session list --json --limit 500; echo "agor exited $?" >&2) | head -c 10`
    )
    expect(result).toEqual({ code: 0, stdout: '{\n  "total', stderr: 'agor exited 0\n' })
  })

  it.skipIf(!existsSync('/dev/full'))(
    'says that the output was lost, exit 1, when stdout cannot be written (a full disk)',
    async () => {
      const { path, db } = tempDb()
      const store = await openFile(path)
      await store.service('boards').create(Array.from({ length: 500 }, (_, i) => ({ name: `board ${i}` })))
      const daemon = await startDaemon(db)
      const variants = [
        [...db, 'board', 'list', '--limit', '500'],
        [...db, 'board', 'list', '-q'],
        [...db, '--no-daemon', 'board', 'list'],
        ['--url', daemon.url, 'board', 'list'],
        [...db, 'board', 'create', '--name', 'written, then not shown']
      ]
      const results = await Promise.all(
        variants.map((args) => shell(`$AGOR ${args.map((a) => `'${a}'`).join(' ')} > /dev/full`))
      )
      for (const result of results) {
        expect(result).toEqual({
          code: 1,
          stdout: '',
          stderr: 'error: Cannot write the output: No space left on device\n'
        })
      }
      const asJson = await shell(`$AGOR ${db.join(' ')} --json board list > /dev/full`)
      expect(asJson.code).toBe(1)
      expect(JSON.parse(asJson.stderr)).toMatchObject({
        name: 'GeneralError',
        message: 'Cannot write the output: No space left on device'
      })
      // the write itself happened: only its report was lost
      expect(
        await store.service('boards').find({ query: { name: 'written, then not shown' } })
      ).toMatchObject({
        total: 1
      })
    }
  )

  it.skipIf(!existsSync('/dev/full'))(
    'a command whose stderr cannot be written keeps its exit code: nobody is told, the code still says what happened',
    async () => {
      const { db } = tempDb()
      const results = await Promise.all(
        [
          ['session', 'list', '--since', 'yesterday'],
          ['session', 'show', 'ffffffff'],
          ['session', 'create', '--agent', 'a']
        ].map((args) => shell(`$AGOR ${[...db, ...args].map((a) => `'${a}'`).join(' ')} 2> /dev/full`))
      )
      expect(results.map((r) => r.code)).toEqual([2, 3, 0])
      expect(results[2]!.stdout).toMatch(/^Created session /)
    }
  )
})

describe('counts', () => {
  it('are in the singular for one and the plural otherwise', async () => {
    const { path, db } = tempDb()
    const store = await openFile(path)
    await store.service('sessions').create({ agent: 'a', title: 'only' })
    await store.service('boards').create({ name: 'one' })
    const out = join(tempDir(), 'dump')
    const [list, exported] = await Promise.all([
      agor([...db, 'session', 'list']),
      agor([...db, 'db', 'export', '--out', out])
    ])
    expect(list.stdout.trim().split('\n').at(-1)).toBe('Showing 1-1 of 1 session')
    expect(baseCounts(exported.stdout)).toBe(`Exported 1 session, 1 board to ${out}\n`)
    const imported = await agor([...tempDb().db, 'db', 'import', out])
    expect(baseCounts(imported.stdout)).toBe(`Imported 1 board, 1 session from ${out}\n`)
  })
})

describe('large writes', () => {
  it('a create of more than 1,000 documents prints every one by its short id', async () => {
    const { path, db } = tempDb()
    const file = join(tempDir(), 'boards.json')
    writeFileSync(file, JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ name: `board ${i}` }))))
    const created = await agor([...db, 'board', 'create', '--data', `@${file}`])
    expect(created).toMatchObject({ code: 0, stderr: '' })
    const lines = created.stdout.trim().split('\n')
    expect(lines).toHaveLength(1001)
    const store = await openFile(path)
    const boards = await store.service('boards').find({ paginate: false, query: { $sort: { board_id: 1 } } })
    const shortIds = await store.shortIds(
      'boards',
      boards.map((b) => b.board_id)
    )
    expect(lines.map((l) => /^Created board (\S+) /.exec(l)?.[1]).sort()).toEqual([...shortIds].sort())
  })
})

describe('usage errors before any call', () => {
  it('an empty or blank id is a usage error (exit 2) on the file and through a daemon, and changes nothing', async () => {
    const { path, db } = tempDb()
    const store = await openFile(path)
    const session = await store.service('sessions').create({ agent: 'a', title: 'kept' })
    const daemon = await startDaemon(db)
    const empty = (via: string[]) => [
      [...via, 'session', 'show', ''],
      [...via, 'session', 'update', ' ', '--title', 'x'],
      [...via, 'session', 'delete', ''],
      [...via, 'session', 'delete', '\t'],
      [...via, 'session', 'tree', ''],
      [...via, 'session', 'fork', ''],
      [...via, 'task', 'list', '--session', '']
    ]
    const commands = [...empty(db), ...empty(['--url', daemon.url])]
    const results = await Promise.all(commands.map((args) => agor(args)))
    for (const [i, result] of results.entries()) {
      expect({ args: commands[i], code: result.code, stdout: result.stdout }).toEqual({
        args: commands[i],
        code: 2,
        stdout: ''
      })
      expect(result.stderr).toMatch(
        /^error: An empty id names no session: give its id or a unique prefix of at least 4 hex digits\n\nUsage: agor (session|task) /
      )
    }
    expect(await store.service('sessions').find({ paginate: false })).toEqual([session])
  })

  it("an empty or blank option value is a usage error (exit 2) that names the option; a field flag is the schema's to judge", async () => {
    const { path, db } = tempDb()
    const out = tempDir()
    const cases: [string[], string, string][] = [
      [[...db, 'session', 'list', '--where', ''], '--where', ''],
      [[...db, 'session', 'list', '--where', 'agent=a', '--where', ' '], '--where', ' '],
      [[...db, 'session', 'list', '--sort', ''], '--sort', ''],
      [[...db, 'session', 'list', '--status', ''], '--status', ''],
      [[...db, 'session', 'list', '--since', ''], '--since', ''],
      [[...db, 'session', 'create', '--agent', 'a', '--data', ''], '--data', ''],
      [[...db, 'log', '--actor', ''], '--actor', ''],
      [['--db', '', 'session', 'list'], '--db', ''],
      [['--url', '', 'session', 'list'], '--url', ''],
      [[...db, 'db', 'export', '--out', ''], '--out', ''],
      [[...db, 'serve', '--host', '', '--port', '0'], '--host', '']
    ]
    const [limit, ...results] = await Promise.all(
      [[...db, 'session', 'list', '--limit', ''], ...cases.map(([args]) => args)].map((args) =>
        agor(args, { cwd: out })
      )
    )
    // a number option says it wants a number
    expect(limit).toMatchObject({ code: 2, stdout: '' })
    expect(limit!.stderr).toMatch(
      /^error: option '--limit <n>' argument '' is invalid\. Expected a whole number\./
    )
    for (const [i, result] of results.entries()) {
      const [args, flag, value] = cases[i]!
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' })
      expect(result.stderr.split('\n')[0]).toBe(
        `error: ${flag} '${value}' is ${value ? 'blank' : 'empty'}: give it a value, or leave it out`
      )
    }
    // nothing written, nothing exported into the current folder
    expect(readdirSync(out)).toEqual([])
    expect(await (await openFile(path)).service('sessions').find({ paginate: false })).toEqual([])

    const titled = await agor([...db, 'session', 'create', '--agent', 'a', '--title', '', '--json'])
    expect(titled.code).toBe(0)
    const blankAgent = await agor([...db, 'session', 'create', '--agent', ' '])
    expect(blankAgent).toMatchObject({
      code: 1,
      stderr: 'error: Invalid session: agent: Must not be empty or blank\n'
    })
  })

  it('an empty path argument, or --data @ without a file name, is a usage error (exit 2) that names it', async () => {
    const { path, db } = tempDb()
    const out = tempDir()
    const cases: [string[], string][] = [
      [[...db, 'db', 'backup', ''], "<file> '' is empty: give it a value"],
      [[...db, 'db', 'backup', ' '], "<file> ' ' is blank: give it a value"],
      [[...db, 'db', 'import', ''], "<dir> '' is empty: give it a value"],
      [
        [...db, 'session', 'create', '--data', '@'],
        '--data @ names no file: give its name after the @ (--data @doc.json), or @- for standard input'
      ]
    ]
    const results = await Promise.all(cases.map(([args]) => agor(args, { cwd: out })))
    for (const [i, result] of results.entries()) {
      const [args, message] = cases[i]!
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' })
      expect(result.stderr.split('\n')[0]).toBe(`error: ${message}`)
    }
    expect(readdirSync(out)).toEqual([])
    expect(await (await openFile(path)).service('sessions').find({ paginate: false })).toEqual([])
  })

  it("--where refuses '==', '!==', '=>' and '=<', and says which operator was meant (exit 2)", async () => {
    const { db } = tempDb()
    const cases = [
      ['agent==codex', "'==' is no operator here; write agent=codex"],
      ['agent!==codex', "'!==' is no operator here; write agent!=codex"],
      ['created_at=>2025-01-01', "'=>' is no operator here; write created_at>=2025-01-01"],
      ['tool_use_count=<3', "'=<' is no operator here; write tool_use_count<=3"],
      ['tool_use_count>==3', "'>==' is no operator here; write tool_use_count>=3"]
    ]
    const results = await Promise.all(
      cases.map(([where]) => agor([...db, 'task', 'list', '--where', where!]))
    )
    for (const [i, result] of results.entries()) {
      const [where, message] = cases[i]!
      expect(result).toMatchObject({ code: 2, stdout: '' })
      expect(result.stderr.split('\n')[0]).toBe(`error: Invalid --where '${where}': ${message}`)
    }
  })

  it('--where and --sort refuse a __proto__ key, which would vanish from the query (exit 2)', async () => {
    const { path, db } = tempDb()
    const store = await openFile(path)
    await store.service('boards').create([{ name: 'a' }, { name: 'b' }])
    const cases = [
      ['--where', '__proto__=1'],
      ['--where', 'x.__proto__.y=1'],
      ['--sort', '__proto__'],
      ['--sort', '-name,__proto__']
    ]
    const results = await Promise.all(cases.map((flag) => agor([...db, 'board', 'list', '-q', ...flag])))
    for (const [i, result] of results.entries()) {
      const [flag, value] = cases[i]!
      expect(result).toMatchObject({ code: 2, stdout: '' })
      expect(result.stderr.split('\n')[0]).toBe(
        `error: Invalid ${flag} '${value}': the key __proto__ is not allowed`
      )
    }
    expect(await store.service('boards').find({ paginate: false })).toHaveLength(2)
  })

  it('--data must be a JSON object, or for create a list of objects that is not empty (exit 2)', async () => {
    const { path, db } = tempDb()
    const store = await openFile(path)
    const board = await store.service('boards').create({ name: 'kept' })
    const cases: [string[], string][] = [
      [
        ['board', 'create', '--data', '[]'],
        '--data must be a JSON object or a list of objects, not an empty list'
      ],
      [['board', 'create', '--data', '[1]'], '--data must be a JSON object or a list of objects'],
      [['board', 'create', '--data', '"a board"'], '--data must be a JSON object or a list of objects'],
      [['board', 'update', board.board_id, '--data', '[]'], '--data must be a JSON object'],
      [['board', 'update', board.board_id, '--data', 'null'], '--data must be a JSON object']
    ]
    const results = await Promise.all(cases.map(([args]) => agor([...db, ...args])))
    for (const [i, result] of results.entries()) {
      expect(result).toMatchObject({ code: 2, stdout: '' })
      expect(result.stderr.split('\n')[0]).toBe(`error: ${cases[i]![1]}`)
    }
    expect(await store.service('boards').find({ paginate: false })).toEqual([board])
  })

  it('create names a flag whose field the collection requires (exit 2), from flags or --data, and writes nothing', async () => {
    const { path, db } = tempDb()
    const results = await Promise.all([
      agor([...db, 'task', 'create', '--description', 'orphan']),
      agor([...db, 'session', 'create', '--title', 'no agent']),
      agor([...db, 'board', 'create', '--color', 'red']),
      agor([...db, 'repo', 'create', '--name', 'no slug']),
      agor([...db, 'board', 'create', '--data', '[{"name":"one"},{"color":"red"}]']),
      agor([...db, '--json', 'repo', 'create'])
    ])
    const messages = [
      '--session is required',
      '--agent is required',
      '--name is required',
      '--slug is required',
      '--name is required: document 2 of --data has no name'
    ]
    for (const [i, message] of messages.entries()) {
      expect(results[i]).toMatchObject({ code: 2, stdout: '' })
      expect(results[i]!.stderr).toMatch(new RegExp(`^error: ${message}\\n\\nUsage: agor \\w+ create`))
    }
    expect(results[5]).toMatchObject({ code: 2, stdout: '' })
    expect(JSON.parse(results[5]!.stderr)).toMatchObject({
      name: 'BadRequest',
      message: '--slug is required'
    })

    // --data may give the field instead of the flag
    const fromData = await agor([...db, 'board', 'create', '--data', '{"name":"from data"}', '--json'])
    expect(fromData.code).toBe(0)
    const store = await openFile(path)
    expect((await store.service('boards').find({ paginate: false })).map((b) => b.name)).toEqual([
      'from data'
    ])
    expect(await store.service('tasks').find({ paginate: false })).toEqual([])
    expect(await store.service('sessions').find({ paginate: false })).toEqual([])
  })
})

describe('show', () => {
  it('shows every relation column as the short id of the document it points at', async () => {
    const { path, db } = tempDb()
    const store = await openFile(path)
    const sessions = store.service('sessions')
    // two sessions whose ids share 31 digits: their short ids are long
    const [parent, other] = await sessions.create([
      { session_id: '0199b73d-0000-7000-8000-000000000001', agent: 'a', title: 'parent' },
      { session_id: '0199b73d-0000-7000-8000-000000000002', agent: 'a', title: 'other' }
    ])
    const child = await sessions.spawn({ id: parent!.session_id, title: 'child' })
    const task = await store.service('tasks').create({ session_id: other!.session_id, description: 'go' })
    const [shownTask, shownChild] = await Promise.all([
      agor([...db, 'task', 'show', task.task_id]),
      agor([...db, 'session', 'show', child.session_id])
    ])
    const [taskSession, childParent] = await store.shortIds('sessions', [
      other!.session_id,
      parent!.session_id
    ])
    expect(shownTask.stdout).toMatch(new RegExp(`^  session_id\\s+${taskSession}$`, 'm'))
    expect(shownChild.stdout).toMatch(new RegExp(`^  parent_session_id\\s+${childParent}$`, 'm'))

    const shortSession = (await sessions.create({ agent: 'b' })).session_id
    const second = await store.service('tasks').create({ session_id: shortSession })
    const shown = await agor([...db, 'task', 'show', second.task_id])
    expect(shown.stdout).toMatch(
      new RegExp(`^  session_id\\s+${await store.shortId('sessions', shortSession)}$`, 'm')
    )
    expect(shown.stdout).not.toContain(shortSession)
  })
})

describe('agor serve', () => {
  it('on a port in use says which and how to pick another (exit 1)', async () => {
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    const { port } = taken.address() as AddressInfo
    try {
      // one file each: of two daemons starting on one file at once, one is refused for the file
      const [one, two] = [tempDb().db, tempDb().db]
      const [byFlag, byEnv] = await Promise.all([
        agor([...one, 'serve', '--port', String(port)]),
        agor([...two, 'serve'], { env: { AGOR_PORT: String(port) } })
      ])
      for (const result of [byFlag, byEnv]) {
        expect(result).toEqual({
          code: 1,
          stdout: '',
          stderr: `error: Port ${port} on 127.0.0.1 is in use by another program: pick another with --port <n> or AGOR_PORT=<n>, or --port 0 for any free one\n`
        })
      }
    } finally {
      taken.close()
    }
  })
})

describe('a daemon that requires an API key', () => {
  it('answers a call without one, or with a wrong one, with a hint that names AGOR_API_KEY', async () => {
    const { db } = tempDb()
    const daemon = await startDaemon(db, { AGOR_API_KEY: 'the-right-key-0123456789' })
    const [none, wrong, noneJson, viaEnv] = await Promise.all([
      agor(['--url', daemon.url, 'session', 'list']),
      agor(['--url', daemon.url, 'session', 'list'], { env: { AGOR_API_KEY: 'a-wrong-key-0123456789' } }),
      agor(['--url', daemon.url, '--json', 'session', 'list']),
      agor(['session', 'list'], { env: { AGOR_URL: daemon.url } })
    ])
    for (const result of [none, viaEnv]) {
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'error: Not authenticated\nhint: the daemon requires an API key: set AGOR_API_KEY to one of the keys it was started with\n'
      })
    }
    expect(wrong).toMatchObject({ code: 1, stdout: '' })
    expect(wrong.stderr).toMatch(
      /^error: .+\nhint: the daemon refused the API key: set AGOR_API_KEY to one of the keys it was started with\n$/
    )
    expect(noneJson.code).toBe(1)
    expect(JSON.parse(noneJson.stderr)).toMatchObject({ name: 'NotAuthenticated', code: 401 })
  })
})

describe('db export without --out', () => {
  it('writes into ~/.agor/exports/export-<time>, says where, and leaves the current folder alone', async () => {
    const { path, db } = tempDb()
    await (await openFile(path)).service('boards').create({ name: 'exported' })
    const [home, cwd] = [tempDir(), tempDir()]
    const result = await agor([...db, 'db', 'export'], { env: { HOME: home }, cwd })
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const dir = /^Exported .* to (\S+)\n$/.exec(result.stdout)?.[1]
    expect(dir).toMatch(
      new RegExp(`^${join(home, '.agor', 'exports')}/export-\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z$`)
    )
    expect(readdirSync(dir!).sort()).toEqual(EXPORT_FILES)
    expect(readFileSync(join(dir!, 'boards.jsonl'), 'utf8')).toContain('"name":"exported"')
    expect(readdirSync(cwd)).toEqual([])
  })
})

describe('db check on a damaged file', () => {
  /**
   * A database with 2000 sessions whose page `page` (1-based, or the first leaf page of the
   * sessions table) is overwritten with garbage.
   */
  async function damaged(page: number | 'sessions'): Promise<{ path: string; db: string[] }> {
    const target = tempDb()
    const store = await openStore({ url: target.path, auth: false })
    await store
      .service('sessions')
      .create(Array.from({ length: 2000 }, (_, i) => ({ agent: `agent ${i}`, title: 't'.repeat(100) })))
    await store.close()
    // every page into the main file, so that the damage is not hidden by the write-ahead log
    const raw = createClient({ url: `file:${target.path}` })
    await raw.execute('PRAGMA wal_checkpoint(TRUNCATE)')
    const leaf = await raw.execute(
      "SELECT min(pageno) AS page FROM dbstat WHERE name = 'sessions' AND pagetype = 'leaf'"
    )
    raw.close()
    const damagedPage = page === 'sessions' ? Number(leaf.rows[0]?.page) : page
    const file = openSync(target.path, 'r+')
    writeSync(file, Buffer.alloc(4096, 0xa5), 0, 4096, (damagedPage - 1) * 4096)
    closeSync(file)
    return target
  }

  it('reports what is wrong and what to do, as text and as JSON (exit 1), and the export it advises saves every document', async () => {
    const { path, db } = await damaged(3)
    const out = join(tempDir(), 'dump')
    const [text, asJson, exported] = await Promise.all([
      agor([...db, 'db', 'check']),
      agor([...db, 'db', 'check', '--json']),
      agor([...db, 'db', 'export', '--out', out])
    ])
    expect(text).toMatchObject({ code: 1, stderr: '' })
    const lines = text.stdout.trim().split('\n')
    expect(lines[0]).toBe(`Database: ${path} (file)`)
    expect(lines[1]).toBe('FAIL  integrity')
    expect(lines).toContain('Problems found: the database file is damaged')
    expect(lines.slice(-3)).toEqual([
      'What to do:',
      '  - restore a backup of it (agor db backup makes them)',
      `  - or save what can still be read: agor db export --db ${path} --out <folder>, then agor db import <folder> --db <new file> (the export fails if the damage is in the documents themselves)`
    ])
    expect(asJson.code).toBe(1)
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      ok: false,
      readable: true,
      damaged: true,
      integrity: expect.arrayContaining([expect.stringMatching(/page 3/)]),
      advice: [
        expect.stringMatching(/^restore a backup/),
        expect.stringMatching(/^or save what can still be read/)
      ]
    })
    // the damage is not in the documents: the export reads them all from the damaged file
    expect(exported).toMatchObject({ code: 0, stderr: '' })
    const rescued = tempDb()
    expect(await agor([...rescued.db, 'db', 'import', out])).toMatchObject({ code: 0 })
    const copy = createClient({ url: `file:${rescued.path}` })
    expect((await copy.execute('SELECT count(*) AS n FROM sessions')).rows[0]?.n).toBe(2000)
    copy.close()
    expect(await agor([...rescued.db, 'db', 'check'])).toMatchObject({ code: 0 })
  })

  it('reports damage where documents are stored with the rest of the check, and the export says it cannot read them', async () => {
    const { path, db } = await damaged('sessions')
    const [text, asJson, exported] = await Promise.all([
      agor([...db, 'db', 'check']),
      agor([...db, 'db', 'check', '--json']),
      agor([...db, 'db', 'export', '--out', join(tempDir(), 'dump')])
    ])
    expect(text).toMatchObject({ code: 1, stderr: '' })
    const lines = text.stdout.trim().split('\n')
    expect(lines[1]).toBe('FAIL  integrity')
    expect(lines).toContain('ok    foreign keys')
    expect(lines).toContain(`ok    migrations: ${localMigrations().length} applied, 0 pending`)
    expect(lines).toContain('FAIL  not checked: documents: a damaged part of the file cannot be read')
    expect(lines.slice(-4)).toEqual([
      'Problems found: the database file is damaged',
      'What to do:',
      '  - restore a backup of it (agor db backup makes them)',
      '  - the damage is where documents are stored: an export of this file fails too'
    ])
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      ok: false,
      readable: true,
      damaged: true,
      documentsDamaged: true
    })
    expect(exported).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: The database ${path} is damaged: part of the file cannot be read\nhint: agor db check --db ${path} tells what is wrong and what to do\n`
    })
  })

  it('reports a file that is no database at all', async () => {
    const { path, db } = tempDb()
    writeFileSync(path, Buffer.alloc(20_000, 0xa5))
    const [text, asJson] = await Promise.all([
      agor([...db, 'db', 'check']),
      agor([...db, 'db', 'check', '--json'])
    ])
    expect(text).toEqual({
      code: 1,
      stderr: '',
      stdout: [
        `Database: ${path} (file)`,
        `FAIL  readable: Cannot open the database ${path}: the file is not a database, or its first page is damaged`,
        'Problems found: nothing in the file can be read as a database',
        'What to do:',
        '  - restore a backup of it (agor db backup makes them)',
        '  - if this file is not meant to be an agor database, check the path (--db, AGOR_DB_URL)',
        ''
      ].join('\n')
    })
    expect(asJson.code).toBe(1)
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      ok: false,
      readable: false,
      damaged: true,
      migrations: null
    })
  })
})
