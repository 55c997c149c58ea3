// The built library loads wherever its user runs: `node -e`, the REPL and some tools give a
// process a global `require` that resolves from the current folder, where libsql may not be.
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'
import { ROOT } from '../scripts/built-cli.js'

const run = promisify(execFile)

it('loads and opens a database from node -e in a folder of its own', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'agor-load-'))
  const entry = pathToFileURL(join(ROOT, 'dist', 'index.js')).href
  const script = `import(${JSON.stringify(entry)}).then(async ({ openStore }) => {
    const store = await openStore({ url: 'file:' + ${JSON.stringify(join(folder, 'x.db'))} })
    const made = await store.service('sessions').create({ agent: 'loaded' })
    console.log((await store.service('sessions').get(made.session_id)).agent)
    await store.close()
  })`
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: folder })
  expect(stdout.trim()).toBe('loaded')
})
