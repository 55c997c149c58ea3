// `agor <entity> list` as scripts and people used to gh and docker use it: short ids alone (-q),
// and documents created since or until a time (relative or ISO).
import { describe, expect, it } from 'vitest'
import { agor, type CliResult, json, openFile, shell, tempDb } from './cli-helpers.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

function expectUsage(result: CliResult, message: string): void {
  expect(result).toMatchObject({ code: 2, stdout: '' })
  expect(result.stderr).toContain(`error: ${message}\n`)
  expect(result.stderr).toContain('Usage: agor session list')
}

/** Sessions created at chosen times before now. */
async function sessionsAt(ages: Record<string, number>) {
  const target = tempDb()
  const store = await openFile(target.path)
  const now = Date.now()
  await store.collection('sessions').insertDocuments(
    Object.entries(ages).map(([title, age], i) => {
      const at = new Date(now - age).toISOString()
      return {
        session_id: `0199b73d-0000-7000-8000-00000000000${i}`,
        status: 'idle',
        agent: 'a',
        title,
        created_at: at,
        updated_at: at,
        parent_session_id: null,
        forked_from_session_id: null
      }
    })
  )
  return { ...target, store }
}

describe('list -q', () => {
  it('prints the short ids alone, one per line, in the order of the list, for xargs', async () => {
    const { path, db } = tempDb()
    const store = await openFile(path)
    const created = await store.service('sessions').create([
      { agent: 'a', title: 'one', status: 'running' },
      { agent: 'a', title: 'two' },
      { agent: 'b', title: 'three', status: 'running' }
    ])
    // by title: one, three, two
    const byTitle = await store.service('sessions').find({ paginate: false, query: { $sort: { title: 1 } } })
    const shortIds = await store.shortIds(
      'sessions',
      byTitle.map((s) => s.session_id)
    )
    const [quiet, running, none, both] = await Promise.all([
      agor([...db, 'session', 'list', '-q', '--sort', 'title']),
      agor([...db, 'session', 'list', '--quiet', '--status', 'running', '--sort', 'title']),
      agor([...db, 'session', 'list', '-q', '--agent', 'nobody']),
      agor([...db, 'session', 'list', '-q', '--json'])
    ])
    expect(quiet).toEqual({ code: 0, stdout: `${shortIds.join('\n')}\n`, stderr: '' })
    expect(running.stdout).toBe(`${[shortIds[0], shortIds[1]].join('\n')}\n`)
    expect(none).toEqual({ code: 0, stdout: '', stderr: '' })
    expect(both).toMatchObject({ code: 2, stdout: '' })
    expect(JSON.parse(both.stderr)).toMatchObject({
      code: 400,
      message: '--quiet and --json do not go together'
    })

    // each line is an id that the other commands take
    const shown = await shell(
      `$AGOR ${db.join(' ')} session list -q | xargs -n 1 $AGOR ${db.join(' ')} session show`
    )
    expect(shown.code).toBe(0)
    expect(shown.stdout.match(/^session \S+$/gm)).toHaveLength(created.length)
  })
})

describe('list --since and --until', () => {
  it('keep the documents created in a time window, relative (s, m, h, d, w) or ISO', async () => {
    const { db } = await sessionsAt({
      now: 0,
      'an hour ago': HOUR,
      'three days ago': 3 * DAY,
      'two weeks ago': 14 * DAY
    })
    const titles = async (...args: string[]) =>
      json<{ data: { title: string }[] }>(
        await agor([...db, 'session', 'list', '--json', '--sort', '-created_at', ...args])
      ).data.map((s) => s.title)
    const day = (age: number) => new Date(Date.now() - age).toISOString().slice(0, 10)
    const [since30m, since2h, since7d, since1w, since3600s, until2d, window, isoSince, isoUntil] =
      await Promise.all([
        titles('--since', '30m'),
        titles('--since', '2h'),
        titles('--since', '7d'),
        titles('--since', '1w'),
        titles('--since', '7200s'),
        titles('--until', '2d'),
        titles('--since', '4d', '--until', '30m'),
        titles('--since', new Date(Date.now() - 2 * HOUR).toISOString()),
        titles('--until', day(10 * DAY))
      ])
    expect(since30m).toEqual(['now'])
    expect(since2h).toEqual(['now', 'an hour ago'])
    expect(since7d).toEqual(['now', 'an hour ago', 'three days ago'])
    expect(since1w).toEqual(since7d)
    expect(since3600s).toEqual(since2h)
    expect(until2d).toEqual(['three days ago', 'two weeks ago'])
    expect(window).toEqual(['an hour ago', 'three days ago'])
    expect(isoSince).toEqual(['now', 'an hour ago'])
    expect(isoUntil).toEqual(['two weeks ago'])
  })

  it('refuses times it cannot read (exit 2)', async () => {
    const { db } = tempDb()
    const results = await Promise.all(
      [
        ['--since', 'yesterday'],
        ['--since', '2h30m'],
        ['--until', '2025-13-45'],
        ['--since', '-2h'],
        ['--until', '']
      ].map((args) => agor([...db, 'session', 'list', ...args]))
    )
    expectUsage(
      results[0]!,
      "Invalid --since 'yesterday': expected a time ago (30s, 30m, 2h, 7d, 2w) or an ISO date or time (2025-11-22, 2025-11-22T10:00)"
    )
    expect(results[1]!.stderr).toContain("Invalid --since '2h30m'")
    expect(results[2]!.stderr).toContain("Invalid --until '2025-13-45'")
    for (const result of results) expect(result.code).toBe(2)
  })

  it('refuses a day or hour that is not in the calendar (exit 2), which Date.parse would roll over', async () => {
    const { db } = tempDb()
    const refused = [
      ['--since', '2026-02-30'],
      ['--until', '2026-13-01'],
      ['--since', '2026-02-29'],
      ['--until', '2026-04-31T10:00'],
      ['--since', '2026-01-01T24:00'],
      ['--since', '2026-00-10']
    ]
    const [leapDay, ...results] = await Promise.all(
      [['--since', '2024-02-29'], ...refused].map((args) => agor([...db, 'session', 'list', ...args]))
    )
    expect(leapDay).toEqual({ code: 0, stdout: 'No sessions\n', stderr: '' })
    for (const [i, [flag, value]] of refused.entries()) {
      expectUsage(results[i]!, `Invalid ${flag} '${value}': there is no such day or hour in the calendar`)
    }
    // further back than a date can go
    expectUsage(
      await agor([...db, 'session', 'list', '--since', '99999999w']),
      "Invalid --since '99999999w': too long ago"
    )
  })
})
