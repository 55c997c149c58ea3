// Shell completion: the scripts `agor completion bash|zsh|fish` prints, and the hidden
// `agor __complete` they call, which answers from the command tree and from the ids of the last
// list of each collection (kept under ~/.agor).
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'
import { collections } from '../src/schema/index.js'
import { agor, CLI, cliEnv, openFile, startDaemon, tempDb } from './cli-helpers.js'
import { tempDir } from './helpers.js'

/** What `agor __complete <words>` offers, with HOME at `home`. */
async function complete(home: string, ...words: string[]): Promise<string[]> {
  const result = await agor(['__complete', ...words], { env: { HOME: home } })
  expect(result).toMatchObject({ code: 0, stderr: '' })
  return result.stdout.split('\n').filter(Boolean)
}

function hasShell(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0
}

describe('agor completion', () => {
  it('prints a script for bash, zsh and fish that the shell accepts, and refuses other shells (exit 2)', async () => {
    const [csh, ...scripts] = await Promise.all(
      ['csh', 'bash', 'zsh', 'fish'].map((shell) => agor(['completion', shell]))
    )
    for (const [i, shell] of ['bash', 'zsh', 'fish'].entries()) {
      const result = scripts[i]!
      expect(result).toMatchObject({ code: 0, stderr: '' })
      expect(result.stdout).toContain('agor __complete')
      if (hasShell(shell)) {
        const file = join(tempDir(), `agor.${shell}`)
        writeFileSync(file, result.stdout)
        // syntax only: -n reads without running
        expect(spawnSync(shell, ['-n', file], { encoding: 'utf8' }).stderr).toBe('')
      }
    }
    expect(hasShell('bash')).toBe(true)
    expect(csh!.code).toBe(2)
    expect(csh!.stderr).toContain('Allowed choices are bash, zsh, fish')
  })

  it('completes commands, subcommands, flags and choices from the command tree', async () => {
    const home = tempDir()
    const [top, s, verbs, listFlags, globals, status, conflict, shells, help] = await Promise.all([
      complete(home, ''),
      complete(home, 's'),
      complete(home, 'session', ''),
      complete(home, 'session', 'list', '--s'),
      complete(home, '--db', 'x.db', 'task', 'create', '--'),
      complete(home, 'task', 'update', 'abcd', '--status', ''),
      complete(home, 'db', 'import', 'dump', '--on-conflict', 'r'),
      complete(home, 'completion', ''),
      complete(home, 'db', '')
    ])
    const entities = Object.values(collections)
      .filter((c) => c.key === 'uuid')
      .map((c) => c.singular)
    expect(top).toEqual([...entities, 'kv', 'db', 'log', 'watch', 'workspace', 'key', 'serve', 'completion'])
    expect(entities.slice(0, 4)).toEqual(['session', 'task', 'board', 'repo'])
    expect(s).toEqual([...entities.filter((e) => e.startsWith('s')), 'serve'])
    expect(s).toContain('session')
    expect(verbs).toEqual(['list', 'show', 'create', 'update', 'delete', 'tree', 'fork', 'spawn'])
    expect(listFlags).toEqual(['--status', '--search', '--since', '--sort', '--skip'])
    expect(globals).toEqual(
      expect.arrayContaining(['--session', '--description', '--status', '--data', '--db', '--json', '--help'])
    )
    expect(status).toEqual([...collections.tasks.statuses!])
    expect(conflict).toEqual(['replace'])
    expect(shells).toEqual(['bash', 'zsh', 'fish'])
    expect(help).toEqual([
      'setup',
      'migrate',
      'status',
      'backup',
      'sync',
      'check',
      'export',
      'import',
      'import-agor'
    ])
  })

  it('completes ids from the last list of their collection, for id arguments and flags that name documents', async () => {
    const home = tempDir()
    const { path, db } = tempDb()
    const store = await openFile(path)
    await store.service('sessions').create([
      { session_id: '0199b73d-0000-7000-8000-000000000001', agent: 'a' },
      { session_id: '0199b73d-0000-7000-8000-000000000002', agent: 'a' },
      { session_id: '0199b800-0000-7000-8000-000000000000', agent: 'a' }
    ])
    expect(await complete(home, ...db, 'session', 'show', '')).toEqual([])
    const listed = await agor([...db, 'session', 'list', '--sort', 'session_id'], { env: { HOME: home } })
    expect(listed.code).toBe(0)
    const ids = ['0199b73d-0000-7000-8000-000000000001', '0199b73d-0000-7000-8000-000000000002', '0199b800']
    expect(JSON.parse(readFileSync(join(home, '.agor', 'last-list.json'), 'utf8'))).toEqual({
      [path]: { sessions: ids }
    })

    const [show, prefixed, deleteMany, taskFlag, taskFilter, boards, dbAfter] = await Promise.all([
      complete(home, ...db, 'session', 'show', ''),
      complete(home, ...db, 'session', 'show', '0199b8'),
      complete(home, ...db, 'session', 'rm', ids[0]!, ''),
      complete(home, ...db, 'task', 'create', '--session', ''),
      complete(home, ...db, 'task', 'list', '--session', '0199b73d'),
      complete(home, ...db, 'board', 'show', ''),
      complete(home, 'session', 'show', '--db', path, '')
    ])
    expect(show).toEqual(ids)
    expect(prefixed).toEqual(['0199b800'])
    expect(deleteMany).toEqual(ids)
    expect(taskFlag).toEqual(ids)
    expect(taskFilter).toEqual(ids.slice(0, 2))
    expect(boards).toEqual([])
    expect(dbAfter).toEqual(ids)

    // the bash script, run by bash as it runs on <TAB>, with agor being the built CLI
    const line = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `agor() { "${process.execPath}" "${CLI}" "$@"; }
source <(agor completion bash)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_agor_complete; printf '%s\\n' "\${COMPREPLY[@]}"`
        ],
        { env: cliEnv({ HOME: home }), encoding: 'utf8' }
      )
        .split('\n')
        .filter(Boolean)
    expect(line(['agor', 'session', 'sh'])).toEqual(['show'])
    expect(line(['agor', ...db, 'session', 'show', '0199b7'])).toEqual(ids.slice(0, 2))
  })

  it('keeps the last list per workspace: the ids of one are not offered in another', async () => {
    const home = tempDir()
    const { path, db } = tempDb()
    const store = await openFile(path)
    await store.database.workspaces.create('acme')
    await store.service('boards').create({ board_id: '0199b73d-0000-7000-8000-000000000001', name: 'a' })
    await store
      .service('boards')
      .create({ board_id: '0199c000-0000-7000-8000-000000000001', name: 'b' }, { workspace: 'acme' })
    for (const args of [db, [...db, '--workspace', 'acme']])
      expect((await agor([...args, 'board', 'list', '-q'], { env: { HOME: home } })).code).toBe(0)
    expect(await complete(home, ...db, 'board', 'show', '')).toEqual(['0199b73d'])
    expect(await complete(home, ...db, '--workspace', 'acme', 'board', 'show', '')).toEqual(['0199c000'])
    expect(await complete(home, ...db, '--workspace=acme', 'board', 'show', '')).toEqual(['0199c000'])
  })

  it('keeps the last list per database: the ids of one are not offered for another', async () => {
    const home = tempDir()
    const [one, other] = [tempDb(), tempDb()]
    await (await openFile(one.path))
      .service('boards')
      .create({ board_id: '0199b73d-0000-7000-8000-000000000001', name: 'a' })
    await (await openFile(other.path))
      .service('boards')
      .create({ board_id: '0199c000-0000-7000-8000-000000000001', name: 'b' })
    const defaultDb = join(home, '.agor', 'agor.db')
    mkdirSync(dirname(defaultDb))
    copyFileSync(inject('templateDatabase'), defaultDb)
    await (await openFile(defaultDb))
      .service('boards')
      .create({ board_id: '0199d000-0000-7000-8000-000000000001', name: 'c' })
    for (const db of [one.db, other.db, []]) {
      expect((await agor([...db, 'board', 'list', '-q'], { env: { HOME: home } })).code).toBe(0)
    }
    const daemon = await startDaemon(other.db)
    expect((await agor(['--url', daemon.url, 'board', 'list'], { env: { HOME: home } })).code).toBe(0)
    await daemon.stop()
    const [first, second, byDefault, byEnv, byUrl, unknown] = await Promise.all([
      complete(home, ...one.db, 'board', 'show', ''),
      complete(home, `--db=${other.path}`, 'board', 'show', ''),
      complete(home, 'board', 'show', ''),
      agor(['__complete', 'board', 'show', ''], { env: { HOME: home, AGOR_DB_URL: other.path } }),
      complete(home, '--url', `${daemon.url}/`, 'board', 'show', ''),
      complete(home, '--db', join(tempDir(), 'none.db'), 'board', 'show', '')
    ])
    expect(first).toEqual(['0199b73d'])
    expect(second).toEqual(['0199c000'])
    expect(byDefault).toEqual(['0199d000'])
    expect(byEnv.stdout).toBe('0199c000\n')
    expect(byUrl).toEqual(['0199c000'])
    expect(unknown).toEqual([])
  })

  it('offers the statuses of list --status, after those typed already', async () => {
    const home = tempDir()
    const [empty, typed, second, task] = await Promise.all([
      complete(home, 'session', 'list', '--status', ''),
      complete(home, 'session', 'list', '--status', 'r'),
      complete(home, 'session', 'ls', '--status', 'running,'),
      complete(home, 'task', 'list', '--status', 'created,running,c')
    ])
    expect(empty).toEqual([...collections.sessions.statuses!])
    expect(empty).toContain('idle')
    expect(typed).toEqual(['running'])
    expect(second).toEqual([
      'running,idle',
      'running,awaiting_permission',
      'running,completed',
      'running,failed'
    ])
    expect(task).toEqual(['created,running,completed'])
  })

  it('a list works when the ids cannot be kept (no writable ~/.agor)', async () => {
    const { db } = tempDb()
    const notAFolder = join(tempDir(), 'file')
    writeFileSync(notAFolder, '')
    const result = await agor([...db, 'session', 'list'], { env: { HOME: notAFolder } })
    expect(result).toEqual({ code: 0, stdout: 'No sessions\n', stderr: '' })
    expect(existsSync(join(notAFolder, '.agor'))).toBe(false)
  })
})
