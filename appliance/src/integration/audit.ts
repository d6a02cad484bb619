/**
 * The audit trail of lookups by personal ID: every lookup, answered or refused, is written (fsynced) before its
 * answer leaves, naming who asked (principal and system), which ID, when, why, with which criteria, how many results,
 * the outcome and the caller's address. An auditor reads it newest first, by time, by ID or by principal.
 *
 * This is the one place the personal ID is kept on purpose; it never goes into a log line.
 */
import type { Principal } from '../auth/index.js'
import { AppError } from '../errors/index.js'
import { isId, newAuditId, type AuditEntry, type AuditStore } from '../store/index.js'

export type LookupEndpoint = AuditEntry['endpoint']

export interface AuditInput {
  principal: Principal
  endpoint: LookupEndpoint
  subjectId: string | null
  purpose: string | null
  query: Record<string, unknown>
  results: number
  outcome: AuditEntry['outcome']
  /** The error code of a refusal. */
  error?: string
  remoteAddress: string | null
}

export interface AuditFilter {
  /** `YYYY-MM-DD` (from the start of that day in Vietnam) or an ISO date-time. */
  from?: string
  /** `YYYY-MM-DD` (to the end of that day in Vietnam) or an ISO date-time. */
  to?: string
  subjectId?: string
  /** A token id or a user name. */
  principal?: string
  /** Default 50, at most 500. */
  limit?: number
  /** The `next` of the previous page. */
  cursor?: string
}

export interface AuditPage {
  entries: AuditEntry[]
  /** Present when older entries match: pass it as `cursor`. */
  next?: string
}

/** Where token names come from (the auth service fits). */
export interface TokenNames {
  listTokens: () => Promise<Array<{ id: string, name: string }>>
}

export const DEFAULT_AUDIT_PAGE = 50
export const MAX_AUDIT_PAGE = 500
const MAX_TEXT = 500
const VIETNAM_OFFSET_MS = 7 * 3600_000

export class LookupAudit {
  /** Token id → name; tokens are never renamed, so a name once read stays right. */
  private readonly tokenNames = new Map<string, string>()

  constructor (private readonly opts: { store: AuditStore, tokens: TokenNames }) {}

  /** Durable when it resolves (a synced write); STORAGE_FAILED otherwise, and then the lookup must not answer. */
  async record (input: AuditInput): Promise<AuditEntry> {
    const name = input.principal.kind === 'token' ? await this.tokenName(input.principal.id) : undefined
    const { id, at } = newAuditId()
    const entry: AuditEntry = {
      id,
      at,
      principal: { kind: input.principal.kind, id: input.principal.id, ...(name ? { name } : {}) },
      system: name ?? input.principal.id,
      endpoint: input.endpoint,
      subjectId: clip(input.subjectId),
      purpose: clip(input.purpose),
      query: clipAll(input.query),
      results: input.results,
      outcome: input.outcome,
      ...(input.error ? { error: input.error } : {}),
      remoteAddress: input.remoteAddress
    }
    await this.opts.store.append(entry)
    return entry
  }

  async list (filter: AuditFilter = {}): Promise<AuditPage> {
    const limit = filter.limit ?? DEFAULT_AUDIT_PAGE
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) throw new AppError('VALIDATION', { field: 'limit', max: MAX_AUDIT_PAGE })
    if (filter.cursor !== undefined && !isId(filter.cursor, 'a')) throw new AppError('VALIDATION', { field: 'cursor' })
    const from = filter.from === undefined ? undefined : bound(filter.from, 'from')
    const to = filter.to === undefined ? undefined : bound(filter.to, 'to')
    const { entries, more } = await this.opts.store.list({
      limit,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(filter.subjectId ? { subjectId: filter.subjectId } : {}),
      ...(filter.principal ? { principal: filter.principal } : {}),
      ...(filter.cursor ? { before: filter.cursor } : {})
    })
    return { entries, ...(more && entries.length > 0 ? { next: entries[entries.length - 1].id } : {}) }
  }

  private async tokenName (id: string): Promise<string | undefined> {
    if (!this.tokenNames.has(id)) for (const t of await this.opts.tokens.listTokens()) this.tokenNames.set(t.id, t.name)
    return this.tokenNames.get(id)
  }
}

/** A time bound in ms; a bare day is a whole day in Vietnam's time. VALIDATION names the parameter, never its value. */
function bound (value: string, side: 'from' | 'to'): number {
  const v = value.trim()
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : NaN
  if (!Number.isNaN(day)) return day - VIETNAM_OFFSET_MS + (side === 'to' ? 24 * 3600_000 - 1 : 0)
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN
  if (Number.isNaN(ms)) throw new AppError('VALIDATION', { field: side, reason: 'not a date (YYYY-MM-DD) or ISO date-time' })
  return ms
}

function clip (v: string | null): string | null {
  return v === null ? null : v.slice(0, MAX_TEXT)
}

function clipAll (query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue
    out[k] = typeof v === 'string' ? v.slice(0, MAX_TEXT) : v
  }
  return out
}
