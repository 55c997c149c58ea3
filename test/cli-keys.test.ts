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
    // a slug that looks like the other repo's short id: an exact slug wins
    { slug: '0199b73d', name: 'hex slug' }
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
    const hexSlug = await bySlug('0199b73d')
    const [bySlugShown, byIdShown, hexShown, missing] = await Promise.all([
      agor([...db, 'repo', 'show', 'agor/store', '--json']),
      agor([...db, 'repo', 'show', BY_ID.slice(0, 13), '--json']),
      agor([...db, 'repo', 'show', '0199b73d', '--json']),
      agor([...db, 'repo', 'show', 'nobody/nothing'])
    ])
    expect(json(bySlugShown).repo_id).toBe(BY_ID)
    expect(json(byIdShown).repo_id).toBe(BY_ID)
    expect(json(hexShown)).toEqual(hexSlug)
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

    const deleted = await agor([...db, 'repo', 'delete', 'agor/store2', '0199b73d'])
    expect(deleted).toMatchObject({ code: 0, stderr: '' })
    expect(deleted.stdout).toBe(
      `Deleted repo ${BY_ID}: agor/store2\nDeleted repo ${hexSlug!.repo_id}: hex slug\n`
    )
    expect(await store.service('repos').find({ paginate: false })).toEqual([])
  })

  it('through a daemon too', async () => {
    const { db, store } = await twoRepos()
    const daemon = await startDaemon(db)
    const via = ['--url', daemon.url]
    expect(json(await agor([...via, 'repo', 'show', 'agor/store', '--json'])).repo_id).toBe(BY_ID)
    expect((await agor([...via, 'repo', 'delete', 'agor/store'])).code).toBe(0)
    expect((await store.service('repos').find({ paginate: false })).map((r) => r.slug)).toEqual(['0199b73d'])
  })
})
