// A small Feathers client for a running daemon (`npm start`): creates, lists and gets a session,
// then prints live events until you press Ctrl-C.
//   node scripts/live-client.mjs [http://127.0.0.1:3030]
// With authentication on, set AGOR_API_KEY to one of the daemon's keys.
import client from '@feathersjs/client'
import { io } from 'socket.io-client'

const url = process.argv[2] ?? process.env.AGOR_URL ?? 'http://127.0.0.1:3030'
const socket = io(url, { transports: ['websocket'], auth: { apiKey: process.env.AGOR_API_KEY } })
const connection = client.socketio(socket)
const app = client.feathers()
app.configure(connection)
// custom methods (shortIds, fork, spawn, genealogy) must be named to be callable
const methods = [
  'find',
  'get',
  'create',
  'update',
  'patch',
  'remove',
  'shortIds',
  'fork',
  'spawn',
  'genealogy'
]
app.use('sessions', connection.service('sessions'), { methods })
const sessions = app.service('sessions')

for (const event of ['created', 'updated', 'patched', 'removed']) {
  sessions.on(event, (session) => console.log(`${event}: ${session.session_id} (${session.status})`))
}

const session = await sessions.create({ agent: 'claude-code', title: 'Hello from a socket' })
const page = await sessions.find({ query: { $sort: { created_at: -1 }, $limit: 5 } })
console.log(`${page.total} sessions; the newest: ${page.data.map((s) => s.session_id).join(', ')}`)
const [shortId] = await sessions.shortIds({ ids: [session.session_id] })
console.log('got by short id:', await sessions.get(shortId))
console.log('listening for events (Ctrl-C to stop)')
