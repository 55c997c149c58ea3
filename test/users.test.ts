// Users who log in with an email and a password, driven over real HTTP and socket.io against a
// served store on a real database file, and through the built CLI: passwords never leave the
// credentials table, logins tell nothing about who has an account, roles and memberships decide
// what a user may do and which events a user's socket receives.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import { io, type Socket } from 'socket.io-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type AgorClient, connect } from '../src/client.js'
import { collectionNames } from '../src/schema/index.js'
import { type AgorServer, createServer } from '../src/service/server.js'
import { openStore, type Store } from '../src/service/store.js'
import { agor, json, openFile, startDaemon, tempDb } from './cli-helpers.js'
import { tempDbUrl, tempDir } from './helpers.js'
import { record, request, waitFor } from './transport-helpers.js'

const ADMIN_KEY = 'admin-key-0123456789abcdef'
const ADMIN = { 'x-api-key': ADMIN_KEY }
/** Every password these tests give, so that any output can be searched for all of them. */
const PASSWORDS = {
  admin: 'admin-pass-Q1w2e3r4',
  member: 'member-pass-T5y6u7i8',
  viewer: 'viewer-pass-O9p0a1s2',
  leaver: 'leaver-pass-D3f4g5h6',
  newbie: 'newbie-pass-J7k8l9z0',
  changed: 'changed-pass-X1c2v3b4',
  takeover: 'takeover-pass-N5m6q7w8',
  escalate: 'escalate-pass-E9r0t1y2'
}
const EMAILS = {
  admin: 'admin@example.com',
  member: 'member@example.com',
  viewer: 'viewer@example.com',
  leaver: 'leaver@example.com',
  newbie: 'newbie@example.com'
}

let store: Store
let server: AgorServer
/** User ids by the names above. */
const ids: Record<string, string> = {}
const sockets: Socket[] = []
const clients: AgorClient[] = []

/** A user's data with a password: the service takes `password` besides the document's fields. */
function withPassword<T extends object>(fields: T, password: string): T & { password: string } {
  return { ...fields, password }
}

beforeAll(async () => {
  store = await openStore({ url: tempDbUrl(), auth: { apiKeys: [`admin:${ADMIN_KEY}`] } })
  await store.database.workspaces.create('acme')
  await store.database.workspaces.create('beta')
  const users = store.service('users')
  const made = await users.create(
    withPassword({ email: 'Admin@Example.com', name: 'Ada', role: 'admin' }, PASSWORDS.admin)
  )
  ids.admin = made.user_id
  ids.member = (
    await users.create(
      withPassword({ email: EMAILS.member, workspaces: { acme: 'member' } }, PASSWORDS.member)
    )
  ).user_id
  ids.viewer = (
    await users.create(withPassword({ email: EMAILS.viewer, role: 'viewer' }, PASSWORDS.viewer))
  ).user_id
  ids.leaver = (await users.create(withPassword({ email: EMAILS.leaver }, PASSWORDS.leaver))).user_id
  server = await createServer(store, { port: 0 })
})
afterAll(async () => {
  for (const socket of sockets) socket.close()
  for (const client of clients) client.close()
  await server?.close()
  await store?.close()
})

const http = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
  request(server.url, method, path, body, headers)
const login = (email: unknown, password: unknown, url = server.url) =>
  request(url, 'POST', '/authentication', { strategy: 'local', email, password })
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
/** Logs in and returns the Authorization header of the access token. */
async function as(email: string, password: string): Promise<Record<string, string>> {
  const answer = await login(email, password)
  expect(answer.status).toBe(201)
  return bearer(answer.body.accessToken)
}

async function sql(text: string, args: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const result = await store.database.connection.execute({ sql: text, args })
  return result.rows.map((row) => ({ ...row }))
}
const hashOf = async (userId: string) =>
  (await sql('SELECT hash FROM agor_credentials WHERE user_id = ?', [userId]))[0]?.hash
const credentialCount = async () => Number((await sql('SELECT count(*) AS n FROM agor_credentials'))[0]?.n)
const userRowsByEmail = (email: string) => sql('SELECT user_id FROM users WHERE email = ?', [email])
/** The last seq of the change feed: unchanged when nothing was written. */
const lastSeq = async () => Number((await sql('SELECT coalesce(max(seq), 0) AS n FROM agor_changes'))[0]?.n)

/** Fails if `value`, whatever it is, carries a password or a password hash. */
function noSecrets(value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  expect(text).not.toMatch(/"password"/)
  expect(text).not.toMatch(/\$2[aby]\$\d\d\$/)
  for (const password of Object.values(PASSWORDS)) expect(text).not.toContain(password)
}

/** A socket.io connection (websocket only), connected; `auth.workspace` names its workspace. */
async function socketTo(workspace?: string, url = server.url): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], ...(workspace ? { auth: { workspace } } : {}) })
  sockets.push(socket)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve())
    socket.once('connect_error', reject)
  })
  return socket
}

interface SocketAnswer {
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, asserted on field by field
  error?: any
  // biome-ignore lint/suspicious/noExplicitAny: JSON from the wire, asserted on field by field
  result?: any
}

/** A Feathers call over socket.io: emit(method, path, ...args, callback). */
function call(socket: Socket, method: string, path: string, ...args: unknown[]): Promise<SocketAnswer> {
  return new Promise((resolve) => {
    socket.emit(method, path, ...args, (error: unknown, result: unknown) =>
      resolve({ error: error ?? undefined, result })
    )
  })
}

