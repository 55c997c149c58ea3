// `agor db import --on-conflict fail|skip|replace`: what happens to a document whose id is stored
// already, still in one transaction (all or nothing), with unique keys of other documents still
// refused. Real files; what is stored is read back.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Store } from '../src/service/store.js'
import { agor, json, openFile, tempDb } from './cli-helpers.js'
import { baseCountMap, baseCounts, tempDir } from './helpers.js'

const S1 = '0199b73d-0000-7000-8000-000000000001'
const S2 = '0199b73d-0000-7000-8000-000000000002'
const R1 = '0199b73d-0000-7000-8000-0000000000a1'

async function everything(store: Store) {
  const sessions = await store
    .service('sessions')
    .find({ paginate: false, query: { $sort: { session_id: 1 } } })
  const tasks = await store.service('tasks').find({ paginate: false })
  const repos = await store.service('repos').find({ paginate: false })
  return { sessions, tasks, repos }
}

/** An export of two sessions, a task of the first and a repo. */
async function exported(): Promise<{ dir: string; source: Store }> {
  const { path, db } = tempDb()
  const source = await openFile(path)
  await source.service('sessions').create([
    { session_id: S1, agent: 'a', title: 'from the export' },
    { session_id: S2, agent: 'a', title: 'second' }
  ])
  await source.service('tasks').create({ session_id: S1, description: 'task' })
  await source.service('repos').create({ repo_id: R1, slug: 'agor/store' })
  const dir = join(tempDir(), 'dump')
  expect((await agor([...db, 'db', 'export', '--out', dir])).code).toBe(0)
  return { dir, source }
}

/** A database that holds the first session already, changed since the export. */
async function target() {
  const t = tempDb()
  const store = await openFile(t.path)
  await store.service('sessions').create({ session_id: S1, agent: 'b', title: 'changed here' })
  return { ...t, store }
}

