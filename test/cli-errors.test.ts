// What a person sees when something goes wrong, with the CLI as a real subprocess: a closed pipe
// ends quietly, and every failure says what is wrong and what to do, without a stack trace.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { agor, openFile, shell, tempDb } from './cli-helpers.js'
import { tempDir } from './helpers.js'

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
    expect(exported.stdout).toBe(`Exported 1 session, 0 tasks, 1 board, 0 repos to ${out}\n`)
    const imported = await agor([...tempDb().db, 'db', 'import', out])
    expect(imported.stdout).toBe(`Imported 1 board, 0 repos, 1 session, 0 tasks from ${out}\n`)
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