/** Records the `sessions created` events a socket receives. */
function sessionsCreated(socket: Socket): Record<string, unknown>[] {
  const seen: Record<string, unknown>[] = []
  socket.on('sessions created', (data: Record<string, unknown>) => seen.push(data))
  return seen
}

/**
 * Resolves once every event the server sent this socket before now has arrived: a call's answer
 * comes on the same connection after them (whatever the call's outcome).
 */
async function drained(socket: Socket): Promise<void> {
  await call(socket, 'find', 'sessions', { $limit: 0 })
}

describe('passwords are kept apart', () => {
  it('never appear in a document, a result, a read, a row or the change feed; the hash is bcrypt', async () => {
    const users = store.service('users')
    const made = await users.get(ids.admin!)
    expect(made.email).toBe('admin@example.com')
    expect(made.role).toBe('admin')
    noSecrets(made)
    noSecrets(await users.find({ paginate: false }))
    const hash = await hashOf(ids.admin!)
    expect(typeof hash).toBe('string')
    expect(String(hash)).toMatch(/^\$2[aby]\$10\$/)
    expect(await bcrypt.compare(PASSWORDS.admin, String(hash))).toBe(true)
    expect(await bcrypt.compare(PASSWORDS.member, String(hash))).toBe(false)
    // one credential per user that gave a password
    const credentials = await sql('SELECT user_id, hash FROM agor_credentials ORDER BY user_id')
    expect(credentials.map((c) => c.user_id)).toEqual([ids.admin, ids.member, ids.viewer, ids.leaver].sort())
    expect(new Set(credentials.map((c) => c.hash)).size).toBe(4)
    noSecrets(await sql('SELECT * FROM users'))
    noSecrets(await sql('SELECT * FROM agor_changes'))
  })

  it('never reach REST answers, socket events or /changes when an admin creates a user over REST', async () => {
    const admin = connect(server.url, { apiKey: ADMIN_KEY })
    clients.push(admin)
    const events = record(admin.app.service('users'))
    await admin.app.service('users').find({ query: { $limit: 0 } })
    const made = await http('POST', '/users', await as(EMAILS.admin, PASSWORDS.admin), {
      email: EMAILS.newbie,
      name: 'New',
      password: PASSWORDS.newbie
    })
    expect(made.status).toBe(201)
    expect(made.body).toMatchObject({ email: EMAILS.newbie, name: 'New', role: 'member' })
    noSecrets(made.text)
    ids.newbie = made.body.user_id
    expect(await bcrypt.compare(PASSWORDS.newbie, String(await hashOf(ids.newbie!)))).toBe(true)
    await waitFor(() => events.some((e) => e.data.user_id === ids.newbie), 'the created event')
    // a patch that gives a password with a field: its event carries the field only
    const patched = await http('PATCH', `/users/${ids.newbie}`, ADMIN, {
      emoji: '🐣',
      password: PASSWORDS.newbie
    })
    expect(patched.status).toBe(200)
    noSecrets(patched.text)
    await waitFor(
      () => events.some((e) => e.event === 'patched' && e.data.user_id === ids.newbie),
      'the patch'
    )
    noSecrets(events)
    noSecrets((await http('GET', `/users/${ids.newbie}`, ADMIN)).text)
    const list = await http('GET', '/users', ADMIN)
    expect(list.body.total).toBe(5)
    noSecrets(list.text)
    const changes = await http('GET', '/changes?$limit=1000', ADMIN)
    expect(changes.status).toBe(200)
    expect(changes.text).toContain(ids.newbie)
    noSecrets(changes.text)
    noSecrets(await sql('SELECT * FROM agor_changes'))
  })
})