describe('db import --on-conflict', () => {
  it('fail (the default) refuses a stored id and writes nothing', async () => {
    const { dir } = await exported()
    const { db, store } = await target()
    const before = await everything(store)
    const [byDefault, explicit, asJson] = await Promise.all([
      agor([...db, 'db', 'import', dir]),
      agor([...db, 'db', 'import', dir, '--on-conflict', 'fail']),
      agor([...db, '--json', 'db', 'import', dir])
    ])
    // the file, the line and the id, and what to do about it
    for (const result of [byDefault, explicit]) {
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `error: sessions.jsonl line 1: A session with session_id "${S1}" is stored already\n` +
          'hint: --on-conflict skip keeps the stored documents, --on-conflict replace overwrites them with the export\n'
      })
    }
    expect(asJson.code).toBe(1)
    expect(JSON.parse(asJson.stderr)).toMatchObject({
      name: 'Conflict',
      code: 409,
      data: { file: 'sessions.jsonl', line: 1, field: 'session_id', value: S1 }
    })
    expect(await everything(store)).toEqual(before)
  })

  it('names both lines of an id or unique key that the files hold twice, and writes nothing', async () => {
    const { dir } = await exported()
    const twice = join(tempDir(), 'twice')
    cpSync(dir, twice, { recursive: true })
    const sessions = readFileSync(join(twice, 'sessions.jsonl'), 'utf8').trim().split('\n')
    const repo = JSON.parse(readFileSync(join(twice, 'repos.jsonl'), 'utf8'))
    writeFileSync(join(twice, 'sessions.jsonl'), `${[...sessions, sessions[0]].join('\n')}\n`)
    rmSync(join(twice, 'manifest.json'))
    const sameSlug = join(tempDir(), 'same-slug')
    cpSync(dir, sameSlug, { recursive: true })
    writeFileSync(
      join(sameSlug, 'repos.jsonl'),
      `${JSON.stringify(repo)}\n\n${JSON.stringify({ ...repo, repo_id: '0199b73d-0000-7000-8000-0000000000a2' })}\n`
    )
    rmSync(join(sameSlug, 'manifest.json'))
    const { path, db } = tempDb()
    const [sameId, slug] = await Promise.all([
      agor([...db, 'db', 'import', twice]),
      agor([...db, 'db', 'import', sameSlug])
    ])
    expect(sameId).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: sessions.jsonl lines 1 and 3 hold the same session_id "${S1}"\n`
    })
    expect(slug).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: repos.jsonl lines 1 and 3 hold the same slug "agor/store"\n'
    })
    expect(await everything(await openFile(path))).toEqual({ sessions: [], tasks: [], repos: [] })
  })

  it('skip keeps the stored document and imports the others', async () => {
    const { dir, source } = await exported()
    const { db, store } = await target()
    const kept = await store.service('sessions').get(S1)
    const result = await agor([...db, 'db', 'import', dir, '--on-conflict', 'skip'])
    expect({ ...result, stdout: baseCounts(result.stdout) }).toEqual({
      code: 0,
      stderr: '',
      stdout: `Imported 1 repo, 1 session, 1 task from ${dir}\nSkipped 1 session: its id is stored already\n`
    })
    const stored = await everything(store)
    expect(stored.sessions).toEqual([kept, await source.service('sessions').get(S2)])
    expect(stored.tasks).toEqual((await everything(source)).tasks)
    expect(stored.repos).toEqual((await everything(source)).repos)

    // in the plural for more than one, replaced ones too
    const skipped = await agor([...db, 'db', 'import', dir, '--on-conflict', 'skip'])
    expect(baseCounts(skipped.stdout)).toBe(
      `Imported 0 documents from ${dir}\nSkipped 1 repo, 2 sessions, 1 task: their ids are stored already\n`
    )
    const [one, several] = await Promise.all([
      agor([...(await target()).db, 'db', 'import', dir, '--on-conflict', 'replace']),
      agor([...db, 'db', 'import', dir, '--on-conflict', 'replace'])
    ])
    expect(one.stdout).toContain('\nReplaced 1 session: its id was stored already\n')
    expect(several.stdout).toContain('\nReplaced 1 repo, 2 sessions, 1 task: their ids were stored already\n')
  })

  it('replace overwrites the stored document with the exported one, timestamps included', async () => {
    const { dir, source } = await exported()
    const { db, store } = await target()
    const result = await agor([...db, '--json', 'db', 'import', dir, '--on-conflict', 'replace'])
    const { imported, replaced, ...rest } =
      json<Record<'imported' | 'replaced', Record<string, number>>>(result)
    expect({ ...rest, imported: baseCountMap(imported), replaced: baseCountMap(replaced) }).toEqual({
      dir,
      imported: { boards: 0, repos: 1, sessions: 1, tasks: 1 },
      skipped: {},
      replaced: { boards: 0, repos: 0, sessions: 1, tasks: 0 }
    })
    expect(await everything(store)).toEqual(await everything(source))
    // what replaced it is the exported document, as it was
    expect(await store.service('sessions').get(S1)).toEqual(await source.service('sessions').get(S1))
  })

  it('stays all or nothing: an invalid line, or a unique key another document holds, writes nothing', async () => {
    const { dir } = await exported()
    const invalid = join(tempDir(), 'invalid')
    cpSync(dir, invalid, { recursive: true })
    const tasks = readFileSync(join(invalid, 'tasks.jsonl'), 'utf8').trim()
    writeFileSync(
      join(invalid, 'tasks.jsonl'),
      `${JSON.stringify({ ...JSON.parse(tasks), status: 'sleeping' })}\n`
    )

    const [plain, clash] = await Promise.all([target(), target()])
    // another repo holds the exported repo's slug
    await clash.store.service('repos').create({ slug: 'agor/store', name: 'mine' })
    const before = await Promise.all([everything(plain.store), everything(clash.store)])
    const results = await Promise.all([
      agor([...plain.db, 'db', 'import', invalid, '--on-conflict', 'replace']),
      agor([...clash.db, 'db', 'import', dir, '--on-conflict', 'skip']),
      agor([...clash.db, 'db', 'import', dir, '--on-conflict', 'replace'])
    ])
    expect(results[0]!.code).toBe(1)
    expect(results[0]!.stderr).toMatch(/^error: tasks\.jsonl line 1: Invalid task: status: /)
    for (const result of results.slice(1)) {
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: repos.jsonl line 1: A repo with slug "agor/store" already exists\n'
      })
    }
    expect(await Promise.all([everything(plain.store), everything(clash.store)])).toEqual(before)
  })

  it('takes fail, skip or replace only (exit 2)', async () => {
    const { dir } = await exported()
    const { db } = await target()
    const result = await agor([...db, 'db', 'import', dir, '--on-conflict', 'merge'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/argument 'merge' is invalid\. Allowed choices are fail, skip, replace/)
  })
})
