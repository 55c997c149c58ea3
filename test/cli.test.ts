// The `agor` entity commands, run as real subprocesses on real database files: what they print,
// their exit codes, and what is stored afterwards.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { agor, type CliResult, json, listedIds, openFile, shell, tempDb } from './cli-helpers.js'
import { tempDir } from './helpers.js'

const open = openFile

// Ids chosen so that their short ids differ in length: A and B share 31 hex digits.
const A = '0199b73d-0000-7000-8000-000000000001'
const B = '0199b73d-0000-7000-8000-000000000002'
const C = '0199b73d-5000-7000-8000-000000000000'
const D = '0199b800-0000-7000-8000-000000000000'
const CHOSEN = [
  { session_id: A, agent: 'claude-code', title: 'alpha', status: 'running' },
  { session_id: B, agent: 'claude-code', title: 'beta', status: 'completed' },
  { session_id: C, agent: 'codex', title: 'gamma', git_state: { ref: 'main' } },
  { session_id: D, agent: 'codex', title: 'delta', status: 'failed', git_state: { ref: 'dev' } }
]

async function withChosen(): Promise<{ path: string; db: string[] }> {
  const target = tempDb()
  const created = await agor([...target.db, 'session', 'create', '--data', JSON.stringify(CHOSEN)])
  expect(created.stderr).toBe('')
  expect(created.code).toBe(0)
  return target
}

function expectUsage(result: CliResult, help: string): void {
  expect(result.code).toBe(2)
  expect(result.stderr).toMatch(/error/)
  expect(result.stderr).toContain(help)
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/)
}

describe('help, version and usage errors', () => {
  it('prints help and the version, and exits 2 with help on usage errors', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    const { db } = tempDb()
    const [help, sessionHelp, version, none, unknown, badLimit, badStatus, missingId] = await Promise.all([
      agor(['--help']),
      agor(['session', 'create', '--help']),
      agor(['--version']),
      agor([]),
      agor(['session', 'frobnicate']),
      agor([...db, 'session', 'list', '--limit', 'many']),
      agor([...db, 'session', 'create', '--agent', 'a', '--status', 'sleeping']),
      agor([...db, 'task', 'show'])
    ])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: agor')
    expect(help.stdout).toMatch(/Exit codes:\s+0 success, 1 error, 2 usage error, 3 not found, 4 ambiguous/)
    expect(sessionHelp.code).toBe(0)
    expect(sessionHelp.stdout).toContain('--agent <agent>')
    expect(sessionHelp.stdout).toContain('Examples:')
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Usage: agor [options] [command]')
    expectUsage(unknown, 'Usage: agor session')
    expectUsage(badLimit, 'Usage: agor session list')
    expectUsage(badStatus, 'Usage: agor session create')
    expectUsage(missingId, 'Usage: agor task show')
  })

  it('reports --json usage errors as Feathers error JSON', async () => {
    const result = await agor(['--json', 'session', 'list', '--bogus'])
    expect(result.code).toBe(2)
    expect(JSON.parse(result.stderr)).toMatchObject({ name: 'BadRequest', code: 400 })
  })
})