describe('logging in', () => {
  it('returns an access token and the user, without a password', async () => {
    const answer = await login(EMAILS.member, PASSWORDS.member)
    expect(answer.status).toBe(201)
    expect(typeof answer.body.accessToken).toBe('string')
    expect(answer.body.authentication).toMatchObject({ strategy: 'local' })
    expect(answer.body.user).toMatchObject({ user_id: ids.member, email: EMAILS.member, role: 'member' })
    noSecrets(answer.text)
    const own = await http('GET', `/users/${ids.member}`, bearer(answer.body.accessToken))
    expect(own.status).toBe(200)
  })

  it('answers a wrong password, an unknown email and a missing field alike: 401, one message', async () => {
    const wrong = await login(EMAILS.admin, `${PASSWORDS.admin}x`)
    const unknown = await login('nobody@example.com', PASSWORDS.admin)
    const noPassword = await login(EMAILS.admin, undefined)
    const noEmail = await login(undefined, PASSWORDS.admin)
    const empty = await login(EMAILS.admin, '')
    // a password of another user: still the same answer
    const another = await login(EMAILS.admin, PASSWORDS.member)
    for (const answer of [wrong, unknown, noPassword, noEmail, empty, another]) {
      expect(answer.status).toBe(401)
      expect(answer.body).toEqual(wrong.body)
      expect(answer.body).toMatchObject({ name: 'NotAuthenticated', code: 401 })
      expect(answer.body.accessToken).toBeUndefined()
    }
    expect(wrong.body.message).toBe('Invalid login')
  })

  it('finds the user by email in any case, with spaces around it', async () => {
    const answer = await login('  ADMIN@example.COM ', PASSWORDS.admin)
    expect(answer.status).toBe(201)
    expect(answer.body.user.user_id).toBe(ids.admin)
  })

  it('keeps one user per email, whatever its case (409, nothing written)', async () => {
    const before = await credentialCount()
    const seq = await lastSeq()
    const again = await http('POST', '/users', ADMIN, {
      email: ' ADMIN@EXAMPLE.com',
      password: 'another-pass-1'
    })
    expect(again.status).toBe(409)
    expect((await http('POST', '/users', ADMIN, { email: 'Member@Example.COM' })).status).toBe(409)
    expect(await userRowsByEmail(EMAILS.admin)).toHaveLength(1)
    expect(await credentialCount()).toBe(before)
    expect(await lastSeq()).toBe(seq)
    // the admin's own password still works, and only it
    expect((await login(EMAILS.admin, 'another-pass-1')).status).toBe(401)
    expect((await login(EMAILS.admin, PASSWORDS.admin)).status).toBe(201)
  })

  it('refuses passwords that are too short, too long or not text (400), and writes nothing', async () => {
    const credentials = await credentialCount()
    const seq = await lastSeq()
    const cases: [unknown, string][] = [
      ['1234567', 'password must be at least 8 characters'],
      // 37 characters, 74 bytes: bcrypt would read only the first 72
      ['é'.repeat(37), 'password must be at most 72 bytes'],
      [12345678, 'password must be a string']
    ]
    for (const [password, message] of cases) {
      const created = await http('POST', '/users', ADMIN, { email: 'weak@example.com', password })
      expect(created.status).toBe(400)
      expect(created.body.message).toBe(message)
      const patched = await http('PATCH', `/users/${ids.viewer}`, ADMIN, { name: 'x', password })
      expect(patched.status).toBe(400)
      expect(patched.body.message).toBe(message)
    }
    expect(await userRowsByEmail('weak@example.com')).toEqual([])
    expect(await credentialCount()).toBe(credentials)
    expect(await lastSeq()).toBe(seq)
    expect((await store.service('users').get(ids.viewer!)).name).toBeUndefined()
    expect((await login(EMAILS.viewer, PASSWORDS.viewer)).status).toBe(201)
  })

  it('takes a new password from its user: the old one fails from then on, the new one works', async () => {
    const token = await as(EMAILS.newbie, PASSWORDS.newbie)
    const hashBefore = await hashOf(ids.newbie!)
    const changed = await http('PATCH', `/users/${ids.newbie}`, token, { password: PASSWORDS.changed })
    expect(changed.status).toBe(200)
    expect(changed.body.user_id).toBe(ids.newbie)
    noSecrets(changed.text)
    const hashAfter = String(await hashOf(ids.newbie!))
    expect(hashAfter).not.toBe(hashBefore)
    expect(await bcrypt.compare(PASSWORDS.changed, hashAfter)).toBe(true)
    expect((await login(EMAILS.newbie, PASSWORDS.newbie)).status).toBe(401)
    expect((await login(EMAILS.newbie, PASSWORDS.changed)).status).toBe(201)
  })

  it("does not let a user set another user's password", async () => {
    const member = await as(EMAILS.member, PASSWORDS.member)
    const viewer = await as(EMAILS.viewer, PASSWORDS.viewer)
    const hashBefore = await hashOf(ids.admin!)
    try {
      const anonymous = await http('PATCH', `/users/${ids.admin}`, {}, { password: PASSWORDS.takeover })
      expect(anonymous.status).toBe(401)
      for (const token of [member, viewer]) {
        const answer = await http('PATCH', `/users/${ids.admin}`, token, { password: PASSWORDS.takeover })
        expect(answer.status).toBe(403)
      }
      expect(await hashOf(ids.admin!)).toBe(hashBefore)
      expect((await login(EMAILS.admin, PASSWORDS.takeover)).status).toBe(401)
      expect((await login(EMAILS.admin, PASSWORDS.admin)).status).toBe(201)
    } finally {
      // the admin's password back, whatever happened, for the tests after this one
      if ((await hashOf(ids.admin!)) !== hashBefore)
        await store.service('users').patch(ids.admin!, withPassword({ email: EMAILS.admin }, PASSWORDS.admin))
    }
  })
})

