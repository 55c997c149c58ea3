// What the CLI writes by hand instead of loading a library that would cost a one-shot command more
// than its work: relative times (Intl loads ICU data on first use) and REST query strings (qs).

import qs from 'qs'
import { describe, expect, it } from 'vitest'
import { relativeWords } from '../src/cli/render.js'
import { queryString } from '../src/cli/rest.js'

describe('relative times', () => {
  it('say what Intl.RelativeTimeFormat says in English', () => {
    const intl = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })
    const units = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'] as const
    const counts = [-123_456, -1234, -999, -100, -12, -2, -1, 0, 1, 2, 7, 59, 1000, 1_000_000]
    for (const unit of units) {
      for (const n of counts) expect(relativeWords(n, unit)).toBe(intl.format(n, unit))
    }
  })
})

describe('query strings of REST calls to a daemon', () => {
  it('are what qs.stringify writes, which the daemon parses', () => {
    const queries = [
      {},
      { $limit: 50, $skip: 0, $sort: { created_at: -1 } },
      { status: { $in: ['running', 'failed'] }, 'git_state.ref': 'main', title: null },
      { description: { $like: "%it's 100% (x*y) ~ [a] & b=c+d é ✓%" }, $or: [{ a: 1 }, { b: true }] },
      { at: new Date(0), skipped: undefined, empty: [], none: {} }
    ]
    for (const query of queries) {
      const expected = qs.stringify(query)
      expect(queryString(query)).toBe(expected ? `?${expected}` : '')
    }
  })
})
