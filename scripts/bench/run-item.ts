// The child process of one item of `npm run bench`: run-item.ts <item> <quick|full>. It prints
// its results, notes and costs as JSON on the last line of stdout.
// Each item runs in a process of its own, so that no item's heap, garbage or compiled code (the
// peers', for one) changes another item's numbers.
import { Context, PROFILES } from './context.js'
import { ITEMS } from './scenarios/index.js'

const [item, mode] = process.argv.slice(2)
const entry = ITEMS[Number(item)]
if (!entry || (mode !== 'quick' && mode !== 'full')) {
  throw new Error('usage: run-item.ts <item> <quick|full>')
}
const context = new Context(PROFILES[mode])
try {
  const results = await entry.scenario(context)
  console.log(JSON.stringify({ results, notes: context.notes, costs: context.costs }))
} finally {
  context.close()
}
