/**
 * Reading a whole collection: every document, a page at a time, in id order.
 */
import type { AnyDefinition, DocOf } from '../schema/collection.js'
import type { Collection } from './collection.js'

/**
 * Every document of a collection, a page at a time, in id order: keyset pagination, so every page
 * is one index range however deep it goes, and no table is ever held in memory.
 *
 * @example
 * for await (const page of pages(sessions)) for (const session of page) console.log(session.title)
 */
export async function* pages<Def extends AnyDefinition>(
  collection: Collection<Def>,
  size = 1000
): AsyncGenerator<DocOf<Def>[]> {
  const id = collection.idField
  let after: string | undefined
  for (;;) {
    const from = after === undefined ? {} : { [id]: { $gt: after } }
    const page = await collection.find({ query: { ...from, $sort: { [id]: 1 }, $limit: size } })
    if (page.length > 0) yield page
    if (page.length < size) return
    after = String(page.at(-1)![id])
  }
}