describe('roles', () => {
  it('an admin creates users and changes roles; a member or a viewer cannot (403, nothing written)', async () => {
    const admin = await as(EMAILS.admin, PASSWORDS.admin)
    const credentials = await credentialCount()
    for (const [email, password] of [
      [EMAILS.member, PASSWORDS.member],
      [EMAILS.viewer, PASSWORDS.viewer]
    ] as const) {
      const token = await as(email, password)
      const seq = await lastSeq()
      const made = await http('POST', '/users', token, {
        email: 'sneaky@example.com',
        password: 'sneaky-pass-1'
      })
      expect(made.status).toBe(403)
      expect((await http('POST', '/users', token, { email: 'sneaky@example.com' })).status).toBe(403)
      const promoted = await http('PATCH', `/users/${ids.newbie}`, token, { role: 'owner' })
      expect(promoted.status).toBe(403)
      expect((await http('DELETE', `/users/${ids.newbie}`, token)).status).toBe(403)
      expect(await lastSeq()).toBe(seq)
    }
    expect(await userRowsByEmail('sneaky@example.com')).toEqual([])
    expect(await credentialCount()).toBe(credentials)
    expect((await store.service('users').get(ids.newbie!)).role).toBe('member')
    // the admin can, and a user's token carries the user's role as it is now
    const newbie = await as(EMAILS.newbie, PASSWORDS.changed)
    expect((await http('POST', '/boards', newbie, { name: 'by a member' })).status).toBe(201)
    const demoted = await http('PATCH', `/users/${ids.newbie}`, admin, { role: 'viewer' })
    expect(demoted.status).toBe(200)
    expect((await store.service('users').get(ids.newbie!)).role).toBe('viewer')
    expect((await http('POST', '/boards', newbie, { name: 'by a viewer' })).status).toBe(403)
  })

  it('a viewer reads every collection and changes none (403, nothing written)', async () => {
    const viewer = await as(EMAILS.viewer, PASSWORDS.viewer)
    const session = await store.service('sessions').create({ agent: 'claude-code', title: 'kept' })
    const board = await store.service('boards').create({ name: 'kept' })
    expect((await http('GET', `/sessions/${session.session_id}`, viewer)).body.title).toBe('kept')
    expect((await http('GET', '/boards', viewer)).status).toBe(200)
    const seq = await lastSeq()
    const some = '0199b73d-0000-7000-8000-000000000001'
    for (const name of collectionNames) {
      const existing: Record<string, string> = {
        kv: 'some-key',
        sessions: session.session_id,
        boards: board.board_id,
        users: ids.admin!
      }
      const id = existing[name] ?? some
      const attempts = [
        ['POST', `/${name}`, {}],
        ['PUT', `/${name}/${id}`, { value: 1 }],
        ['PATCH', `/${name}/${id}`, { title: 'changed' }],
        ['DELETE', `/${name}/${id}`, undefined],
        ['PATCH', `/${name}?$all=true`, { title: 'changed' }],
        ['DELETE', `/${name}?$all=true`, undefined]
      ] as const
      for (const [method, path, body] of attempts) {
        const answer = await http(method, path, viewer, body)
        expect({ name, method, path, status: answer.status }).toEqual({ name, method, path, status: 403 })
      }
    }
    expect(await lastSeq()).toBe(seq)
    expect((await store.service('sessions').get(session.session_id)).title).toBe('kept')
    expect((await store.service('boards').get(board.board_id)).name).toBe('kept')
  })

  it('a user changes their own name, emoji and preferences, but not their role, workspaces or email', async () => {
    const member = await as(EMAILS.member, PASSWORDS.member)
    const viewer = await as(EMAILS.viewer, PASSWORDS.viewer)
    const own = await http('PATCH', `/users/${ids.member}`, member, {
      name: 'Mem',
      emoji: '🦊',
      preferences: { theme: 'dark' }
    })
    expect(own.status).toBe(200)
    expect(await store.service('users').get(ids.member!)).toMatchObject({
      name: 'Mem',
      emoji: '🦊',
      preferences: { theme: 'dark' },
      role: 'member'
    })
    // a viewer's own profile too
    expect((await http('PATCH', `/users/${ids.viewer}`, viewer, { emoji: '👀' })).status).toBe(200)
    expect((await store.service('users').get(ids.viewer!)).emoji).toBe('👀')
    const seq = await lastSeq()
    for (const data of [
      { role: 'admin' },
      { role: 'owner', name: 'Boss' },
      { workspaces: { acme: 'member', beta: 'owner' } },
      { email: 'other@example.com' }
    ]) {
      expect((await http('PATCH', `/users/${ids.member}`, member, data)).status).toBe(403)
      expect((await http('PATCH', `/users/${ids.viewer}`, viewer, data)).status).toBe(403)
    }
    // nor the whole document, nor another user's profile
    const replaced = await http('PUT', `/users/${ids.member}`, member, { email: EMAILS.member, name: 'x' })
    expect(replaced.status).toBe(403)
    expect((await http('PATCH', `/users/${ids.viewer}`, member, { name: 'renamed' })).status).toBe(403)
    expect(await lastSeq()).toBe(seq)
    expect(await store.service('users').get(ids.member!)).toMatchObject({
      name: 'Mem',
      role: 'member',
      email: EMAILS.member,
      workspaces: { acme: 'member' }
    })
  })

  it('a workspace key can neither read nor change accounts (403, nothing written)', async () => {
    const { key } = await store.database.workspaces.createKey('acme', 'acme-ci')
    const acme = { 'x-api-key': key }
    const credentials = await credentialCount()
    const seq = await lastSeq()
    const attempts = [
      ['POST', '/users', { email: 'mallory@example.com', role: 'owner', password: PASSWORDS.escalate }],
      ['PATCH', `/users/${ids.newbie}`, { role: 'owner' }],
      ['PATCH', `/users/${ids.admin}`, { password: PASSWORDS.escalate }],
      ['PUT', `/users/${ids.newbie}`, { email: EMAILS.newbie, role: 'owner' }],
      ['DELETE', `/users/${ids.viewer}`, undefined],
      ['GET', '/users', undefined],
      ['GET', `/users/${ids.admin}`, undefined]
    ] as const
    for (const [method, path, body] of attempts) {
      const answer = await http(method, path, acme, body)
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 })
      expect(answer.text).not.toContain(EMAILS.admin)
    }
    expect(await userRowsByEmail('mallory@example.com')).toEqual([])
    expect(await credentialCount()).toBe(credentials)
    expect(await lastSeq()).toBe(seq)
    expect((await store.service('users').get(ids.newbie!)).role).toBe('viewer')
    expect((await login('mallory@example.com', PASSWORDS.escalate)).status).toBe(401)
    expect((await login(EMAILS.admin, PASSWORDS.admin)).status).toBe(201)
    // the key still works in its own workspace
    expect((await http('GET', '/sessions', acme)).status).toBe(200)
  })
})