describe('short ids', () => {
  it('lists every id by its shortest unique prefix, and show takes them', async () => {
    const { path, db } = await withChosen()
    const list = await agor([...db, 'session', 'list', '--sort', 'session_id'])
    expect(list.code).toBe(0)
    expect(listedIds(list.stdout)).toEqual([A, B, '0199b73d-5', '0199b800'])
    expect(list.stdout.trim().split('\n').at(-1)).toBe('Showing 1-4 of 4 sessions')
    const store = await open(path)
    expect(await store.shortIds('sessions', [A, B, C, D])).toEqual(listedIds(list.stdout))

    // any case, dashes or not
    const shown = await Promise.all(
      ['0199b73d-5', '0199B800', A.toUpperCase()].map((id) => agor([...db, 'session', 'show', id, '--json']))
    )
    expect(shown.map((r) => json(r).session_id)).toEqual([C, D, A])
    const human = await agor([...db, 'session', 'show', '0199b73d5'])
    expect(human.stdout).toMatch(/^session 0199b73d-5\n/)
    expect(human.stdout).toContain(C)
    expect(human.stdout).toMatch(/git_state\.ref\s+main/)
  })

  it('names the candidates of an ambiguous prefix (exit 4), and exits 3 for unknown and 2 for malformed ids', async () => {
    const { db } = await withChosen()
    const [ambiguous, ambiguousJson, unknown, unknownJson, malformed] = await Promise.all([
      agor([...db, 'session', 'show', '0199b73d']),
      agor([...db, 'session', 'update', '0199B73D', '--title', 'x', '--json']),
      agor([...db, 'session', 'delete', '0199b9']),
      agor([...db, '--json', 'session', 'show', 'ffffffff']),
      agor([...db, 'session', 'show', 'not-an-id'])
    ])
    expect(ambiguous.code).toBe(4)
    expect(ambiguous.stdout).toBe('')
    const lines = ambiguous.stderr.trim().split('\n')
    expect(lines[0]).toBe("error: Short id '0199b73d' is ambiguous: it matches 3 sessions")
    const candidates = lines.filter((l) => /^hint: {3}\S/.test(l))
    expect(candidates).toHaveLength(3)
    const expected = [
      [A, 'running', 'alpha'],
      [B, 'completed', 'beta'],
      ['0199b73d-5', 'idle', 'gamma']
    ]
    for (const [i, [shortId, status, summary]] of expected.entries()) {
      expect(candidates[i]).toMatch(
        new RegExp(
          `^hint: {3}${shortId}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+${status}\\s+${summary}$`
        )
      )
    }
    expect(ambiguous.stderr).not.toMatch(/\n\s+at /)

    expect(ambiguousJson.code).toBe(4)
    const error = JSON.parse(ambiguousJson.stderr)
    expect(error).toMatchObject({ name: 'Conflict', code: 409, data: { prefix: '0199b73d' } })
    expect(error.data.candidates.map((c: { short_id: string }) => c.short_id)).toEqual([A, B, '0199b73d-5'])

    expect(unknown).toMatchObject({ code: 3, stdout: '', stderr: "error: No session matches '0199b9'\n" })
    expect(unknownJson.code).toBe(3)
    expect(JSON.parse(unknownJson.stderr)).toMatchObject({ name: 'NotFound', code: 404 })
    expectUsage(malformed, 'Usage: agor session show')
    expect(malformed.stderr).toContain('Invalid id "not-an-id"')
  })

  it('keeps bursts of sessions and tasks apart: every id list printed shows its own document', async () => {
    const { path, db } = tempDb()
    const titles = ['one', 'two', 'three', 'four']
    const created = await Promise.all(
      titles.map((t) => agor([...db, 'session', 'create', '--agent', 'a', '--title', t]))
    )
    expect(created.map((r) => r.code)).toEqual(titles.map(() => 0))
    const list = await agor([...db, 'session', 'list'])
    const ids = listedIds(list.stdout)
    expect(ids).toHaveLength(4)
    const shown = await Promise.all(ids.map((id) => agor([...db, 'session', 'show', id, '--json'])))
    const store = await open(path)
    const stored = await store
      .service('sessions')
      .find({ paginate: false, query: { $sort: { created_at: -1 } } })
    expect(shown.map((r) => json(r).session_id)).toEqual(stored.map((s) => s.session_id))
    expect(
      await store.shortIds(
        'sessions',
        stored.map((s) => s.session_id)
      )
    ).toEqual(ids)
    expect(new Set(shown.map((r) => json(r).title))).toEqual(new Set(titles))

    // tasks made in one burst, by the short id of their session
    const session = ids[0]!
    const tasks = await Promise.all(
      ['t1', 't2'].map((d) => agor([...db, 'task', 'create', '--session', session, '--description', d]))
    )
    expect(tasks.map((r) => r.code)).toEqual([0, 0])
    const taskList = await agor([...db, 'task', 'list', '--session', session])
    const taskIds = listedIds(taskList.stdout)
    expect(taskIds).toHaveLength(2)
    const taskShown = await Promise.all(taskIds.map((id) => agor([...db, 'task', 'show', id, '--json'])))
    expect(taskShown.map((r) => json(r).session_id)).toEqual([stored[0]!.session_id, stored[0]!.session_id])
    expect(taskList.stdout).toMatch(new RegExp(`^\\S+\\s+created\\s+${session}\\s`, 'm'))
  })
})

