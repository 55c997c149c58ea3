// `agor <entity> delete` with several ids (all looked up first, then one atomic remove), and
// --all --yes, which empties a collection on purpose. Real files, a real daemon, and what is
// stored read back.
import { describe, expect, it } from 'vitest'
import { agor, type CliResult, json, openFile, shell, startDaemon, tempDb } from './cli-helpers.js'

// A and B share 31 hex digits: `0199b73d` is ambiguous between them (and C)
const A = '0199b73d-0000-7000-8000-000000000001'
const B = '0199b73d-0000-7000-8000-000000000002'
const C = '0199b73d-5000-7000-8000-000000000000'
const D = '0199b800-0000-7000-8000-000000000000'

async function fourSessions() {
  const target = tempDb()
  const store = await openFile(target.path)
  await store.service('sessions').create(
    [A, B, C, D].map((session_id, i) => ({
      session_id,
      agent: 'a',
      title: ['alpha', 'beta', 'gamma', 'delta'][i]
    }))
  )
  await store.service('tasks').create([A, C, D].map((session_id) => ({ session_id, description: 'work' })))
  const stored = async () =>
    (await store.service('sessions').find({ paginate: false, query: { $sort: { session_id: 1 } } })).map(
      (s) => s.session_id
    )
  return { ...target, store, stored }
}

function expectUsage(result: CliResult, message: string): void {
  expect(result).toMatchObject({ code: 2, stdout: '' })
  expect(result.stderr).toMatch(new RegExp(`^error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`))
}

describe('delete with several ids', () => {
  it('looks every id up first: one unknown (exit 3) or ambiguous (exit 4) deletes nothing', async () => {
    const { db, stored } = await fourSessions()
    const [unknown, ambiguous, none] = await Promise.all([
      agor([...db, 'session', 'delete', C, 'ffffffff', D]),
      agor([...db, 'session', 'delete', D, '0199b73d']),
      agor([...db, 'session', 'delete'])
    ])
    expect(unknown).toMatchObject({ code: 3, stdout: '', stderr: "error: No session matches 'ffffffff'\n" })
    expect(ambiguous).toMatchObject({ code: 4, stdout: '' })
    expect(ambiguous.stderr).toMatch(/^error: Short id '0199b73d' is ambiguous: it matches 3 sessions\n/)
    expectUsage(none, 'Give the ids of the sessions to delete, or --all --yes to delete every session')
    expect(await stored()).toEqual([A, B, C, D])
  })

  it('then deletes them all in one call, printing each (their tasks go with them), on the file and through a daemon', async () => {
    const { path, db, store, stored } = await fourSessions()
    // the same document twice, by two prefixes, is deleted once
    const deleted = await agor([...db, 'session', 'delete', '0199b800', '0199b73d-5', C])
    expect(deleted).toEqual({
      code: 0,
      stdout: `Deleted session ${D}: delta\nDeleted session ${C}: gamma\n`,
      stderr: ''
    })
    expect(await stored()).toEqual([A, B])
    expect((await store.service('tasks').find({ paginate: false })).map((t) => t.session_id)).toEqual([A])

    const daemon = await startDaemon(db)
    const viaDaemon = await agor(['--url', daemon.url, '--json', 'session', 'delete', A, B])
    expect(json<{ session_id: string }[]>(viaDaemon).map((s) => s.session_id)).toEqual([A, B])
    expect(await (await openFile(path)).service('sessions').find({ paginate: false })).toEqual([])
    expect(await store.service('tasks').find({ paginate: false })).toEqual([])
  })

  it('takes what list -q prints, through xargs', async () => {
    const { db, stored } = await fourSessions()
    const result = await shell(
      `$AGOR ${db.join(' ')} session list -q --where title~a --where title!=alpha | xargs $AGOR ${db.join(' ')} session delete`
    )
    expect(result).toMatchObject({ code: 0, stderr: '' })
    expect(result.stdout.trim().split('\n')).toHaveLength(3)
    expect(await stored()).toEqual([A])
  })

  it('without ids says so in a line and the usage (exit 2), as an empty list through xargs does; xargs -r runs nothing', async () => {
    const { db, stored } = await fourSessions()
    const empty = `$AGOR ${db.join(' ')} session list -q --where title=nobody`
    const [plain, reallyEmpty] = await Promise.all([
      shell(`${empty} | xargs $AGOR ${db.join(' ')} session delete`),
      shell(`${empty} | xargs -r $AGOR ${db.join(' ')} session delete`)
    ])
    expect(plain.code).not.toBe(0)
    expect(plain.stdout).toBe('')
    expect(plain.stderr).toBe(
      'error: Give the ids of the sessions to delete, or --all --yes to delete every session\n\n' +
        'Usage: agor session delete [options] [ids...]\n' +
        "Run 'agor session delete --help' for the options and examples.\n"
    )
    expect(reallyEmpty).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(await stored()).toEqual([A, B, C, D])
  })
})

describe('delete --all', () => {
  it('needs --yes, and no ids; deletes nothing otherwise', async () => {
    const { db, stored } = await fourSessions()
    const [unconfirmed, withIds, yesAlone] = await Promise.all([
      agor([...db, 'session', 'delete', '--all']),
      agor([...db, 'session', 'delete', '--all', '--yes', A]),
      agor([...db, 'session', 'delete', '--yes', A])
    ])
    expectUsage(
      unconfirmed,
      '--all deletes every session, and with them their tasks, messages, mcp-servers, session-mcp-servers: add --yes to confirm'
    )
    expectUsage(withIds, '--all deletes every document: give either ids or --all')
    expectUsage(yesAlone, '--yes confirms --all; to delete documents by id, give their ids')
    expect(await stored()).toEqual([A, B, C, D])
  })

  it('with --yes deletes every document of the collection, and nothing else', async () => {
    const { db, store, stored } = await fourSessions()
    await store.service('boards').create({ name: 'stays' })
    const tasks = await agor([...db, 'task', 'delete', '--all', '--yes'])
    expect(tasks).toEqual({ code: 0, stdout: 'Deleted 3 tasks\n', stderr: '' })
    expect(await store.service('tasks').find({ paginate: false })).toEqual([])
    expect(await stored()).toEqual([A, B, C, D])

    const sessions = await agor([...db, 'session', 'delete', '--all', '--yes', '--json'])
    expect(
      json<{ session_id: string }[]>(sessions)
        .map((s) => s.session_id)
        .sort()
    ).toEqual([A, B, C, D])
    expect(await stored()).toEqual([])
    expect((await store.service('boards').find({ paginate: false })).map((b) => b.name)).toEqual(['stays'])
    expect(await agor([...db, 'board', 'delete', '--all', '--yes'])).toMatchObject({
      code: 0,
      stdout: 'Deleted 1 board\n'
    })
  })
})
