// What a person sees when something goes wrong, with the CLI as a real subprocess: a closed pipe
// ends quietly, and every failure says what is wrong and what to do, without a stack trace.
import { describe, expect, it } from 'vitest'
import { openFile, shell, tempDb } from './cli-helpers.js'

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
