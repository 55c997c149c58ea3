// The official Feathers adapter suite and the community vitest suite, on a generic collection and
// again with a custom id field.
import { adapterTests } from '@feathersjs/adapter-tests'
import errors from '@feathersjs/errors'
import { feathers } from '@feathersjs/feathers'
import { defineTestSuite } from 'feathers-adapter-vitest'
import { z } from 'zod'
import { resolveDatabaseConfig } from '../src/db/config.js'
import { openConnection } from '../src/db/open.js'
import { defineCollection, optional } from '../src/schema/collection.js'
import { DocumentService } from '../src/service/adapter.js'
import { Collection } from '../src/store/collection.js'
import { createTables, tempDbUrl } from './helpers.js'

const fields = () => ({ name: z.string(), age: optional(z.number()), created: optional(z.boolean()) })
const people = defineCollection({
  name: 'people',
  singular: 'person',
  idField: 'id',
  fields,
  summary: (p) => p.name
})
const peopleCustomId = defineCollection({
  name: 'people_customid',
  singular: 'person',
  idField: 'customid',
  fields,
  summary: (p) => p.name
})

const db = await openConnection(resolveDatabaseConfig({ url: tempDbUrl() }))
await createTables(db, [people, peopleCustomId])

const app = feathers()
  .use('people', new DocumentService({ collection: new Collection(db, people), events: ['testing'] }))
  .use(
    'people-customid',
    new DocumentService({ collection: new Collection(db, peopleCustomId), events: ['testing'] })
  )

afterAll(() => db.close())

// All 78 tests of the official suite, none skipped.
const officialTests = adapterTests([
  '.options',
  '.events',
  '._get',
  '._find',
  '._create',
  '._update',
  '._patch',
  '._remove',
  '.get',
  '.get + $select',
  '.get + id + query',
  '.get + NotFound',
  '.get + NotFound (integer)',
  '.get + id + query id',
  '.find',
  '.remove',
  '.remove + $select',
  '.remove + id + query',
  '.remove + NotFound',
  '.remove + NotFound (integer)',
  '.remove + multi',
  '.remove + multi no pagination',
  '.remove + id + query id',
  '.update',
  '.update + $select',
  '.update + id + query',
  '.update + NotFound',
  '.update + NotFound (integer)',
  '.update + query + NotFound',
  '.update + id + query id',
  '.patch',
  '.patch + $select',
  '.patch + id + query',
  '.patch multiple',
  '.patch multiple no pagination',
  '.patch multi query same',
  '.patch multi query changed',
  '.patch + NotFound',
  '.patch + NotFound (integer)',
  '.patch + query + NotFound',
  '.patch + id + query id',
  '.create',
  '.create + $select',
  '.create multi',
  '.create ignores query',
  'internal .find',
  'internal .get',
  'internal .create',
  'internal .update',
  'internal .patch',
  'internal .remove',
  '.find + equal',
  '.find + equal multiple',
  '.find + $sort',
  '.find + $sort + string',
  '.find + $limit',
  '.find + $limit 0',
  '.find + $skip',
  '.find + $select',
  '.find + $or',
  '.find + $in',
  '.find + $nin',
  '.find + $lt',
  '.find + $lte',
  '.find + $gt',
  '.find + $gte',
  '.find + $ne',
  '.find + $gt + $lt + $sort',
  '.find + $or nested + $sort',
  '.find + $and',
  '.find + $and + $or',
  'params.adapter + paginate',
  'params.adapter + multi',
  '.find + paginate',
  '.find + paginate + query',
  '.find + paginate + $limit + $skip',
  '.find + paginate + $limit 0',
  '.find + paginate + params'
])

describe('@feathersjs/adapter-tests', () => {
  officialTests(app, errors, 'people', 'id')
  officialTests(app, errors, 'people-customid', 'customid')
})

// $regex is left out: SQLite's REGEXP has no case-insensitive mode for $options: 'i'
const communitySuite = defineTestSuite({ recommended: ['$not', '$between', '$notBetween'] })
describe('feathers-adapter-vitest', () => {
  communitySuite({ app, serviceName: 'people' })
  communitySuite({ app, serviceName: 'people-customid', idProp: 'customid' })
})
