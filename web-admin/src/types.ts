/** The shapes the app reads from the API (see appliance/src/api/routes/*.ts and the records contract). */

export type Permission = 'ingest' | 'read' | 'review' | 'admin' | 'integration' | 'audit'

export interface SessionInfo {
  kind: string
  id: string
  roles: string[]
  permissions: Permission[]
  csrfToken?: string
}

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

export interface BatchView {
  id: string
  unit: string
  source: string
  status: 'open' | 'scanning' | 'paused' | 'finished' | 'cancelled'
  reason?: string
  pageCount: number
  records: string[]
  stages: Record<string, number>
  done: boolean
  failures: Array<{ pageId: string, recordId: string, stage: string, reason: string, at: string }>
  createdAt: string
  updatedAt: string
}

export interface Dashboard {
  generatedAt: string
  pages: { today: number, week: number, last7Days: number, bytesLast7Days: number }
  queue: { received: number, prepared: number, recognized: number, indexed: number, failed: number, depth: number, steps?: Record<'segment' | 'extract' | 'archive' | 'index', { pending: number, runs: number }> } | null
  ocr: { lastHour: number, windowMinutes: number }
  failures: {
    pages: number
    items: Array<{ pageId: string, recordId: string, batchId: string, stage: string, reason: string, at: string }>
    pausedBatches: Array<{ id: string, unit: string, reason: string | null, pageCount: number, updatedAt: string }>
  }
  disk: { totalBytes: number, freeBytes: number, usedBytes: number, daysLeft: number | null } | null
  replication: SyncStatus | null
  scanners: { hosts: Array<{ host: string, state: string }>, scanners: Array<{ id: string, host: string, device: string, vendor: string, model: string, state: string, batchId?: string }> } | null
}

export interface SyncStatus {
  role?: 'district' | 'province'
  entriesBehind?: number
  bytesBehind?: number
  lastSuccess?: string | null
  lastError?: string | null
  lastContact?: string | null
  window?: { open: boolean, nextStart: string | null, nextEnd: string | null }
  bandwidth?: number
  rate?: number
  running?: boolean
  /** District: the province addresses it replicates to (none: replication is not configured). */
  province?: string[]
  [key: string]: unknown
}

export const FIELD_NAMES = [
  'documentType', 'documentNumber', 'issuedDate', 'issuer', 'summary',
  'signer', 'signerTitle', 'subjectName', 'subjectId', 'validUntil'
] as const
export type FieldName = typeof FIELD_NAMES[number]
export const EDITABLE_CODES = ['dossierCode', 'procedureCode', 'resultTypeCode', 'box', 'file'] as const
export type CodeName = typeof EDITABLE_CODES[number]

export interface FieldBox { page: number, x0: number, y0: number, x1: number, y1: number }
export interface StoredField { value: string | null, confidence: number, boxes: FieldBox[], warnings?: string[], edited?: boolean, raw?: string, snapped?: { list: string, distance: number } }

export interface Party { role: string, name: string, idNumber?: string, birthDate?: string }

/** Roles extraction gives; a reviewer picks one of them. */
export const PARTY_ROLES = ['holder', 'owner', 'establishment', 'household', 'husband', 'wife', 'child', 'deceased', 'representative', 'enterprise', 'beneficiary', 'mother', 'father'] as const

export interface PageView {
  n: number
  id: string
  sha256: string
  width: number
  height: number
  dpi: number | null
  stage: string
  blank?: boolean
  ocrConfidence?: number
  ocrSize?: { width: number, height: number }
  hasPreview?: boolean
  failed?: { stage: string, reason: string, at: string }
}

export type RecordStatus = 'draft' | 'approved' | 'archived'
export type ValidityState = 'valid' | 'expired' | 'revoked' | 'replaced'

export interface RecordView {
  id: string
  archiveId?: string
  status: RecordStatus
  unit: string
  batchId: string
  filename: string | null
  version: number
  fields?: Partial<Record<FieldName, StoredField>>
  parties?: { value: Party[], confidence: number, edited?: boolean }
  codes?: Partial<Record<CodeName | 'agencyCode', string | null>>
  validity?: { state: ValidityState, validUntil?: string | null, reason?: string, replacedBy?: string }
  retention?: string | null
  pages: PageView[]
  text?: string
  createdAt: string
  updatedAt: string
  approvedBy?: string
  approvedAt?: string
  archivedAt?: string
  pdf?: { sha256: string, size: number, filename: string }
  supersededBy?: string[]
}

export interface RecordSummary {
  id: string
  archiveId?: string
  status: RecordStatus
  unit: string
  batchId: string
  filename: string | null
  pageCount: number
  createdAt: string
  documentType?: string | null
  documentNumber?: string | null
  issuedDate?: string | null
  lowConfidence?: number
}

export interface SearchAnswer {
  total: number
  results: Array<{ recordId: string, score: number, snippet: string, fields?: { documentType?: string | null, documentNumber?: string | null, issuedDate?: string | null, issuer?: string | null }, matchedFields?: string[] }>
  /** `[{value, count}]` per facet (the contract's first sketch had `{value: count}`; both are read). */
  facets?: Record<string, Array<{ value: string, count: number }> | Record<string, number> | undefined>
}

export interface VersionEntry { version: number, at: string, by: string, action?: string, changes: Record<string, { from: unknown, to: unknown }> }
export interface EventEntry { id: string, type: string, at: string, agent: string, outcome: string, detail?: string }

export interface UserView { username: string, displayName?: string, roles: string[], disabled?: boolean, createdAt?: string }
export interface TokenView { id: string, name: string, scope: string, createdAt: string, createdBy?: string, revokedAt?: string }

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
