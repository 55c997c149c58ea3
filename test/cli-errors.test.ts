// What a person sees when something goes wrong, with the CLI as a real subprocess: a closed pipe
// ends quietly, and every failure says what is wrong and what to do, without a stack trace.
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