describe('list', () => {
  it('filters by status, --where (dot paths, operators, null) and sorts, pages and counts the filtered set', async () => {
    const { db } = await withChosen()
    const ids = async (...args: string[]) => {
      const result = await agor([...db, 'session', 'list', '--json', ...args])
      return json<{ total: number; data: { session_id: string }[] }>(result)
    }
    const [running, some, ref, notRef, like, noRef, paged, newer] = await Promise.all([
      ids('--status', 'running'),
      ids('--status', 'running,failed', '--sort', '-session_id'),
      ids('--where', 'git_state.ref=main'),
      ids('--where', 'git_state.ref!=main', '--where', 'agent=codex'),
      ids('--where', 'title~lph'),
      ids('--where', 'git_state=null', '--sort', 'title'),
      ids('--sort', 'title', '--limit', '2', '--skip', '1'),
      ids('--where', `created_at>=2000-01-01`, '--where', 'created_at<2999-01-01', '--limit', '0')
    ])
    expect(running.data.map((s) => s.session_id)).toEqual([A])
    expect(some.data.map((s) => s.session_id)).toEqual([D, A])
    expect(ref.data.map((s) => s.session_id)).toEqual([C])
    expect(notRef.data.map((s) => s.session_id)).toEqual([D])
    expect(like.data.map((s) => s.session_id)).toEqual([A])
    expect(noRef.data.map((s) => s.session_id)).toEqual([A, B])
    expect(paged).toMatchObject({ total: 4, limit: 2, skip: 1 })
    expect(paged.data.map((s) => s.session_id)).toEqual([B, D])
    expect(newer).toMatchObject({ total: 4, data: [] })

    const footer = await agor([
      ...db,
      'session',
      'list',
      '--where',
      'agent=codex',
      '--limit',
      '1',
      '--sort',
      'title'
    ])
    expect(footer.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^ID\s+STATUS\s+AGENT\s+CREATED\s+SUMMARY$/),
      expect.stringMatching(/^0199b800\s+failed\s+codex\s+\S.*\s+delta$/),
      'Showing 1-1 of 2 sessions'
    ])
    const [badWhere, unknownField, badStatus, unknownSort, badTime] = await Promise.all([
      agor([...db, 'session', 'list', '--where', 'title']),
      agor([...db, 'session', 'list', '--where', 'colour=red']),
      agor([...db, 'session', 'list', '--status', 'runing']),
      agor([...db, 'session', 'list', '--sort', 'colour']),
      agor([...db, 'session', 'list', '--where', 'created_at>yesterday'])
    ])
    // flags the service refuses are bad flag values too: exit 2 with the help
    for (const result of [badWhere, badStatus, unknownField, unknownSort, badTime]) {
      expectUsage(result, 'Usage: agor session list')
    }
    expect(unknownField.stderr).toMatch(/^error: Unknown field 'colour' in sessions query\n/)
    expect(unknownSort.stderr).toMatch(/^error: Unknown field 'colour' in sessions query\n/)
  })

  it('colours only for terminals: not in pipes, not with NO_COLOR or --no-color, yes with FORCE_COLOR', async () => {
    const { db } = await withChosen()
    const args = [...db, 'session', 'list']
    const [plain, forced, noColor, noColorFlag] = await Promise.all([
      agor(args),
      agor(args, { env: { FORCE_COLOR: '1' } }),
      agor(args, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }),
      agor([...args, '--no-color'], { env: { FORCE_COLOR: '1' } })
    ])
    const ansi = '\u001b['
    expect(plain.stdout).not.toContain(ansi)
    expect(forced.stdout).toContain(`${ansi}33mrunning`)
    expect(noColor.stdout).not.toContain(ansi)
    expect(noColorFlag.stdout).not.toContain(ansi)
  })
})

