// Totals of pages are exact after every write, whoever makes it, though they are not counted again
// while nothing was written.
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../src/service/store.js'
import { tempDbUrl } from './helpers.js'

const url = tempDbUrl()
const store = await openStore({ url, auth: false })
const other = await openStore({ url, auth: false })
afterAll(async () => {
  await store.close()
  await other.close()
})

const total = async (query: Record<string, unknown> = {}) =>
  (await store.service('sessions').find({ query: { ...query, $limit: 1 } })).total

describe('page totals', () => {
  it('stay exact across writes of this store and of another connection, filtered or not', async () => {
    await store.service('sessions').create([{ agent: 'a' }, { agent: 'a' }, { agent: 'b' }])
    expect([await total(), await total({ agent: 'a' })]).toEqual([3, 2])
    // asked again with nothing written: the same (kept), and still the same
    expect([await total(), await total({ agent: 'a' })]).toEqual([3, 2])
    await other.service('sessions').create({ agent: 'a' })
    expect([await total(), await total({ agent: 'a' })]).toEqual([4, 3])
    const [first] = await other.service('sessions').find({ query: { agent: 'b' }, paginate: false })
    await other.service('sessions').patch(first!.session_id, { agent: 'a' })
    expect([await total(), await total({ agent: 'a' }), await total({ agent: 'b' })]).toEqual([4, 4, 0])
    await store.service('sessions').remove(null, { query: { agent: 'a', $limit: 2 } })
    expect([await total(), await total({ agent: 'a' })]).toEqual([2, 2])
  })
})
