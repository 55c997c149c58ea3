/**
 * The messages of the benchmark: about 1 KB documents shaped like agor's (a user's prompt as text,
 * the assistant's turns as content blocks of text and a tool_use, the tool's result as a
 * tool_result block; a content preview; metadata with the model and the tokens), made from a
 * seeded random, so that every run and every side gets the same ones.
 */
import { previewOf } from '../../src/schema/preview.js'
import { toIso } from '../../src/store/row.js'
import { END_MS, randomBelow, seededRandom } from './dataset-ids.js'

/** Messages of every session: pages of 100 at $skip 0-900. */
export const PER_SESSION = 1000
/** Messages of one task: a prompt, then the agent's turns and the tools' results. */
export const PER_TASK = 20

/** The models agor's sessions and messages name (the data sets' sessions use them too). */
export const MODELS = ['claude-sonnet-4-5-20250929', 'claude-opus-4-1-20250805', 'claude-haiku-4-5-20251001']
/** The modules a conversation is about. */
export const MODULES = ['parser', 'planner', 'store', 'cli', 'scheduler', 'renderer', 'auth', 'sync']
const WORDS = (
  'the agent reads the failing test first then walks the call graph from the entry point and ' +
  'keeps a list of every place that touches the shared state before it changes anything so that ' +
  'the review can follow each step and the rollback stays one commit away while the build runs ' +
  'again with the new fixture and the flaky timeout goes from the suite'
).split(' ')

const pickOf = <T>(random: () => number, items: readonly T[]): T => items[randomBelow(random, items.length)]!

/** `words` words of plausible prose, ending with a full stop. */
export function sentences(random: () => number, words: number): string {
  const out: string[] = []
  let at = randomBelow(random, WORDS.length)
  for (let k = 0; k < words; k++) {
    out.push(WORDS[at % WORDS.length]!)
    at += 1 + (k % 11 === 10 ? randomBelow(random, 7) : 0)
  }
  return `${out.join(' ')}.`
}

function toolUseId(random: () => number): string {
  let id = 'toolu_01'
  for (let k = 0; k < 22; k++)
    id += 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'[randomBelow(random, 56)]
  return id
}

function toolUse(random: () => number, module: string): { name: string; input: Record<string, unknown> } {
  const file = `src/${module}/${pickOf(random, ['index', 'core', 'types', 'io', 'state'])}.ts`
  switch (randomBelow(random, 4)) {
    case 0:
      return { name: 'Read', input: { file_path: `/home/dev/src/project/${file}`, limit: 400 } }
    case 1:
      return {
        name: 'Edit',
        input: {
          file_path: `/home/dev/src/project/${file}`,
          old_string: `  ${sentences(random, 9)}`,
          new_string: `  ${sentences(random, 11)}`
        }
      }
    case 2:
      return {
        name: 'Bash',
        input: { command: `npx vitest run test/${module}.test.ts`, description: sentences(random, 6) }
      }
    default:
      return {
        name: 'Grep',
        input: { pattern: `${module}State`, path: `/home/dev/src/project/src/${module}` }
      }
  }
}

/**
 * The fields of the message at `index` of a conversation, without its session, task and index:
 * what agor's daemon sends to `create` (agor sets the preview itself), from a seeded random.
 */
export function messageFields(index: number, random: () => number, ms: number) {
  const module = MODULES[randomBelow(random, MODULES.length)]!
  const model = MODELS[randomBelow(random, MODELS.length)]!
  const timestamp = toIso(ms)
  const turn = index % PER_TASK
  if (turn === 0) {
    const content = `In the ${module} module: ${sentences(random, 40)} ${sentences(random, 30)}`
    return {
      type: 'user' as const,
      role: 'user' as const,
      timestamp,
      content_preview: previewOf(content),
      content,
      metadata: { model, tokens: { input: 0, output: 0 }, source: 'agor' }
    }
  }
  const tokens = {
    input: 1 + randomBelow(random, 4000),
    output: randomBelow(random, 2000),
    cache_read: randomBelow(random, 180_000),
    cache_creation: randomBelow(random, 8000)
  }
  if (turn % 2 === 1) {
    const id = toolUseId(random)
    const tool = toolUse(random, module)
    const content = [
      { type: 'text', text: `${sentences(random, 28)} ${sentences(random, 14)}` },
      { type: 'tool_use', id, name: tool.name, input: tool.input }
    ]
    return {
      type: 'assistant' as const,
      role: 'assistant' as const,
      timestamp,
      content_preview: previewOf(content),
      content,
      tool_uses: [{ id, name: tool.name, input: tool.input }],
      metadata: { model, tokens, stop_reason: 'tool_use', duration_ms: 400 + randomBelow(random, 20_000) }
    }
  }
  const content = [
    {
      type: 'tool_result',
      tool_use_id: toolUseId(random),
      content: `${sentences(random, 40)}\n${sentences(random, 40)}\n${sentences(random, 20)}`,
      is_error: randomBelow(random, 20) === 0
    }
  ]
  return {
    type: 'user' as const,
    role: 'user' as const,
    timestamp,
    content_preview: previewOf(content),
    content,
    metadata: { model, tokens }
  }
}

export type MessageFields = ReturnType<typeof messageFields>

/** The fields of `count` messages to append: turns 1-19 of a task (the agent's and its tools'), in turn. */
export function appendPool(count: number, seed: number): MessageFields[] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, (_, i) => messageFields(1 + (i % (PER_TASK - 1)), random, END_MS))
}