describe('--json', () => {
  it('prints exactly what the service returned, for scripts to pipe', async () => {
    const { path, db } = await withChosen()
    const store = await open(path)
    const piped = await shell(
      `$AGOR ${db.join(' ')} session list --json --sort session_id | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const p=JSON.parse(s);console.log(p.total, p.data.map(d=>d.title).join(','))})"`
    )
    expect(piped).toMatchObject({ code: 0, stdout: '4 alpha,beta,gamma,delta\n', stderr: '' })

    const [list, show] = await Promise.all([
      agor([...db, 'session', 'list', '--json', '--where', 'agent=codex', '--sort', 'session_id']),
      agor([...db, 'session', 'show', '0199b80', '--json'])
    ])
    const sessions = store.service('sessions')
    expect(json(list)).toEqual(await sessions.find({ query: { agent: 'codex', $sort: { session_id: 1 } } }))
    expect(json(show)).toEqual(await sessions.get(D))
  })
})

describe('writes', () => {
  it('creates from flags and --data (inline, @file, @-), merges on update, replaces with --replace, deletes', async () => {
    const { path, db } = tempDb()
    const file = join(tempDir(), 'session.json')
    writeFileSync(file, JSON.stringify({ agent: 'from-file', custom_context: { ticket: 42 } }))
    const fromFlags = json(
      await agor([
        ...db,
        'session',
        'create',
        '--agent',
        'claude',
        '--title',
        'T',
        '--ref',
        'main',
        '--status',
        'running',
        '--data',
        '{"description":"d"}',
        '--json'
      ])
    )
    const fromFile = json(await agor([...db, 'session', 'create', '--data', `@${file}`, '--json']))
    const fromStdin = json(
      await agor([...db, 'session', 'create', '--data', '@-', '--json'], { input: '{"agent":"stdin"}' })
    )
    expect(fromFlags).toMatchObject({
      agent: 'claude',
      title: 'T',
      status: 'running',
      git_state: { ref: 'main' },
      description: 'd'
    })
    expect(fromFile).toMatchObject({ agent: 'from-file', custom_context: { ticket: 42 } })
    expect(fromStdin).toMatchObject({ agent: 'stdin', status: 'idle' })

    const id = String(fromFlags.session_id)
    const updated = await agor([
      ...db,
      'session',
      'update',
      id.slice(0, 13),
      '--status',
      'completed',
      '--data',
      '{"git_state":{"base_sha":"abc"}}'
    ])
    expect(updated.code).toBe(0)
    expect(updated.stdout).toMatch(/^Updated session \S+ \(.+\): T\n$/)
    const store = await open(path)
    expect(await store.service('sessions').get(id)).toMatchObject({
      status: 'completed',
      title: 'T',
      git_state: { ref: 'main', base_sha: 'abc' }
    })
    const replaced = await agor([...db, 'session', 'update', id, '--replace', '--agent', 'codex'])
    expect(replaced.code).toBe(0)
    const after = await store.service('sessions').get(id)
    expect(after).toMatchObject({ agent: 'codex', status: 'idle' })
    expect(after).not.toHaveProperty('title')

    const [invalid, nothing, badJson] = await Promise.all([
      agor([...db, 'session', 'create', '--agent', '', '--title', 'empty agent']),
      agor([...db, 'session', 'update', id]),
      agor([...db, 'session', 'create', '--data', '{oops'])
    ])
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toMatch(/^error: Invalid session: agent: /)
    expectUsage(nothing, 'Usage: agor session update')
    expectUsage(badJson, 'Usage: agor session create')

    const removed = await agor([...db, 'session', 'delete', id])
    expect(removed).toMatchObject({ code: 0, stdout: `Deleted session ${id}: codex\n` })
    expect(
      (await store.service('sessions').find({ paginate: false })).map((s) => s.session_id)
    ).not.toContain(id)
    expect(await store.service('sessions').find({ paginate: false })).toHaveLength(2)
  })

  it('boards and repos, tasks by session short id, and cascade delete', async () => {
    const { path, db } = tempDb()
    const [board, repo] = await Promise.all([
      agor([...db, 'board', 'create', '--name', 'Release', '--color', 'blue', '--json']),
      agor([...db, 'repo', 'create', '--slug', 'agor/store', '--default-branch', 'main', '--json'])
    ])
    expect(json(board)).toMatchObject({ name: 'Release', color: 'blue' })
    expect(json(repo)).toMatchObject({ slug: 'agor/store', default_branch: 'main' })
    const duplicate = await agor([...db, 'repo', 'create', '--slug', 'agor/store'])
    expect(duplicate).toMatchObject({
      code: 1,
      stderr: 'error: A repo with slug "agor/store" already exists\n'
    })

    const session = json(await agor([...db, 'session', 'create', '--agent', 'a', '--json']))
    const short = String(session.session_id).slice(0, 8)
    const task = json(
      await agor([...db, 'task', 'create', '--session', short, '--prompt', 'Do it', '--json'])
    )
    expect(task).toMatchObject({ session_id: session.session_id, full_prompt: 'Do it', status: 'created' })
    const done = json(
      await agor([...db, 'task', 'update', String(task.task_id), '--status', 'completed', '--json'])
    )
    expect(done.completed_at).toBe(done.updated_at)
    const missing = await agor([...db, 'task', 'create', '--session', 'ffffffff'])
    // at the terminal, a --session that names nothing is not found, like an id argument
    expect(missing).toMatchObject({ code: 3, stderr: "error: No session matches 'ffffffff'\n" })
    const listed = await agor([...db, 'task', 'list', '--session', 'ffffffff'])
    expect(listed).toMatchObject({ code: 3, stderr: "error: No session matches 'ffffffff'\n" })

    expect((await agor([...db, 'session', 'delete', String(session.session_id)])).code).toBe(0)
    const store = await open(path)
    expect(await store.service('tasks').find({ paginate: false })).toEqual([])
    expect((await agor([...db, 'task', 'list'])).stdout).toBe('No tasks\n')
  })

  it('tree, fork and spawn', async () => {
    const { path, db } = tempDb()
    const root = json(
      await agor([
        ...db,
        'session',
        'create',
        '--agent',
        'claude',
        '--title',
        'root',
        '--ref',
        'main',
        '--json'
      ])
    )
    const rootId = String(root.session_id)
    const child = json(await agor([...db, 'session', 'spawn', rootId, '--title', 'child', '--json']))
    const fork = json(await agor([...db, 'session', 'fork', rootId, '--title', 'fork', '--json']))
    expect(child).toMatchObject({ parent_session_id: rootId, agent: 'claude', git_state: { ref: 'main' } })
    expect(fork).toMatchObject({ forked_from_session_id: rootId, title: 'fork' })
    const grandchild = await agor([
      ...db,
      'session',
      'spawn',
      String(child.session_id),
      '--agent',
      'codex',
      '--title',
      'grandchild'
    ])
    expect(grandchild.stdout).toMatch(/^Spawned session \S+ \(.+\): grandchild\n$/)

    const store = await open(path)
    const short = (id: unknown) => store.shortId('sessions', String(id))
    const tree = await agor([...db, 'session', 'tree', String(child.session_id)])
    expect(tree.code).toBe(0)
    const lines = tree.stdout.trim().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^${await short(rootId)}\\s+idle\\s+root$`))
    expect(lines[1]).toMatch(
      new RegExp(`^└─ ${await short(child.session_id)}\\s+idle\\s+spawned\\s+child\\s+← this session$`)
    )
    expect(lines[2]).toMatch(/^ {3}└─ \S+\s+idle\s+spawned\s+grandchild$/)
    const treeJson = json(await agor([...db, 'session', 'tree', rootId, '--json']))
    expect(treeJson).toEqual(await store.service('sessions').genealogy({ id: rootId }))
  })
})
