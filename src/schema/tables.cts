/**
 * Every table of the store as drizzle-kit wants them (drizzle.config.ts): the module's exports.
 * The collections' come from the registry, so that a new collection needs no line here. CommonJS,
 * so that the exports can be one object made from the registry (drizzle-kit loads schema files
 * with require()); nothing else loads this file.
 */
import registry = require('./index.js')
import storeTables = require('./store-tables.js')

export = {
  ...Object.fromEntries(
    registry.collectionNames.map((name) => [`${name}Table`, registry.collections[name].table])
  ),
  ...storeTables
}
