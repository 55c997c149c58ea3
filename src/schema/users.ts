import { z } from 'zod'
import { defineCollection, nonBlank, optional } from './collection.js'
import { DEFAULT_WORKSPACE } from './workspaces.js'

/** What a user may do in a workspace: viewers read, members also write, admins and owners also manage users. */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const
export type Role = (typeof ROLES)[number]

/**
 * An email as users keep it, and as logins and queries compare it: trimmed, composed (NFC: `ü`
 * typed as one character or as `u` and a combining mark is one address) and in lower case.
 */
export const keptEmail = (email: string): string => email.trim().normalize('NFC').toLowerCase()

/** Where users' password hashes are kept (see store/credentials.ts). */
export const CREDENTIALS_TABLE = 'agor_credentials'

/** Roles that manage users and memberships. */
export const MANAGING_ROLES: ReadonlySet<string> = new Set(['owner', 'admin'])

/**
 * A person who logs in with an email and a password. The password is never part of the document:
 * the users service keeps a slow hash of it apart (see store/credentials.ts). `role` is the
 * user's role in the default workspace, `workspaces` the other workspaces the user belongs to, with
 * a role in each.
 */
export const users = defineCollection({
  name: 'users',
  singular: 'user',
  idField: 'user_id',
  fields: () => ({
    email: nonBlank()
      .max(320)
      .refine((s) => /^\s*[^\s@]+@[^\s@]+\s*$/.test(s), 'Expected an email address'),
    name: optional(z.string().max(200)),
    emoji: optional(z.string().max(32)),
    avatar: optional(z.string()),
    role: optional(z.enum(ROLES)),
    // the default workspace's role is `role`
    workspaces: optional(
      z.record(
        z.string().refine((name) => name !== DEFAULT_WORKSPACE, 'the role in the default workspace is role'),
        z.enum(ROLES)
      )
    ),
    onboarding_completed: optional(z.boolean()),
    preferences: optional(z.record(z.string(), z.unknown())),
    default_agentic_config: optional(z.record(z.string(), z.unknown()))
  }),
  unique: ['email'],
  search: ['name', 'email'],
  summary: (u) => (u.name ? `${u.name} <${u.email}>` : u.email),
  // one address, one user, however it is typed; a user without a role is a member
  beforeWrite: (next) => {
    next.email = keptEmail(next.email)
    if (next.role == null) next.role = 'member'
  }
})
