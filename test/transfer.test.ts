import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../src/store/database.js'
import { exportDocuments, importDocuments } from '../src/store/transfer.js'
import { tempDbUrl, tempDir } from './helpers.js'

const NOW = '2026-01-01T00:00:00.000Z'

function exportFolder(lines: string[]): string {
  const dir = join(tempDir(), 'dump')
  mkdirSync(dir)
  writeFileSync(join(dir, 'boards.jsonl'), `${lines.join('\n')}\n`)
  return dir
}

describe('import of hostile or newer documents', () => {
  it('refuses documents that are not plain JSON, or nested too deep, and writes nothing', async () => {
    const documents = await openDatabase({ url: tempDbUrl() })
    try {
      const good = JSON.stringify({
        board_id: '0199b73d-0000-7000-8000-000000000001',
        created_at: NOW,
        updated_at: NOW,
        name: 'ok'
      })
      const deep = `{"board_id":"0199b73d-0000-7000-8000-000000000002","created_at":"${NOW}","updated_at":"${NOW}","name":"deep","extra":${'['.repeat(5000)}${']'.repeat(5000)}}`
      const proto = `{"board_id":"0199b73d-0000-7000-8000-000000000003","created_at":"${NOW}","updated_at":"${NOW}","name":"p","__proto__":{"x":1}}`
      for (const bad of [deep, proto]) {
        await expect(importDocuments(documents, exportFolder([good, bad]))).rejects.toMatchObject({
          code: 400
        })
      }
      expect(await documents.collection('boards').find()).toEqual([])
    } finally {
      documents.close()
    }
  })

  it('keeps fields a newer version wrote, through export and import', async () => {
    const source = await openDatabase({ url: tempDbUrl() })
    const target = await openDatabase({ url: tempDbUrl() })
    try {
      const board = await source.collection('boards').create({ name: 'future' })
      await source.connection.execute({
        sql: `UPDATE boards SET data = json_set(data, '$.layout', json('{"columns":3}')) WHERE board_id = ?`,
        args: [board.board_id]
      })
      const dir = join(tempDir(), 'out')
      await exportDocuments(source, dir)
      await importDocuments(target, dir)
      expect(await target.collection('boards').get(board.board_id)).toEqual(
        await source.collection('boards').get(board.board_id)
      )
      const imported: Record<string, unknown> = await target.collection('boards').get(board.board_id)
      expect(imported.layout).toEqual({ columns: 3 })
    } finally {
      source.close()
      target.close()
    }
  })
})
