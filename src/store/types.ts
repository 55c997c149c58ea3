/**
 * The shapes of what collections take and give: write data derived from a definition's document
 * type, pages, and call parameters.
 */
import type { AnyDefinition, DocOf } from '../schema/collection.js'
import type { ChangeContext } from './feed-triggers.js'
import type { Query } from './query-walk.js'

/** Page sizes: `default` when a query gives no `$limit`, never more than `max`. */
export interface PaginationOptions {
  default?: number
  max?: number
}

/** A page of results. `total` counts every document that matches the query. */
export interface Page<T> {
  total: number
  limit: number
  skip: number
  data: T[]
}

export interface CollectionParams {
  query?: Query
  /** Who writes, over what: what the change feed records (a write's default: the library). */
  change?: ChangeContext
}

export interface FindParams extends CollectionParams {
  /** Page options, or false (the default) for a plain array. */
  paginate?: PaginationOptions | false
}

type Writable<Doc> = Omit<Doc, 'created_at' | 'updated_at'>
/** What `create` and `update` take: the document without timestamps; id and status optional. */
export type CreateData<Def extends AnyDefinition> = Omit<Writable<DocOf<Def>>, Def['idField'] | 'status'> &
  Partial<Pick<DocOf<Def>, Extract<keyof DocOf<Def>, Def['idField'] | 'status'>>>
/** What `patch` takes: any subset of the fields. */
export type PatchData<Def extends AnyDefinition> = Partial<Writable<DocOf<Def>>> & {
  /** Numeric fields (dot paths for nested ones) to raise by an amount, from their stored value. */
  $inc?: Record<string, number>
}

/** The page size of a find: the query's `$limit`, else the default, never more than the maximum. */
export function pageLimit(requested: number | undefined, paginate: PaginationOptions): number {
  const base = requested ?? paginate.default ?? paginate.max ?? 50
  return paginate.max === undefined ? base : Math.min(base, paginate.max)
}
