// Full-text search on a libSQL server (sqld runs FTS5 with contentless_delete) and on an embedded
// replica of it, which searches its local copy of the index the primary keeps.
import { describe, expect, it } from 'vitest'
import { collections } from '../src/schema/index.js'
import { matches } from './search-model.js'
import { useSqld } from './sqld-helpers.js'

type Doc = Record<string, unknown>

const sqld = useSqld()

const TITLES = ['Login bug', 'login crash in café', 'deploy parser', 'Café', 'naïve resume', 'other']
const ids = (docs: readonly Doc[]) => docs.map((d) => String(d.session_id)).sort()

describe('search over a server', () => {
  it('finds on the remote database and on a replica what brute force finds, and follows writes', async () => {
    const remote = await sqld.open()
    const created = (await remote
      .service('sessions')
      .create(TITLES.map((title) => ({ agent: 'a', title })))) as Doc[]
    const brute = (docs: readonly Doc[], search: string) =>
      ids(docs.filter((d) => matches(d, collections.sessions.search, search)))
    const replica = await sqld.replica()
    for (const store of [remote, replica]) {
      for (const search of ['login', 'cafe', '"login crash"', 'dep* parser', 'NAIVE']) {
        const page = await store.service('sessions').find({ query: { $search: search } })
        expect(ids(page.data as Doc[]), search).toEqual(brute(created, search))
        expect(page.total).toBe(brute(created, search).length)
      }
      await expect(store.service('sessions').find({ query: { $search: '"' } })).rejects.toMatchObject({
        code: 400
      })
    }
    // a write through the replica goes to the primary, whose triggers queue it; a search on the
    // replica finds the queue in its copy and has the primary index it and answer
    const written = await replica.service('sessions').create({ agent: 'b', title: 'pelican' })
    await replica.sync()
    for (const store of [remote, replica]) {
      const found = await store.service('sessions').find({ query: { $search: 'pelican' } })
      expect(ids(found.data as Doc[])).toEqual([written.session_id])
    }
    await remote.service('sessions').patch(written.session_id, { title: 'cormorant' })
    await replica.sync()
    expect((await replica.service('sessions').find({ query: { $search: 'pelican' } })).total).toBe(0)
    expect((await replica.service('sessions').find({ query: { $search: 'cormorant' } })).total).toBe(1)
  })
})
