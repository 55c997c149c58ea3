/**
 * The built-in collections. drizzle-kit reads the tables exported here to generate migrations.
 */
import { boards } from './boards.js'
import { repos } from './repos.js'
import { sessions } from './sessions.js'
import { tasks } from './tasks.js'

export { boards, repos, sessions, tasks }

/** Every built-in collection by name. */
export const collections = { sessions, tasks, boards, repos } as const

export type Collections = typeof collections
export type CollectionName = keyof Collections

export const sessionsTable = sessions.table
export const tasksTable = tasks.table
export const boardsTable = boards.table
export const reposTable = repos.table
