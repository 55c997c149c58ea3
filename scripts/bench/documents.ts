/**
 * The sessions of the benchmark: documents of a realistic size (about 1 KB of JSON), shaped like a
 * real agor session: a title and a description, the repo and git state, and a custom context with
 * nested objects and arrays (tags, the issue it works on, the model, metrics, notes). The tags are
 * in custom_context: the sessions schema takes no other top-level fields.
 */
import { randomBelow, seededRandom } from './dataset-ids.js'

/** Agents of the generated sessions: the indexed JSON field that the finds filter on. */
export const AGENTS = [
  'claude-code',
  'codex',
  'gemini',
  'opencode',
  'cursor',
  'aider',
  'goose',
  'amp'
] as const
export const STATUSES = ['idle', 'running', 'completed', 'failed'] as const

const MODULES = ['parser', 'planner', 'store', 'cli', 'scheduler', 'renderer', 'auth', 'sync']
const VERBS = ['refactor', 'fix', 'speed up', 'document', 'test', 'split', 'rename', 'review']
const TAGS = ['backend', 'frontend', 'perf', 'bug', 'docs', 'tests', 'infra', 'security', 'ux', 'db']
const WORDS = (
  'the agent reads the failing test first then walks the call graph from the entry point and ' +
  'keeps a list of every place that touches the shared state before it changes anything so that ' +
  'the review can follow each step and the rollback stays one commit away'
).split(' ')

const pickOf = <T>(random: () => number, items: readonly T[]): T => items[randomBelow(random, items.length)]!

/** 40 hex digits, as a git sha. */
export function sha(random: () => number): string {
  let text = ''
  for (let k = 0; k < 5; k++)
    text += randomBelow(random, 2 ** 32)
      .toString(16)
      .padStart(8, '0')
  return text
}

function sentence(random: () => number, words: number): string {
  const out: string[] = []
  const at = randomBelow(random, WORDS.length)
  for (let k = 0; k < words; k++) out.push(WORDS[(at + k) % WORDS.length]!)
  return `${out.join(' ')}.`
}

/** The JSON fields of generated session `i` (what a client sends to `create`). */
export function sessionFields(i: number, random: () => number) {
  const module = MODULES[i % MODULES.length]!
  const project = `project-${i % 50}`
  const issue = 1000 + randomBelow(random, 9000)
  const tags = Array.from({ length: 2 + randomBelow(random, 4) }, () => pickOf(random, TAGS))
  return {
    agent: pickOf(random, AGENTS),
    title: `Session ${i}: ${pickOf(random, VERBS)} the ${module} module (#${issue})`,
    description: `${sentence(random, 18)} ${sentence(random, 14)}`,
    repo: { cwd: `/home/dev/src/${project}/.agor/worktrees/task-${i % 997}`, managed_worktree: i % 3 === 0 },
    git_state: {
      ref: i % 5 === 0 ? 'main' : `feature/task-${i % 997}-${module}`,
      base_sha: sha(random),
      current_sha: sha(random)
    },
    custom_context: {
      tags: [...new Set(tags)],
      issue: { tracker: 'github', number: issue, url: `https://github.com/acme/${project}/issues/${issue}` },
      model: { name: pickOf(random, ['sonnet-4.5', 'gpt-5-codex', 'gemini-2.5-pro']), temperature: 0.2 },
      metrics: {
        tokens_in: randomBelow(random, 400_000),
        tokens_out: randomBelow(random, 60_000),
        tool_calls: randomBelow(random, 300),
        files_changed: randomBelow(random, 40)
      },
      notes: [
        { by: 'planner', text: sentence(random, 9) },
        { by: 'reviewer', text: sentence(random, 7) }
      ]
    }
  }
}

export type SessionFields = ReturnType<typeof sessionFields>

/** The fields of `count` generated sessions: the same inputs for every side of a comparison. */
export function fieldPool(count: number, seed: number): SessionFields[] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, (_, i) => sessionFields(i, random))
}

/** The nested field a patch changes (`git_state.current_sha`), for the `i`th patch. */
export function patchSha(i: number): string {
  return sha(seededRandom(i + 1))
}