describe('workspaces of a user', () => {
  it('a member of acme reads and writes there, and beta or an unknown workspace does not exist (404)', async () => {
    const member = await as(EMAILS.member, PASSWORDS.member)
    const inAcme = { ...member, 'x-agor-workspace': 'acme' }
    const made = await http('POST', '/boards', inAcme, { name: 'acme board' })
    expect(made.status).toBe(201)
    const rows = await sql('SELECT workspace FROM boards WHERE board_id = ?', [made.body.board_id])
    expect(rows).toEqual([{ workspace: 'acme' }])
    const listed = await http('GET', '/boards', inAcme)
    expect(listed.body.data.map((b: { board_id: string }) => b.board_id)).toEqual([made.body.board_id])
    expect((await http('PATCH', `/boards/${made.body.board_id}`, inAcme, { color: 'red' })).status).toBe(200)
    // in default, acme's board does not exist
    expect((await http('GET', `/boards/${made.body.board_id}`, member)).status).toBe(404)
    const seq = await lastSeq()
    for (const workspace of ['beta', 'nowhere']) {
      const headers = { ...member, 'x-agor-workspace': workspace }
      const read = await http('GET', '/boards', headers)
      expect(read.status).toBe(404)
      expect(read.body.message).toBe(`No workspace is called '${workspace}'`)
      expect((await http('POST', '/boards', headers, { name: 'x' })).status).toBe(404)
      expect((await http('GET', '/changes', headers)).status).toBe(404)
    }
    // the admin of default is no member of acme
    const admin = await as(EMAILS.admin, PASSWORDS.admin)
    expect((await http('GET', '/boards', { ...admin, 'x-agor-workspace': 'acme' })).status).toBe(404)
    expect(await lastSeq()).toBe(seq)
    expect(await sql("SELECT count(*) AS n FROM boards WHERE workspace = 'beta'")).toEqual([{ n: 0 }])
  })
})

describe('created_by', () => {
  it('is the id of the user who creates, whatever the body says, and never changes', async () => {
    const member = await as(EMAILS.member, PASSWORDS.member)
    const one = await http('POST', '/boards', member, { name: 'mine', created_by: ids.admin })
    expect(one.status).toBe(201)
    expect(one.body.created_by).toBe(ids.member)
    const many = await http('POST', '/boards', member, [{ name: 'a', created_by: 'someone' }, { name: 'b' }])
    expect(many.status).toBe(201)
    const session = await http(
      'POST',
      '/sessions',
      { ...member, 'x-agor-workspace': 'acme' },
      {
        agent: 'claude-code',
        created_by: ids.admin
      }
    )
    expect(session.status).toBe(201)
    const stored = await Promise.all([
      store.service('boards').get(one.body.board_id),
      ...many.body.map((b: { board_id: string }) => store.service('boards').get(b.board_id)),
      store.service('sessions').get(session.body.session_id, { workspace: 'acme' })
    ])
    expect(stored.map((doc) => doc.created_by)).toEqual([ids.member, ids.member, ids.member, ids.member])
    // a patch that names another author is a 400, from a user or an admin key alike
    for (const headers of [member, ADMIN]) {
      const moved = await http('PATCH', `/boards/${one.body.board_id}`, headers, { created_by: ids.admin })
      expect(moved.status).toBe(400)
      expect(moved.body.message).toContain('created_by cannot change')
    }
    const cleared = await http('PATCH', `/boards/${one.body.board_id}`, ADMIN, { created_by: null })
    expect(cleared.status).toBe(400)
    // naming the same author, or leaving it out of a replacement, keeps it
    const same = await http('PATCH', `/boards/${one.body.board_id}`, member, {
      created_by: ids.member,
      icon: 'x'
    })
    expect(same.status).toBe(200)
    const replaced = await http('PUT', `/boards/${one.body.board_id}`, member, { name: 'replaced' })
    expect(replaced.status).toBe(200)
    expect(await store.service('boards').get(one.body.board_id)).toMatchObject({
      name: 'replaced',
      created_by: ids.member
    })
  })
})

describe('a removed user', () => {
  it('loses their token, their password and the events of their socket', async () => {
    const token = await as(EMAILS.leaver, PASSWORDS.leaver)
    expect((await http('GET', '/sessions', token)).status).toBe(200)
    const leaving = await socketTo()
    const loggedIn = await call(leaving, 'create', 'authentication', {
      strategy: 'local',
      email: EMAILS.leaver,
      password: PASSWORDS.leaver
    })
    expect(loggedIn.error).toBeUndefined()
    const witness = await socketTo()
    expect(
      (
        await call(witness, 'create', 'authentication', {
          strategy: 'jwt',
          accessToken: (await login(EMAILS.member, PASSWORDS.member)).body.accessToken
        })
      ).error
    ).toBeUndefined()
    const seenLeaving = sessionsCreated(leaving)
    const seenWitness = sessionsCreated(witness)
    const before = await http('POST', '/sessions', ADMIN, { agent: 'before removal' })
    await waitFor(() => seenLeaving.some((s) => s.session_id === before.body.session_id), 'the first event')

    const removed = await http('DELETE', `/users/${ids.leaver}`, await as(EMAILS.admin, PASSWORDS.admin))
    expect(removed.status).toBe(200)
    noSecrets(removed.text)
    expect(await sql('SELECT * FROM users WHERE user_id = ?', [ids.leaver!])).toEqual([])
    expect(await hashOf(ids.leaver!)).toBeUndefined()
    const refused = await http('GET', '/sessions', token)
    expect(refused.status).toBe(401)
    expect((await login(EMAILS.leaver, PASSWORDS.leaver)).status).toBe(401)
    expect((await call(leaving, 'find', 'sessions', {})).error).toMatchObject({ code: 401 })

    const after = await http('POST', '/sessions', ADMIN, { agent: 'after removal' })
    await waitFor(() => seenWitness.some((s) => s.session_id === after.body.session_id), 'the witness')
    await drained(leaving)
    expect(seenLeaving.map((s) => s.session_id)).toEqual([before.body.session_id])
  })
})

