// The README's recipe for a new collection, followed in a scratch copy of the repository: one file
// in src/schema/, its entry in the registry, `npm run db:generate`, a build. No other edit: the
// store, REST, socket.io, connect(), the CLI, export/import and db check must all serve it, and the
// library's types must know it (the scratch build type-checks a use of it).
// The collection is called gizmos, not the README's widgets, so that this test also holds in a
// copy where a reader has already added widgets.
import { execFile } from 'node:child_process'
import { cpSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from './cli-helpers.js'
import { tempDir } from './helpers.js'

const run = promisify(execFile)
const scratch = join(tempDir(), 'agor-store')
const home = tempDir()

const WIDGETS = `import { z } from 'zod'
import { boards } from './boards.js'
import { defineCollection, idString, nonBlank, optional } from './collection.js'

/** A gizmo on a board: a collection like the README's widgets. */
export const gizmos = defineCollection({
  name: 'gizmos',
  singular: 'gizmo',
  idField: 'gizmo_id',
  statuses: ['draft', 'done'],
  fields: () => ({
    label: nonBlank(),
    size: optional(z.number().int()),
    board_id: optional(idString())
  }),
  relations: { board_id: { target: () => boards, onDelete: 'cascade' } },
  indexes: ['label'],
  search: ['label'],
  summary: (w) => w.label
})
`

// compiled with the scratch build: it fails to build unless the types derive from the registry
const USAGE = `import { connect, openStore } from './index.js'

export async function typedUse(): Promise<string> {
  const store = await openStore({ url: ':memory:' })
  const gizmo = await store.service('gizmos').create({ label: 'typed', size: 2 })
  const label: string = gizmo.label
  const id: string = gizmo.gizmo_id
  const client = connect('http://127.0.0.1:1', { transport: 'rest' })
  const remote = await client.app.service('gizmos').get(id)
  await store.close()
  return label + remote.label
}
`

/** The library, REST, socket.io and connect() on a served store of the scratch build. */
const DRIVE = `import { io } from 'socket.io-client'
import { connect, createServer, openStore } from './dist/index.js'

const url = process.argv[2]
const out = {}
const store = await openStore({ url, auth: false })
const gizmos = store.service('gizmos')
const board = await store.service('boards').create({ name: 'B' })
const made = await gizmos.create([{ label: 'a', size: 3, board_id: board.board_id }, { label: 'b', size: 9 }])
const short = await store.shortId('gizmos', made[0].gizmo_id)
out.library = {
  created: made.length,
  byPrefix: (await gizmos.get(short)).label,
  found: (await gizmos.find({ query: { size: { $gt: 5 } }, paginate: false })).map((w) => w.label),
  searched: (await gizmos.find({ query: { $search: 'B' }, paginate: false })).map((w) => w.label),
  patched: (await gizmos.patch(short, { status: 'done' })).status
}
const server = await createServer(store, { host: '127.0.0.1', port: 0 })
const post = await fetch(server.url + '/gizmos', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ label: 'rest', size: 1 })
})
out.rest = {
  status: post.status,
  list: (await (await fetch(server.url + '/gizmos?size[$lt]=5&$sort[size]=1')).json()).data.map((w) => w.label),
  refused: (await fetch(server.url + '/gizmos', { method: 'DELETE' })).status
}
const socket = connect(server.url)
const events = []
socket.app.service('gizmos').on('created', (w) => events.push(w.label))
const viaSocket = await socket.app.service('gizmos').create({ label: 'socket' })
await gizmos.create({ label: 'in-process' })
while (events.length < 2) await new Promise((resolve) => setTimeout(resolve, 10))
const rest = connect(server.url, { transport: 'rest' })
out.client = {
  socket: viaSocket.label,
  events: events.toSorted(),
  rest: (await rest.app.service('gizmos').get(viaSocket.gizmo_id)).label,
  shortIdIsPrefix: viaSocket.gizmo_id.startsWith((await rest.app.service('gizmos').shortIds({ ids: [viaSocket.gizmo_id] }))[0])
}
socket.close()
await server.close()
await store.close()
console.log(JSON.stringify(out))
`

async function inScratch(command: string, args: string[]) {
  return run(command, args, { cwd: scratch, env: { ...process.env, HOME: home } })
}

async function agor(args: string[]) {
  const result = await inScratch(process.execPath, [join(scratch, 'dist/cli/main.cjs'), ...args]).catch(
    (error: { code: number; stdout: string; stderr: string }) => error
  )
  return { code: 'code' in result ? result.code : 0, stdout: result.stdout, stderr: result.stderr }
}

beforeAll(async () => {
  for (const item of ['src', 'scripts', 'drizzle', 'package.json', 'tsconfig.json', 'drizzle.config.ts']) {
    cpSync(join(ROOT, item), join(scratch, item), { recursive: true })
  }
  symlinkSync(join(ROOT, 'node_modules'), join(scratch, 'node_modules'))
  // the recipe: the file, and its entry in the registry (its import and its name in the list)
  writeFileSync(join(scratch, 'src/schema/gizmos.ts'), WIDGETS)
  const registry = join(scratch, 'src/schema/index.ts')
  const text = readFileSync(registry, 'utf8')
    .replace(
      "import { tasks } from './tasks.js'",
      "import { tasks } from './tasks.js'\nimport { gizmos } from './gizmos.js'"
    )
    .replace(/registry\(\[([^\]]*)\]\)/, 'registry([$1, gizmos])')
  expect(text).toContain('gizmos])')
  writeFileSync(registry, text)
  writeFileSync(join(scratch, 'src/gizmos-usage.ts'), USAGE)
  await inScratch(process.execPath, [
    join(scratch, 'node_modules/drizzle-kit/bin.cjs'),
    'generate',
    '--name',
    'gizmos'
  ])
  await inScratch(process.execPath, [join(scratch, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'])
  // npm run build's second step: the bundle that dist/cli/main.cjs runs
  await inScratch(process.execPath, [join(scratch, 'node_modules/tsx/dist/cli.mjs'), 'scripts/bundle-cli.ts'])
  writeFileSync(join(scratch, 'drive.mjs'), DRIVE)
}, 120_000)

describe('a collection added by the README recipe', () => {
  it('is migrated, typed, and served by the library, REST, socket.io and connect()', async () => {
    const migration = readFileSync(
      join(scratch, 'drizzle', readdirSync(join(scratch, 'drizzle')).find((f) => f.endsWith('_gizmos.sql'))!),
      'utf8'
    )
    expect(migration).toContain('CREATE TABLE `gizmos`')
    const { stdout } = await inScratch(process.execPath, ['drive.mjs', `file:${join(tempDir(), 'w.db')}`])
    expect(JSON.parse(stdout)).toEqual({
      library: { created: 2, byPrefix: 'a', found: ['b'], searched: ['b'], patched: 'done' },
      rest: { status: 201, list: ['rest', 'a'], refused: 400 },
      client: { socket: 'socket', events: ['in-process', 'socket'], rest: 'socket', shortIdIsPrefix: true }
    })
  })

  it('has its CLI commands, export and import, and db check', async () => {
    const db = join(tempDir(), 'cli.db')
    expect((await agor(['db', 'setup', '--path', db])).code).toBe(0)
    const board = JSON.parse((await agor(['--db', db, 'board', 'create', '--name', 'B', '--json'])).stdout)
    // a required field that no flag sets is named like a flag would be: a usage error, nothing written
    const [unlabelled, unlabelledList] = await Promise.all([
      agor(['--db', db, 'gizmo', 'create', '--data', '{"size":1}']),
      agor(['--db', db, 'gizmo', 'create', '--data', '[{"label":"a"},{"size":1}]'])
    ])
    expect(unlabelled).toMatchObject({ code: 2, stdout: '' })
    expect(unlabelled.stderr).toMatch(
      /^error: label is required \(give it in --data\)\n\nUsage: agor gizmo create/
    )
    expect(unlabelledList).toMatchObject({ code: 2, stdout: '' })
    expect(unlabelledList.stderr).toMatch(/^error: label is required: document 2 of --data has no label\n/)
    const created = await agor([
      '--db',
      db,
      'gizmo',
      'create',
      '--data',
      '{"label":"cli","size":4}',
      '--board',
      board.board_id,
      '--json'
    ])
    expect(created.code).toBe(0)
    const gizmo = JSON.parse(created.stdout)
    expect(gizmo).toMatchObject({ label: 'cli', size: 4, status: 'draft', board_id: board.board_id })
    const listed = JSON.parse(
      (
        await agor([
          '--db',
          db,
          'gizmo',
          'list',
          '--where',
          'size>3',
          '--sort',
          'label',
          '--limit',
          '5',
          '--json'
        ])
      ).stdout
    )
    expect(listed.data.map((w: { label: string }) => w.label)).toEqual(['cli'])
    const shown = await agor(['--db', db, 'gizmo', 'show', gizmo.gizmo_id.slice(0, 13)])
    expect(shown.stdout).toContain('cli')
    expect((await agor(['--db', db, 'gizmo', 'update', gizmo.gizmo_id, '--status', 'done'])).code).toBe(0)
    const dump = join(tempDir(), 'dump')
    expect((await agor(['--db', db, 'db', 'export', '--out', dump])).code).toBe(0)
    expect(readFileSync(join(dump, 'gizmos.jsonl'), 'utf8')).toContain('"label":"cli"')
    const copy = join(tempDir(), 'copy.db')
    expect((await agor(['--db', copy, 'db', 'import', dump])).code).toBe(0)
    const imported = JSON.parse(
      (await agor(['--db', copy, 'gizmo', 'show', gizmo.gizmo_id, '--json'])).stdout
    )
    expect(imported).toMatchObject({ label: 'cli', status: 'done' })
    const check = await agor(['--db', copy, 'db', 'check'])
    expect(check.code).toBe(0)
    expect(check.stdout).toContain('1 gizmo')
    expect((await agor(['--db', db, 'gizmo', 'delete', gizmo.gizmo_id])).code).toBe(0)
    expect(JSON.parse((await agor(['--db', db, 'gizmo', 'list', '--json'])).stdout).total).toBe(0)
  })
})
