import type { HookContext } from '@feathersjs/feathers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../src/service/store.js'
import { openTempStore } from './helpers.js'

describe('reads in the process skip an idle hook chain, and only then', () => {
  let store: Store
  beforeAll(async () => {
    store = await openTempStore({ auth: false })
  })
  afterAll(() => store.close())

  it('answers as the chain does, a context when given one, and runs every hook registered later', async () => {
    const sessions = store.service('sessions')
    const doc = await sessions.create({ agent: 'direct' })
    expect(await sessions.get(doc.session_id)).toEqual(doc)
    expect((await sessions.find({ query: { agent: 'direct' } })).data).toEqual([doc])
    await expect(sessions.get('ffffffff')).rejects.toMatchObject({ code: 404 })
    // a transport passes a context and gets it back with the result
    const get = sessions.get as unknown as { createContext(): HookContext } & ((
      ...args: unknown[]
    ) => Promise<HookContext>)
    const context = await get.call(sessions, doc.session_id, {}, get.createContext())
    expect(context.result).toEqual(doc)

    const seen: string[] = []
    store.app.hooks({ before: { all: [(c: HookContext) => void seen.push(`app ${c.method}`)] } })
    sessions.hooks({
      around: {
        get: [
          async (c: HookContext, next: () => Promise<void>) => {
            seen.push(`service ${c.method}`)
            await next()
          }
        ]
      }
    })
    await sessions.get(doc.session_id)
    await sessions.find({ query: {} })
    expect(seen).toEqual(['app get', 'service get', 'app find'])
  })
})
