// `agor <collection> list --search`: on the database file and through a daemon that serves it, the
// same matches as brute force, best first unless --sort says otherwise; text with no word is a
// usage error.
import { describe, expect, it } from 'vitest'
import { collections } from '../src/schema/index.js'
import { agor, json, openFile, startDaemon, tempDb } from './cli-helpers.js'
import { matches } from './search-model.js'

type Doc = Record<string, unknown>

const TITLES = [
  'Login bug in the café',
  'login page crash',
  'deploy the parser',
  'Café menu',
  'resume naïve login',
  'nothing to see'
]

describe('agor <collection> list --search', () => {
  it('lists the matches, on the file and through a daemon, and refuses text without a word', async () => {
    const { path, db } = tempDb()
    const store = await openFile(path)
    const docs = (await store
      .service('sessions')
      .create(
        TITLES.map((title, i) => ({ agent: i % 2 ? 'odd' : 'even', title, description: `n${i}` }))
      )) as Doc[]
    const brute = (search: string, where: (d: Doc) => boolean = () => true) =>
      docs
        .filter((d) => where(d) && matches(d, collections.sessions.search, search))
        .map((d) => String(d.session_id))
        .sort()
    const listed = async (args: string[]) => {
      const result = await agor(args)
      expect(result.code, result.stderr).toBe(0)
      return json<{ total: number; data: Doc[] }>(result)
    }
    // on the file, then through a daemon that serves it (found by its record, and by its URL)
    let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined
    try {
      for (const via of ['file', 'record', 'url']) {
        if (via === 'record') daemon = await startDaemon(db)
        const target = via === 'url' ? ['--url', daemon!.url] : db
        for (const search of ['login', 'CAFE', '"login bug"', 'log* cafe', 'naive']) {
          const page = await listed([...target, 'session', 'list', '--search', search, '--json'])
          expect(page.data.map((d) => String(d.session_id)).sort(), search).toEqual(brute(search))
          expect(page.total).toBe(brute(search).length)
        }
        const combined = await listed([
          ...target,
          'session',
          'list',
          '--search',
          'login',
          '--agent',
          'even',
          '--sort',
          'title',
          '--json'
        ])
        // SQLite compares text by its bytes, as JavaScript's sort does these titles
        const expected = docs
          .filter((d) => d.agent === 'even' && matches(d, collections.sessions.search, 'login'))
          .map((d) => String(d.title))
          .sort()
        expect(combined.data.map((d) => d.title)).toEqual(expected)
        const quiet = await agor([...target, 'session', 'list', '--search', 'parser', '-q'])
        expect(quiet.stdout.trim().split('\n')).toHaveLength(1)
        const refused = await agor([...target, 'session', 'list', '--search', '(*)'])
        expect(refused.code).toBe(2)
        expect(refused.stderr).toContain('error: $search needs at least one word to look for')
        expect(refused.stderr).not.toMatch(/fts5|select|sqlite/i)
        // a second --search would silently replace the first
        const twice = await agor([...target, 'session', 'list', '--search', 'parser', '--search', 'fix'])
        expect(twice.code).toBe(2)
        expect(twice.stderr).toContain('Give it once')
      }
      // the best match first: a title with nothing but the word
      await store.service('boards').create([
        { name: 'roadmap', description: 'the roadmap of the roadmap: roadmap' },
        { name: 'sprint', description: 'a long text that mentions the roadmap once among many other words' }
      ])
      const boards = await listed([...db, 'board', 'list', '--search', 'roadmap', '--json'])
      expect(boards.data.map((b) => b.name)).toEqual(['roadmap', 'sprint'])
    } finally {
      await daemon?.stop()
    }
  })
})
