// The child process that builds a messages data set into the cache: messages-build.ts <messages>.
// It prints the data set as JSON on the last line of stdout (see messages-data.ts).
import { buildMessagesDataset } from './messages-data.js'

const size = Number(process.argv[2])
if (!Number.isSafeInteger(size) || size <= 0) throw new Error('usage: messages-build.ts <messages>')
const dataset = await buildMessagesDataset(size, (line) => process.stderr.write(`bench: ${line}\n`))
console.log(JSON.stringify(dataset))