describe("a user's socket", () => {
  it('receives the created events of its workspace only, and only if the user belongs to it', async () => {
    const token = (await login(EMAILS.member, PASSWORDS.member)).body.accessToken
    // in default, logged in with email and password; in acme, with the token; in beta, a stranger
    const inDefault = await socketTo()
    const inAcme = await socketTo('acme')
    const inBeta = await socketTo('beta')
    const local = await call(inDefault, 'create', 'authentication', {
      strategy: 'local',
      email: EMAILS.member,
      password: PASSWORDS.member
    })
    expect(local.error).toBeUndefined()
    expect(local.result.user.user_id).toBe(ids.member)
    noSecrets(local.result.user)
    expect(
      (await call(inAcme, 'create', 'authentication', { strategy: 'jwt', accessToken: token })).error
    ).toBeUndefined()
    expect(
      (await call(inBeta, 'create', 'authentication', { strategy: 'jwt', accessToken: token })).error
    ).toBeUndefined()
    expect((await call(inBeta, 'find', 'sessions', {})).error).toMatchObject({ code: 404 })
    expect((await call(inAcme, 'find', 'sessions', {})).error).toBeUndefined()
    const seen = {
      default: sessionsCreated(inDefault),
      acme: sessionsCreated(inAcme),
      beta: sessionsCreated(inBeta)
    }

    const create = async (workspace: string, agent: string): Promise<string> => {
      const answer = await http('POST', '/sessions', { ...ADMIN, 'x-agor-workspace': workspace }, { agent })
      expect(answer.status).toBe(201)
      return answer.body.session_id
    }
    const inAcmeFirst = await create('acme', 'acme first')
    const inDefaultOnly = await create('default', 'default only')
    const inBetaOnly = await create('beta', 'beta only')
    // the sentinel: events are published in order, so once acme's socket has it, the others were sent
    const sentinel = await create('acme', 'acme sentinel')
    await waitFor(() => seen.acme.some((s) => s.session_id === sentinel), 'the sentinel')
    await waitFor(() => seen.default.some((s) => s.session_id === inDefaultOnly), "default's event")
    await Promise.all([drained(inDefault), drained(inAcme), drained(inBeta)])
    expect(seen.acme.map((s) => s.session_id)).toEqual([inAcmeFirst, sentinel])
    expect(seen.default.map((s) => s.session_id)).toEqual([inDefaultOnly])
    expect(seen.beta).toEqual([])
    expect(JSON.stringify(seen)).not.toContain(inBetaOnly)
    // a socket that never logged in receives nothing, and may call nothing
    const anonymous = await socketTo()
    const anonymousSeen = sessionsCreated(anonymous)
    const last = await create('default', 'last')
    await waitFor(() => seen.default.some((s) => s.session_id === last), 'the last event')
    expect((await call(anonymous, 'find', 'sessions', {})).error).toMatchObject({ code: 401 })
    expect(anonymousSeen).toEqual([])
  })
})

describe('a database with passwords', () => {
  it('is served with authentication without AGOR_API_KEY: 401 until a user logs in', async () => {
    const url = tempDbUrl()
    const open = await openStore({ url, auth: false })
    const user = await open.service('users').create({ email: 'solo@example.com', role: 'owner' })
    // a user without a password guards nothing
    const unguarded = await createServer(open, { port: 0 })
    expect(unguarded.localKey).toBeUndefined()
    expect((await request(unguarded.url, 'GET', '/sessions')).status).toBe(200)
    await unguarded.close()
    await open.close()

    const again = await openStore({ url, auth: false })
    try {
      await again
        .service('users')
        .patch(user.user_id, withPassword({ email: 'solo@example.com' }, PASSWORDS.newbie))
      const guarded = await createServer(again, { port: 0 })
      try {
        expect(guarded.localKey).toEqual(expect.any(String))
        const anonymous = await request(guarded.url, 'GET', '/sessions')
        expect(anonymous.status).toBe(401)
        expect(anonymous.body).toMatchObject({ name: 'NotAuthenticated' })
        expect((await request(guarded.url, 'POST', '/sessions', { agent: 'x' })).status).toBe(401)
        expect(await again.service('sessions').find({ paginate: false })).toEqual([])
        const answer = await login('solo@example.com', PASSWORDS.newbie, guarded.url)
        expect(answer.status).toBe(201)
        const made = await request(
          guarded.url,
          'POST',
          '/sessions',
          { agent: 'x' },
          bearer(answer.body.accessToken)
        )
        expect(made.status).toBe(201)
        expect(made.body.created_by).toBe(user.user_id)
        expect((await again.service('sessions').get(made.body.session_id)).agent).toBe('x')
      } finally {
        await guarded.close()
      }
    } finally {
      await again.close()
    }
  })
})

