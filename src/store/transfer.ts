/**
 * Export and import of whole databases as JSON Lines: a folder with one `<collection>.jsonl` per
 * collection and a manifest.json with the counts. See export.ts, import.ts and transfer-files.ts.
 */
export { type ExportOptions, type ExportResult, exportDatabase, exportDocuments } from './export.js'
export {
  type ImportOptions,
  type ImportResult,
  importDatabase,
  importDocuments,
  type OnConflict
} from './import.js'
export { EXPORT_FORMAT, MANIFEST, type Manifest, type TransferOptions } from './transfer-files.js'
