/**
 * `db check`'s look at the documents of every collection of the registry: how many there are, and
 * which of them break their collection's schema (a row written by hand, or by a version with other
 * rules). Fields a newer version wrote are not problems.
 */
import type { Connection } from '../db/connection.js'
import { type CollectionName, collectionNames, collections } from '../schema/index.js'
import { Collection } from './collection.js'
import { pages } from './pages.js'
import { validateStoredDocument } from './validate.js'
import { Workspaces } from './workspaces.js'

/** Invalid documents named per collection, at most. */
const MAX_NAMED = 10

export interface CollectionCheck {
  documents: number
  /** How many documents break the schema; the first ones by id, with why. */
  invalid: number
  examples: { id: string; problem: string }[]
}

/**
 * Reads every document of every collection, in every workspace, and validates it.
 *
 * @example
 * const report = await checkDocuments(store.database.connection) // { sessions: { documents: 12, invalid: 0, examples: [] }, … }
 */
export async function checkDocuments(db: Connection): Promise<Record<CollectionName, CollectionCheck>> {
  const workspaces = await new Workspaces(db).inUse()
  const entries = []
  for (const name of collectionNames) {
    const check: CollectionCheck = { documents: 0, invalid: 0, examples: [] }
    for (const workspace of workspaces) {
      const collection: Collection = new Collection(db, collections[name], workspace)
      for await (const page of pages(collection)) {
        check.documents += page.length
        for (const doc of page) {
          try {
            validateStoredDocument(collection.definition, doc)
          } catch (error) {
            check.invalid++
            if (check.examples.length < MAX_NAMED)
              check.examples.push({ id: String(doc[collection.idField]), problem: (error as Error).message })
          }
        }
      }
    }
    entries.push([name, check] as const)
  }
  return Object.fromEntries(entries) as Record<CollectionName, CollectionCheck>
}
