/**
 * What each role (people) and scope (machine tokens) may do. Routes name the permission they need; this table is
 * the only place that says who has it, and the server checks it on every request whatever the UI shows.
 */
import type { Role, Scope } from '../store/index.js'

/**
 * `review`: correct fields, approve, split and merge records, change validity. `integration`: the one-stop system's
 * and the portals' result lookups (by personal ID, so always with a purpose, always audited). `audit`: read who
 * looked up whose personal data.
 */
export type Permission = 'ingest' | 'read' | 'review' | 'admin' | 'integration' | 'audit'

const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ['ingest', 'read', 'review', 'admin', 'audit'],
  operator: ['ingest', 'read'],
  reviewer: ['read', 'review'],
  auditor: ['read', 'audit']
}

// An integration token can look results up and nothing else: the calling systems never browse the archive.
const SCOPE_PERMISSIONS: Record<Scope, readonly Permission[]> = {
  ingest: ['ingest'],
  read: ['read'],
  integration: ['integration'],
  admin: ['ingest', 'read', 'review', 'admin']
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

export const LOCAL_PRINCIPAL: Principal = { kind: 'local', id: 'local', roles: ['admin'], permissions: new Set(['ingest', 'read', 'review', 'admin', 'audit']) }
