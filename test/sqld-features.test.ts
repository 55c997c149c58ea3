// Tags, $inc and the key-value store on a real sqld: the tag index made and kept on the primary,
// read by a remote client and by an embedded replica's copy; increments, and compare-and-sets,
// from a remote client and a replica at once.
import { beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../src/service/store.js'
import { useSqld } from './sqld-helpers.js'

const sqld = useSqld()
let remote: Store
beforeAll(async () => {
  remote = await sqld.open()
})

describe('tags and $inc on a libSQL server', () => {
  it('finds by tags through a remote client and a replica, as brute force does', async () => {
    const sessions = remote.service('sessions')
    const made = await sessions.create([
      { agent: 'r', tags: ['bug', 'ui'] },
      { agent: 'r', tags: ['bug'] },
      { agent: 'r', tags: ['ui', 'db'] },
      { agent: 'r' }
    ])
    const ids = (docs: { session_id: string }[]) => docs.map((d) => d.session_id).sort()
    const expected = ids(made.filter((d) => d.tags?.includes('bug') && d.tags.includes('ui')))
    const query = { agent: 'r', tags: { $contains: ['bug', 'ui'] } }
    expect(ids((await sessions.find({ query })).data)).toEqual(expected)
    await sessions.patch(made[3]!.session_id, { tags: ['ui', 'bug'] })
    const replica = await sqld.replica()
    const any = { agent: 'r', tags: { $containsAny: ['db'] } }
    expect(ids((await replica.service('sessions').find({ query: any })).data)).toEqual(ids([made[2]!]))
    expect(ids((await replica.service('sessions').find({ query })).data)).toEqual(
      [...expected, made[3]!.session_id].sort()
    )
    await replica.close()
  })

  it('loses no increment between a remote client and a replica raising one counter at once', async () => {
    const session = await remote.service('sessions').create({ agent: 'counter' })
    const replica = await sqld.replica()
    const times = 60
    const raise = (store: Store) =>
      (async () => {
        for (let i = 0; i < times; i++)
          await store.service('sessions').patch(session.session_id, { $inc: { 'custom_context.n': 1 } })
      })()
    await Promise.all([raise(remote), raise(replica)])
    const stored = await remote.service('sessions').get(session.session_id)
    expect(stored.custom_context).toEqual({ n: 2 * times })
    await replica.close()
  }, 120_000)

  it('keeps a key-value entry exact under compare-and-sets from a remote client and a replica', async () => {
    const replica = await sqld.replica()
    await remote.service('kv').update('modes:counter', { value: 0 })
    // the replica's copy is behind the primary: its compare-and-set syncs before it says 409
    const synced = await replica.service('kv').update('modes:counter', { value: 1, version: 1 })
    expect(synced).toMatchObject({ value: 1, version: 2 })
    const raise = (store: Store, times: number) =>
      (async () => {
        for (let done = 0; done < times; ) {
          const entry = await store.service('kv').get('modes:counter')
          try {
            await store
              .service('kv')
              .update('modes:counter', { value: Number(entry.value) + 1, version: entry.version })
            done++
          } catch (error) {
            if ((error as { code?: number }).code !== 409) throw error
          }
        }
      })()
    await Promise.all([raise(remote, 25), raise(replica, 25)])
    expect(await remote.service('kv').get('modes:counter')).toMatchObject({ value: 51, version: 52 })
    await expect(
      remote.service('kv').update('modes:counter', { value: 0, version: 3 })
    ).rejects.toMatchObject({
      code: 409
    })
    await replica.close()
  }, 120_000)
})
