import { z } from 'zod'
import { defineCollection, nonBlank, optional } from './collection.js'

/** What a user may do in a workspace: viewers read, members also write, admins and owners also manage users. */
export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const
export type Role = (typeof ROLES)[number]

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
    workspaces: optional(z.record(z.string(), z.enum(ROLES))),
    onboarding_completed: optional(z.boolean()),
    preferences: optional(z.record(z.string(), z.unknown())),
    default_agentic_config: optional(z.record(z.string(), z.unknown()))
  }),
  unique: ['email'],
  search: ['name', 'email'],
  summary: (u) => (u.name ? `${u.name} <${u.email}>` : u.email),
  // one address, one user: compared as written by anyone; a user without a role is a member
  beforeWrite: (next) => {
    next.email = next.email.trim().toLowerCase()
    if (next.role == null) next.role = 'member'
  }
})
