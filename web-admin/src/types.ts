/**
 * The shapes the app reads from the API. Answers with a route schema are aliases of the types generated from it
 * (./api/schema.d.ts, see ./api/contract.ts); the rest are still written here by hand.
 */
import type { Answer, components } from './api/contract.js'


/** GET /api/v1/session: who is calling, what they may do. */
export type SessionInfo = Answer<'/api/v1/session'>
export type Permission = SessionInfo['permissions'][number]

export interface Unit { code: string, name: string, level: string, parent: string | null, agencyCode: string | null }

export interface ErrorView { code: string, message: string, messageEn: string, details?: Record<string, unknown> }

export interface ScannerOption {
  name: string
  title?: string
  type?: string
  constraint?: { type: string, min?: number, max?: number, quant?: number, values?: Array<string | number> }
  value?: unknown
  active?: boolean
  settable?: boolean
}

export interface ScanProfile { source?: string, duplex?: boolean, resolution?: number, mode?: string, depth?: number }

export interface Scanner {
  id: string
  host: string
  device: string
  vendor: string
  model: string
  type: string
  state: 'ready' | 'busy' | 'unreachable'
  error?: ErrorView
  batchId?: string
  options?: ScannerOption[]
  profile: ScanProfile | null
  standardProblems: string[]
}

export interface ScannerList { hosts: Array<{ host: string, state: string, error?: ErrorView }>, scanners: Scanner[] }

export type BatchView = Answer<'/api/v1/batches/{id}'>

/** GET /api/v1/dashboard. */
export type Dashboard = Answer<'/api/v1/dashboard'>

/** GET /api/v1/sync/status (either role; the dashboard's `replication` too). */
export type SyncStatus = Answer<'/api/v1/sync/status'>

export const FIELD_NAMES = [
  'documentType', 'documentNumber', 'issuedDate', 'issuer', 'summary',
  'signer', 'signerTitle', 'subjectName', 'subjectId', 'validUntil'
] as const
export type FieldName = typeof FIELD_NAMES[number]
export const EDITABLE_CODES = ['dossierCode', 'procedureCode', 'resultTypeCode', 'box', 'file'] as const
export type CodeName = typeof EDITABLE_CODES[number]

/** GET /api/v1/records/{id} (and every answer that returns a record: edit, approve, merge, validity, archive). */
export type RecordView = Answer<'/api/v1/records/{id}'>
export type PageView = RecordView['pages'][number]
export type StoredField = RecordView['fields'][string]
export type FieldBox = StoredField['boxes'][number]
export type Party = RecordView['parties']['value'][number]
export type RecordStatus = components['schemas']['RecordStatus']
export type ValidityState = components['schemas']['Validity']


/** Roles extraction gives; a reviewer picks one of them. */
export const PARTY_ROLES = ['holder', 'owner', 'establishment', 'household', 'husband', 'wife', 'child', 'deceased', 'representative', 'enterprise', 'beneficiary', 'mother', 'father'] as const


/** One record of GET /api/v1/records. */
export type RecordSummary = Answer<'/api/v1/records'>['records'][number]

export interface SearchAnswer {
  total: number
  results: Array<{ recordId: string, score: number, snippet: string, fields?: { documentType?: string | null, documentNumber?: string | null, issuedDate?: string | null, issuer?: string | null }, matchedFields?: string[] }>
  /** `[{value, count}]` per facet (the contract's first sketch had `{value: count}`; both are read). */
  facets?: Record<string, Array<{ value: string, count: number }> | Record<string, number> | undefined>
}

export type VersionEntry = Answer<'/api/v1/records/{id}/versions'>[number]
export type EventEntry = Answer<'/api/v1/records/{id}/events'>[number]

export type UserView = Answer<'/api/v1/users'>[number]
export type TokenView = Answer<'/api/v1/tokens'>[number]

/** The progress report (GET /api/v1/reports/progress, appliance/src/reports/index.ts). */
export interface ProgressFigures {
  received: number
  recognized: number
  archived: number
  target: number | null
  targetEstimated: boolean
  percent: number | null
  counted: number
  countedArchived: number
  percentOfCounted: number | null
  costVnd: number
  rateReceived: number
  rateArchived: number
  /** YYYY-MM-DD, or null without target or rate, or once reached. */
  forecast: string | null
}
export type UnitLevel = 'province' | 'district' | 'commune'
export interface ProgressRowView extends ProgressFigures {
  code: string
  name: string
  level: UnitLevel
  parent: string | null
  mergedInto: string | null
  includes: string[]
  inTotal: boolean
}
export interface ProgressLevelView extends ProgressFigures { level: UnitLevel, units: number }
export interface ProgressReportView {
  year: number | null
  unit: string | null
  generatedAt: string
  unitPriceVnd: number
  rows: ProgressRowView[]
  byLevel: ProgressLevelView[]
  totals: ProgressFigures
}

/** The integration outbox (GET /api/v1/integration/outbox, admin). */
export interface OutboxTargetView {
  name: string
  url: string
  nextSeq: number
  headSeq: number
  pending: number
  delivered: number
  lastDeliveredAt?: string | null
  current?: { seq: number, attempts: number, nextAttemptAt: string | null, lastError?: string | null } | null
  deadLetters: number
  /** Dead letters an admin sent back, not delivered yet. */
  retrying?: number
}
/** `dead`: waiting for an admin; `retrying`: sent back by one; then `delivered` or `discarded`. */
export type DeadLetterState = 'dead' | 'retrying' | 'delivered' | 'discarded'
export interface DeadLetterView {
  id: string
  target: string
  seq: number
  recordId: string | null
  type: string
  idempotencyKey: string
  state?: DeadLetterState
  attempts: number
  retries?: number
  firstAttemptAt: string | null
  lastAttemptAt: string | null
  lastError: string
  /** Never sent: an earlier message about the same record (this seq) is a dead letter. */
  heldBehind?: number
  nextAttemptAt?: string
  discarded?: { at: string, by: string, reason: string }
  message?: unknown
}

/** One lookup by personal ID (GET /api/v1/integration/audit, permission audit). */
export interface LookupAuditEntry {
  id: string
  at: string
  principal: { kind: string, id: string, name?: string }
  system: string
  endpoint: string
  subjectId: string | null
  purpose: string | null
  query?: Record<string, unknown>
  results: number
  outcome: 'ok' | 'refused' | string
  /** The error code of a refusal. */
  error?: string
  remoteAddress?: string | null
}

/** A unit of GET /api/v1/units with its merge (administrative reform), when it was merged. */
export interface CatalogueUnit extends Unit { mergedInto?: { code: string, effective: string } }
