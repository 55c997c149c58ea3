// `--tag`, `--any-tag` and `--inc` of the entity commands, on a database file and through a daemon.
import { describe, expect, it } from 'vitest'
import { agor, json, startDaemon, tempDb } from './cli-helpers.js'

async function scenario(db: string[]) {
  const make = async (...args: string[]) =>
    json<{ session_id: string }>(await agor(['session', 'create', '--agent', 'a', '--json', ...args, ...db]))
  const both = await make('--tag', 'bug', '--tag', 'ui')
  const bug = await make('--tag', 'bug')
  const none = await make()
  const listed = async (...args: string[]) => {
    const result = await agor(['session', 'list', '-q', ...args, ...db])
    expect(result.code, result.stderr).toBe(0)
    return result.stdout.split('\n').filter(Boolean).length === 0 ? [] : result.stdout.trim().split('\n')
  }
  const short = async (id: string) =>
    (await agor(['session', 'list', '-q', '--where', `session_id=${id}`, ...db])).stdout.trim()
  expect(await listed('--tag', 'bug', '--tag', 'ui')).toEqual([await short(both.session_id)])
  expect((await listed('--tag', 'bug')).sort()).toEqual(
    [await short(both.session_id), await short(bug.session_id)].sort()
  )
  expect(await listed('--any-tag', 'ui', '--any-tag', 'zz')).toEqual([await short(both.session_id)])
  expect(await listed('--tag', 'nothing')).toEqual([])
  expect((await agor(['session', 'list', '--tag', '', ...db])).code).toBe(2)
  // --tag on update replaces the list
  expect((await agor(['session', 'update', none.session_id.slice(0, 13), '--tag', 'ui', ...db])).code).toBe(0)
  expect((await listed('--any-tag', 'ui')).sort()).toEqual(
    [await short(both.session_id), await short(none.session_id)].sort()
  )
  const repeated = await agor(['session', 'update', none.session_id, '--tag', 'x', '--tag', 'x', ...db])
  expect(repeated.code).toBe(1)
  expect(repeated.stderr).toContain('Tags must not repeat')

  const task = json<{ task_id: string }>(
    await agor([
      'task',
      'create',
      '--session',
      both.session_id,
      '--json',
      '--data',
      '{"tool_use_count":1}',
      ...db
    ])
  )
  const raised = await agor([
    'task',
    'update',
    task.task_id,
    '--inc',
    'tool_use_count=2',
    '--inc',
    'tool_use_count=3',
    '--inc',
    'message_range.end=5',
    '--json',
    ...db
  ])
  expect(json(raised)).toMatchObject({ tool_use_count: 6, message_range: { end: 5 } })
  const shown = json(await agor(['task', 'show', task.task_id, '--json', ...db]))
  expect(shown).toMatchObject({ tool_use_count: 6, message_range: { end: 5 } })
  const below = await agor(['task', 'update', task.task_id, '--inc', 'tool_use_count=-7', ...db])
  expect(below.code).toBe(1)
  expect(below.stderr).toContain('tool_use_count')
  for (const bad of [
    ['--inc', 'tool_use_count'],
    ['--inc', 'tool_use_count=x'],
    ['--inc', 'a=1', '--replace'],
    ['--inc', 'tool_use_count=1e999'],
    ['--inc', 'tool_use_count=1', '--data', '{"$inc":{"duration_ms":1}}']
  ]) {
    const result = await agor(['task', 'update', task.task_id, ...bad, ...db])
    expect(result.code, bad.join(' ')).toBe(2)
  }
  expect(json(await agor(['task', 'show', task.task_id, '--json', ...db]))).toMatchObject({
    tool_use_count: 6
  })
}

describe('tags and counters on the command line', () => {
  it('work on a database file', async () => {
    await scenario(tempDb().db)
  })

  it('work through a daemon', async () => {
    const { db } = tempDb()
    const daemon = await startDaemon(db)
    await scenario(db)
    expect(daemon.stderr()).not.toMatch(/error/i)
    await daemon.stop()
  })
})
