// A document named by the value of a unique key of its collection (a repo by its slug) as well as
// by its id, in show, update and delete: derived from the collection definition, not per entity.
import { describe, expect, it } from 'vitest'
import { repos } from '../src/schema/index.js'
import { agor, json, openFile, startDaemon, tempDb } from './cli-helpers.js'

const BY_ID = '0199b73d-0000-7000-8000-000000000001'

async function twoRepos() {
  const target = tempDb()
  const store = await openFile(target.path)
  await store.service('repos').create([
    { repo_id: BY_ID, slug: 'agor/store', default_branch: 'main' },
    // a slug that looks like the other repo's short id: it names neither (list prints that id)
    { slug: '0199b73d', name: 'hex slug' },
    // a slug that looks like an id, but no id starts with it: it names its repo
    { slug: 'deadbeef', name: 'dead beef' }
  ])
  const bySlug = async (slug: string) =>
    (await store.service('repos').find({ paginate: false, query: { slug } }))[0]
  return { ...target, store, bySlug }
}

describe('unique keys name documents', () => {
  it('the collection definition says which: a repo has a unique slug', () => {
    expect(repos.keyColumns.filter((k) => k.unique).map((k) => k.name)).toEqual(['slug'])
  })

  it('show, update and delete take a repo by its slug as well as by its id', async () => {
    const { db, store, bySlug } = await twoRepos()
    const deadBeef = await bySlug('deadbeef')
    const [bySlugShown, byIdShown, hexShown, missing] = await Promise.all([
      agor([...db, 'repo', 'show', 'agor/store', '--json']),
      agor([...db, 'repo', 'show', BY_ID.slice(0, 13), '--json']),
      agor([...db, 'repo', 'show', 'deadbeef', '--json']),
      agor([...db, 'repo', 'show', 'nobody/nothing'])
    ])
    expect(json(bySlugShown).repo_id).toBe(BY_ID)
    expect(json(byIdShown).repo_id).toBe(BY_ID)
    expect(json(hexShown)).toEqual(deadBeef)
    expect(missing).toEqual({ code: 3, stdout: '', stderr: "error: No repo matches 'nobody/nothing'\n" })

    const updated = await agor([...db, 'repo', 'update', 'agor/store', '--default-branch', 'dev'])
    expect(updated.code).toBe(0)
    expect(await store.service('repos').get(BY_ID)).toMatchObject({
      slug: 'agor/store',
      default_branch: 'dev'
    })
    const replaced = await agor([...db, 'repo', 'update', 'agor/store', '--replace', '--slug', 'agor/store2'])
    expect(replaced.code).toBe(0)
    const after = await store.service('repos').get(BY_ID)
    expect(after.slug).toBe('agor/store2')
    expect(after).not.toHaveProperty('default_branch')

    const deleted = await agor([...db, 'repo', 'delete', 'agor/store2', 'deadbeef'])
    expect(deleted).toMatchObject({ code: 0, stderr: '' })
    expect(deleted.stdout).toBe(
      `Deleted repo ${BY_ID}: agor/store2\nDeleted repo ${deadBeef!.repo_id}: dead beef\n`
    )
    expect((await store.service('repos').find({ paginate: false })).map((r) => r.slug)).toEqual(['0199b73d'])
  })

  it("a slug that is also another repo's id prefix names neither: ambiguous (exit 4), nothing changes", async () => {
    const { db, store, bySlug } = await twoRepos()
    const hexSlug = await bySlug('0199b73d')
    const before = await store.service('repos').find({ paginate: false })
    const [shown, deleted, updated, asJson] = await Promise.all([
      agor([...db, 'repo', 'show', '0199b73d']),
      agor([...db, 'repo', 'delete', '0199b73d']),
      agor([...db, 'repo', 'update', '0199b73d', '--name', 'x']),
      agor([...db, 'repo', 'show', '0199b73d', '--json'])
    ])
    for (const result of [shown, deleted, updated]) {
      expect(result.code).toBe(4)
      expect(result.stderr).toContain("Short id '0199b73d' is ambiguous: it matches 2 repos")
      expect(result.stderr).toContain('slug 0199b73d: hex slug')
      expect(result.stderr).toContain('agor/store')
    }
    expect(JSON.parse(asJson.stderr).data.candidates.map((c: { id: string }) => c.id)).toEqual([
      hexSlug!.repo_id,
      BY_ID
    ])
    expect(await store.service('repos').find({ paginate: false })).toEqual(before)
    // more of the id names one
    expect(json(await agor([...db, 'repo', 'show', BY_ID.slice(0, 13), '--json'])).repo_id).toBe(BY_ID)
  })

  it('through a daemon too', async () => {
    const { db, store } = await twoRepos()
    const daemon = await startDaemon(db)
    const via = ['--url', daemon.url]
    expect(json(await agor([...via, 'repo', 'show', 'agor/store', '--json'])).repo_id).toBe(BY_ID)
    expect((await agor([...via, 'repo', 'delete', '0199b73d'])).code).toBe(4)
    expect((await agor([...via, 'repo', 'delete', 'agor/store'])).code).toBe(0)
    expect((await store.service('repos').find({ paginate: false })).map((r) => r.slug).sort()).toEqual([
      '0199b73d',
      'deadbeef'
    ])
  })
})
