// `agor workspace` and `agor key`, `--workspace` on every command, export and import of several
// workspaces, and a daemon that serves workspaces' keys: the built CLI in its own processes, on
// real files; what is stored is read back.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { agor, json, openFile, startDaemon, tempDb } from './cli-helpers.js'
import { baseCounts, tempDir } from './helpers.js'
import { request } from './transport-helpers.js'

async function twoWorkspaces() {
  const target = tempDb()
  for (const name of ['acme', 'beta'])
    expect((await agor([...target.db, 'workspace', 'create', name])).code).toBe(0)
  const key = async (workspace: string, name: string) =>
    json<{ name: string; key: string; workspace: string }>(
      await agor([...target.db, '--json', 'key', 'create', '--workspace', workspace, '--name', name])
    )
  return { ...target, key }
}

describe('agor workspace and agor key', () => {
  it('make workspaces and keys, shown once and stored as digests, listed without them, revoked', async () => {
    const { db, path, key } = await twoWorkspaces()
    const made = await key('acme', 'ci')
    expect(Object.keys(made).sort()).toEqual(['key', 'name', 'workspace'])
    expect(made).toMatchObject({ name: 'ci', workspace: 'acme' })
    expect(made.key).toMatch(/^agor_[A-Za-z0-9_-]{43}$/)
    expect(readFileSync(path).includes(made.key)).toBe(false)
    const store = await openFile(path)
    const stored = await store.database.connection.execute('SELECT * FROM agor_api_keys')
    expect(JSON.stringify(stored.rows)).not.toContain(made.key)
    const listed = await agor([...db, 'key', 'list'])
    expect(listed.stdout).toContain('ci  workspace acme')
    expect(listed.stdout).not.toContain(made.key)
    expect(
      json<{ name: string }[]>(await agor([...db, '--json', 'workspace', 'list'])).map((w) => w.name)
    ).toEqual(['acme', 'beta', 'default'])
    // refused: a second key of that name, a workspace that does not exist, a bad name
    expect((await agor([...db, 'key', 'create', '--workspace', 'acme', '--name', 'ci'])).code).toBe(1)
    expect((await agor([...db, 'key', 'create', '--workspace', 'nope', '--name', 'x'])).code).toBe(3)
    expect((await agor([...db, 'workspace', 'create', 'Bad Name'])).code).toBe(1)
    expect((await agor([...db, '--workspace', 'beta', 'key', 'revoke', 'ci'])).code).toBe(3)
    expect((await agor([...db, '--workspace', 'nope', 'key', 'list'])).code).toBe(3)
    expect((await agor([...db, 'key', 'revoke', 'ci'])).stdout).toContain('Revoked key ci of workspace acme')
    expect((await agor([...db, 'key', 'revoke', 'ci'])).code).toBe(3)
    expect(
      (await store.database.connection.execute('SELECT count(*) AS n FROM agor_api_keys')).rows[0]?.n
    ).toBe(0)
  })

  it('--workspace scopes every command; short ids are per workspace', async () => {
    const { db } = await twoWorkspaces()
    const created = json<{ session_id: string }>(
      await agor([
        ...db,
        '--workspace',
        'acme',
        '--json',
        'session',
        'create',
        '--agent',
        'a',
        '--title',
        'acme'
      ])
    )
    await agor([...db, 'session', 'create', '--agent', 'd', '--title', 'default'])
    const acme = await agor([...db, '--workspace', 'acme', 'session', 'list', '-q'])
    expect(acme.stdout.trim()).toBe(created.session_id.slice(0, 8))
    expect((await agor([...db, 'session', 'show', created.session_id])).code).toBe(3)
    expect((await agor([...db, '--workspace', 'beta', 'session', 'list', '--json'])).stdout).not.toContain(
      created.session_id
    )
    expect((await agor([...db, '--workspace', 'nope', 'session', 'list'])).code).toBe(3)
    const log = json<{ workspace: string }[]>(await agor([...db, '--workspace', 'acme', '--json', 'log']))
    expect(log.map((c) => c.workspace)).toEqual(['acme'])
  })

  it('export every workspace, or one, and import each back into its own', async () => {
    const { db } = await twoWorkspaces()
    for (const workspace of ['acme', 'beta', 'default'])
      await agor([...db, '--workspace', workspace, 'board', 'create', '--name', `board of ${workspace}`])
    const all = join(tempDir(), 'all')
    const exported = await agor([...db, 'db', 'export', '--out', all])
    expect(baseCounts(exported.stdout)).toContain('3 boards of 3 workspaces (default, acme, beta)')
    const line = (file: string) => JSON.parse(readFileSync(file, 'utf8').trim()).name
    expect(line(join(all, 'boards.jsonl'))).toBe('board of default')
    expect(line(join(all, 'workspaces', 'acme', 'boards.jsonl'))).toBe('board of acme')
    const one = join(tempDir(), 'one')
    expect((await agor([...db, '--workspace', 'beta', 'db', 'export', '--out', one])).code).toBe(0)
    expect(line(join(one, 'boards.jsonl'))).toBe('board of beta')
    expect(JSON.parse(readFileSync(join(one, 'manifest.json'), 'utf8')).workspace).toBe('beta')

    const copy = tempDb()
    expect((await agor([...copy.db, 'db', 'import', all])).code).toBe(0)
    for (const workspace of ['acme', 'beta', 'default']) {
      const boards = json<{ data: { name: string }[] }>(
        await agor([...copy.db, '--workspace', workspace, '--json', 'board', 'list'])
      )
      expect(boards.data.map((b) => b.name)).toEqual([`board of ${workspace}`])
    }
    const into = tempDb()
    expect((await agor([...into.db, '--workspace', 'other', 'db', 'import', one])).code).toBe(0)
    const other = json<{ data: { name: string }[] }>(
      await agor([...into.db, '--workspace', 'other', '--json', 'board', 'list'])
    )
    expect(other.data.map((b) => b.name)).toEqual(['board of beta'])
    const several = await agor([...into.db, '--workspace', 'other', 'db', 'import', all])
    expect(several.code).toBe(1)
    expect(several.stderr).toContain('holds several workspaces')
  })

  it('a daemon of a database with keys requires them, and the CLI beside it still works', async () => {
    const { db, key } = await twoWorkspaces()
    const acme = await key('acme', 'acme-key')
    const daemon = await startDaemon(db)
    expect((await request(daemon.url, 'GET', '/sessions')).status).toBe(401)
    const made = await request(
      daemon.url,
      'POST',
      '/sessions',
      { agent: 'over rest' },
      { 'x-api-key': acme.key }
    )
    expect(made.status).toBe(201)
    const listed = await agor([...db, '--workspace', 'acme', '--json', 'session', 'list'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain(made.body.session_id)
    expect((await agor([...db, '--json', 'session', 'list'])).stdout).not.toContain(made.body.session_id)
  })
})