/** Every file under `dir`, as text. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'utf8'))
}

describe('agor user', () => {
  it('creates, lists, shows and deletes users; passwords reach neither the output nor an export', async () => {
    const { path, db } = tempDb()
    const created = await agor([
      ...db,
      'user',
      'create',
      '--email',
      'Ada@Example.com',
      '--name',
      'Ada',
      '--role',
      'admin',
      '--password',
      PASSWORDS.admin
    ])
    expect(created.code).toBe(0)
    expect(created.stdout).toMatch(/^Created user \S+ \(\S+\): Ada <ada@example.com>\n$/)
    noSecrets(created.stdout + created.stderr)
    const piped = await agor(
      [...db, 'user', 'create', '--email', 'bob@example.com', '--data', '@-', '--json'],
      {
        input: JSON.stringify({ password: PASSWORDS.member, name: 'Bob' })
      }
    )
    const bob = json(piped)
    expect(bob).toMatchObject({ email: 'bob@example.com', name: 'Bob', role: 'member' })
    noSecrets(piped.stdout + piped.stderr)

    const file = await openFile(path)
    const [ada] = await file.service('users').find({ paginate: false, query: { email: 'ada@example.com' } })
    expect(ada).toMatchObject({ name: 'Ada', role: 'admin' })
    const hashes = await file.database.connection.execute(
      'SELECT user_id, hash FROM agor_credentials ORDER BY user_id'
    )
    expect(hashes.rows.map((r) => r.user_id)).toEqual([ada!.user_id, bob.user_id].sort())
    const hashOfUser = (id: unknown) => String(hashes.rows.find((r) => r.user_id === id)?.hash)
    expect(hashOfUser(ada!.user_id)).toMatch(/^\$2[aby]\$10\$/)
    expect(await bcrypt.compare(PASSWORDS.admin, hashOfUser(ada!.user_id))).toBe(true)
    expect(await bcrypt.compare(PASSWORDS.member, hashOfUser(bob.user_id))).toBe(true)

    const listed = await agor([...db, 'user', 'list', '--json'])
    expect(
      json<{ data: { email: string }[] }>(listed)
        .data.map((u) => u.email)
        .sort()
    ).toEqual(['ada@example.com', 'bob@example.com'])
    noSecrets(listed.stdout)
    const table = await agor([...db, 'user', 'list'])
    expect(table.code).toBe(0)
    expect(table.stdout).toContain('ada@example.com')
    noSecrets(table.stdout)
    const shown = await agor([...db, 'user', 'show', 'ada@example.com', '--json'])
    expect(shown.code).toBe(0)
    expect(json(shown).user_id).toBe(ada!.user_id)
    noSecrets(shown.stdout)
    const byId = await agor([...db, 'user', 'show', String(bob.user_id).slice(0, 13), '--json'])
    expect(json(byId).email).toBe('bob@example.com')

    const out = tempDir()
    const exported = await agor([...db, 'db', 'export', '--out', out])
    expect(exported.code).toBe(0)
    const files = filesUnder(out)
    expect(files.some((text) => text.includes('ada@example.com'))).toBe(true)
    for (const text of files) noSecrets(text)

    const deleted = await agor([...db, 'user', 'delete', String(bob.user_id)])
    expect(deleted.code).toBe(0)
    expect(deleted.stdout).toBe(`Deleted user ${bob.user_id}: Bob <bob@example.com>\n`)
    expect((await file.service('users').find({ paginate: false })).map((u) => u.email)).toEqual([
      'ada@example.com'
    ])
    const left = await file.database.connection.execute('SELECT user_id FROM agor_credentials')
    expect(left.rows.map((r) => r.user_id)).toEqual([ada!.user_id])
  })

  it('names a user by email in any case, as logins and the unique key compare it', async () => {
    const { path, db } = tempDb()
    const made = json(await agor([...db, 'user', 'create', '--email', 'Cy@Example.com', '--json']))
    expect(made.email).toBe('cy@example.com')
    const shown = await agor([...db, 'user', 'show', 'CY@example.COM', '--json'])
    expect(shown.stderr).toBe('')
    expect(json(shown).user_id).toBe(made.user_id)
    const updated = await agor([...db, 'user', 'update', 'Cy@Example.com', '--name', 'Cy'])
    expect(updated.code).toBe(0)
    const file = await openFile(path)
    expect((await file.service('users').get(String(made.user_id))).name).toBe('Cy')
  })

  it('refuses a short password with exit 1 and its message, and writes nothing', async () => {
    const { path, db } = tempDb()
    const short = await agor([...db, 'user', 'create', '--email', 'eve@example.com', '--password', 'short'])
    expect(short).toEqual({ code: 1, stdout: '', stderr: 'error: password must be at least 8 characters\n' })
    const piped = await agor([...db, 'user', 'create', '--email', 'eve@example.com', '--data', '@-'], {
      input: '{"password":"short"}'
    })
    expect(piped.code).toBe(1)
    expect(piped.stderr).toContain('password must be at least 8 characters')
    const file = await openFile(path)
    expect(await file.service('users').find({ paginate: false })).toEqual([])
    const credentials = await file.database.connection.execute('SELECT count(*) AS n FROM agor_credentials')
    expect(Number(credentials.rows[0]?.n)).toBe(0)
  })

  it('works through a daemon, which a password then guards', async () => {
    const { path, db } = tempDb()
    const made = await agor([
      ...db,
      'user',
      'create',
      '--email',
      'dee@example.com',
      '--password',
      PASSWORDS.viewer
    ])
    expect(made.code).toBe(0)
    const daemon = await startDaemon(db)
    expect((await request(daemon.url, 'GET', '/sessions')).status).toBe(401)
    // the CLI beside it goes through it with the key of its record
    const second = await agor([
      ...db,
      'user',
      'create',
      '--email',
      'zed@example.com',
      '--password',
      PASSWORDS.leaver
    ])
    expect(second.code).toBe(0)
    const listed = await agor([...db, 'user', 'list', '--json'])
    expect(json<{ total: number }>(listed).total).toBe(2)
    noSecrets(listed.stdout)
    const answer = await login('zed@example.com', PASSWORDS.leaver, daemon.url)
    expect(answer.status).toBe(201)
    noSecrets(answer.text)
    const file = await openFile(path)
    const hashes = await file.database.connection.execute('SELECT hash FROM agor_credentials')
    expect(hashes.rows).toHaveLength(2)
    for (const row of hashes.rows) expect(String(row.hash)).toMatch(/^\$2[aby]\$10\$/)
  })
})

describe('what the store adds to a user’s account', () => {
  it('records the user as the actor of their writes in the change feed', async () => {
    const created = await http('POST', '/boards', await as(EMAILS.member, PASSWORDS.member), {
      name: 'by member'
    })
    expect(created.status).toBe(201)
    const [change] = await sql('SELECT actor FROM agor_changes WHERE doc_id = ?', [created.body.board_id])
    expect(change?.actor).toBe(`user:${ids.member}`)
  })

  it('takes one address however it is composed: NFC and NFD are the same user', async () => {
    const composed = 'j\u00fcrgen@example.com'
    const decomposed = 'ju\u0308rgen@example.com'
    const made = await store
      .service('users')
      .create(withPassword({ email: decomposed }, PASSWORDS.newbie) as never)
    try {
      expect(made.email).toBe(composed)
      await expect(store.service('users').create({ email: composed } as never)).rejects.toMatchObject({
        code: 409
      })
      expect((await login(decomposed, PASSWORDS.newbie)).status).toBe(201)
      expect((await login(composed.toUpperCase(), PASSWORDS.newbie)).status).toBe(201)
    } finally {
      await store.service('users').remove(made.user_id)
    }
  })

  it('never matches a password longer than bcrypt reads, even on its first 72 bytes', async () => {
    expect((await login(EMAILS.viewer, `${PASSWORDS.viewer}${'x'.repeat(80)}`)).status).toBe(401)
    expect((await login(EMAILS.viewer, PASSWORDS.viewer)).status).toBe(201)
  })

  it('leaves owners to owners: an admin cannot make, change or remove one', async () => {
    const admin = await as('admin@example.com', PASSWORDS.admin)
    const owner = await store.service('users').create({ email: 'owner@example.com', role: 'owner' } as never)
    try {
      const seq = await lastSeq()
      expect((await http('POST', '/users', admin, { email: 'o2@example.com', role: 'owner' })).status).toBe(
        403
      )
      expect((await http('PATCH', `/users/${owner.user_id}`, admin, { name: 'x' })).status).toBe(403)
      expect((await http('PATCH', `/users/${ids.member}`, admin, { role: 'owner' })).status).toBe(403)
      expect((await http('DELETE', `/users/${owner.user_id}`, admin)).status).toBe(403)
      expect(await lastSeq()).toBe(seq)
      expect((await store.service('users').get(owner.user_id)).role).toBe('owner')
    } finally {
      await store.service('users').remove(owner.user_id)
    }
  })

  it('refuses the default workspace among the memberships: its role is `role`', async () => {
    await expect(
      store.service('users').patch(ids.member!, { workspaces: { default: 'admin' } } as never)
    ).rejects.toMatchObject({ code: 400 })
    expect((await store.service('users').get(ids.member!)).workspaces).toEqual({ acme: 'member' })
  })
})

describe('a key of the default workspace', () => {
  it('reads no user through the change feed, and hears no user event', async () => {
    const { key } = await store.database.workspaces.createKey('default', 'default-ci')
    const headers = { 'x-api-key': key }
    const socket = io(server.url, { transports: ['websocket'], auth: { apiKey: key } })
    sockets.push(socket)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve())
      socket.once('connect_error', reject)
    })
    const heard: string[] = []
    socket.on('users patched', () => heard.push('users'))
    socket.on('boards created', () => heard.push('boards'))
    socket.on('changes created', (change: { collection: string }) =>
      heard.push(`change ${change.collection}`)
    )
    await store.service('users').patch(ids.viewer!, { name: 'Vee' })
    // a board after it: once its events arrive, the user's would have
    await store.service('boards').create({ name: 'sentinel for the key' })
    await waitFor(() => heard.includes('boards') && heard.includes('change boards'), 'the sentinel board')
    expect(heard).not.toContain('users')
    expect(heard).not.toContain('change users')
    const changes = await http('GET', '/changes?collection=users', headers)
    expect(changes.status).toBe(200)
    expect(changes.body).toEqual([])
    const all = await http('GET', '/changes?$limit=1000', headers)
    expect(all.body.some((change: { collection: string }) => change.collection === 'users')).toBe(false)
    // an administrative key reads them
    const admin = await http('GET', '/changes?collection=users', ADMIN)
    expect(admin.body.length).toBeGreaterThan(0)
  })
})
