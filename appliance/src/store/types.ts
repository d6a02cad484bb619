/** The persisted shapes. Every other module reads and writes these through the store's interface. */

export type Stage = 'received' | 'prepared' | 'recognized' | 'indexed'
export const STAGES: readonly Stage[] = ['received', 'prepared', 'recognized', 'indexed']

export interface Page {
  id: string
  recordId: string
  batchId: string
  unit: string
  /** Position in its record, from 0. */
  index: number
  /** SHA-256 of the master image (the untouched upload, or the lossless page of a multi-page TIFF). */
  sha256: string
  size: number
  mime: string
  width: number
  height: number
  dpi: number | null
  stage: Stage
  /** Set when the page's pipeline gave up; the stage stays where it stopped. */
  failed?: { stage: Stage, reason: string, at: string }
  skewDeg?: number
  thumbnailSha256?: string
  /** How many times recognition completed: 1 in a healthy archive (a test asserts it). */
  ocrRuns: number
  ocrConfidence?: number
  createdAt: string
  updatedAt: string
}

export interface OcrWord {
  text: string
  conf: number
  bbox: { x0: number, y0: number, x1: number, y1: number }
  block: number
  par: number
  line: number
}

export interface PageText {
  text: string
  confidence: number
  words: OcrWord[]
  /** Size of the image the boxes refer to. */
  width: number
  height: number
}

export type RecordStatus = 'draft' | 'approved' | 'archived'

export interface RecordEntry {
  id: string
  unit: string
  batchId: string
  filename: string | null
  /** The uploaded file as received, when it differs from the page masters (a multi-page TIFF). */
  sourceSha256: string
  pageIds: string[]
  status: RecordStatus
  createdAt: string
  updatedAt: string
}

export type BatchStatus = 'open' | 'scanning' | 'paused' | 'finished' | 'cancelled'

export interface Batch {
  id: string
  unit: string
  /** How pages arrived: an HTTP post, an import, a scanner, FTP, a watched folder. */
  source: 'api' | 'import' | 'scanner' | 'ftp' | 'folder'
  status: BatchStatus
  reason?: string
  recordIds: string[]
  pageCount: number
  createdAt: string
  updatedAt: string
}

export type JobState = 'queued' | 'running' | 'done' | 'failed'

/** One job per page: it carries the page through the stages in order. */
export interface Job {
  id: string
  pageId: string
  /** The stage the page is in; the job's next step moves it to the following one. */
  stage: Stage
  state: JobState
  attempts: number
  notBefore: number
  lastError?: string
  updatedAt: string
}

export type Role = 'admin' | 'reviewer' | 'operator' | 'auditor'
export const ROLES: readonly Role[] = ['admin', 'reviewer', 'operator', 'auditor']

export interface User {
  username: string
  displayName: string
  roles: Role[]
  /** scrypt$N$r$p$salt$hash (base64url parts). */
  passwordHash: string
  disabled: boolean
  createdAt: string
}

export type Scope = 'ingest' | 'read' | 'admin'
export const SCOPES: readonly Scope[] = ['ingest', 'read', 'admin']

export interface Token {
  id: string
  name: string
  scope: Scope
  /** SHA-256 of the secret; the secret itself is shown once and never stored. */
  hash: string
  createdAt: string
  createdBy: string
  revokedAt?: string
  lastUsedAt?: string
}

export interface Session {
  /** SHA-256 of the cookie value. */
  hash: string
  username: string
  csrfToken: string
  createdAt: string
  lastSeen: number
}

export type UnitLevel = 'province' | 'district' | 'commune'

export interface Unit {
  /** Statistics-office code, e.g. `622`; the key everywhere. */
  code: string
  name: string
  level: UnitLevel
  parent: string | null
  agencyCode: string | null
  createdAt: string
}

/** What an intake answered, kept so a retried request with the same Idempotency-Key gets the same answer. */
export interface IntakeReceipt {
  batchId: string
  recordId: string
  pages: Array<{ id: string, sha256: string }>
}

/**
 * One thing that happened to a record, kept for its archival package (PREMIS events) and its history. Append-only:
 * events are never rewritten.
 */
export interface RecordEvent {
  /** Time-ordered id (`e_…`), unique per event. */
  id: string
  recordId: string
  /** PREMIS-style event type: capture, ocr, extraction, review, approval, signature, archiving, fixity, validity, … */
  type: string
  at: string
  /** Who or what did it: a username, `system`, or a software agent such as `tesseract.js 7`. */
  agent: string
  outcome: 'success' | 'failure'
  /** Short, non-personal detail (never names or ID numbers). */
  detail?: string
}
