/**
 * What each role (people) and scope (machine tokens) may do. Routes name the permission they need; this table is
 * the only place that says who has it, and the server checks it on every request whatever the UI shows.
 */
import type { Role, Scope } from '../store/index.js'

/**
 * `review`: correct fields, approve, split and merge records, change validity. `integration`: the one-stop system's
 * and the portals' result lookups (by personal ID, so always with a purpose, always audited). `audit`: read who
 * looked up whose personal data. `person`: search the archive by a person's ID or name (always with a purpose,
 * always audited, like a lookup): the people who must find a citizen's papers (reviewers, admins), not operators
 * scanning, auditors reading the trail, or read tokens.
 */
export const PERMISSIONS = ['ingest', 'read', 'review', 'admin', 'integration', 'audit', 'person'] as const
export type Permission = typeof PERMISSIONS[number]

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ['ingest', 'read', 'review', 'admin', 'audit', 'person'],
  operator: ['ingest', 'read'],
  reviewer: ['read', 'review', 'person'],
  auditor: ['read', 'audit']
}

// An integration token can look results up and nothing else: the calling systems never browse the archive.
const SCOPE_PERMISSIONS: Record<Scope, readonly Permission[]> = {
  ingest: ['ingest'],
  read: ['read'],
  integration: ['integration'],
  admin: ['ingest', 'read', 'review', 'admin', 'person']
}

export interface Principal {
  kind: 'user' | 'token' | 'local'
  /** User name, token id, or `local` for the CLI on the control socket. */
  id: string
  roles: Role[]
  scope?: Scope
  permissions: ReadonlySet<Permission>
  /** Set for cookie sessions: state-changing requests must echo it (CSRF). */
  csrfToken?: string
}

export function permissionsOfRoles (roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap(r => ROLE_PERMISSIONS[r] ?? []))
}

export function permissionsOfScope (scope: Scope): Set<Permission> {
  return new Set(SCOPE_PERMISSIONS[scope])
}

export const LOCAL_PRINCIPAL: Principal = { kind: 'local', id: 'local', roles: ['admin'], permissions: new Set(['ingest', 'read', 'review', 'admin', 'audit', 'person']) }

/** A stable name for whoever is calling (`user:<name>`, `token:<id>`, `local`), to scope what is theirs (idempotency keys). */
export function principalKey (p: Principal | null | undefined): string {
  if (!p) return 'anonymous'
  return p.kind === 'local' ? 'local' : `${p.kind}:${p.id}`
}
