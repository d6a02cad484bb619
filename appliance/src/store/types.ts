/** The persisted shapes. Every other module reads and writes these through the store's interface. */
import type { DistrictSyncState } from '../../../sync/src/index.js'

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
  /** A grey JPEG of the prepared page (the OCR input, downsized) for review; boxes scale by its `ocrSize`. */
  previewSha256?: string
  ocrSize?: { width: number, height: number }
  /** SHA-256 of the OCR input scratch file prepare wrote: recognize rebuilds a scratch file that does not match. */
  ocrInputSha256?: string
  /** Detected in prepare: a blank page (duplex back) or a separator cover sheet (its decoded payload). */
  blank?: boolean
  inkRatio?: number
  separator?: Record<string, string | number | null>
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

/**
 * A record's status and its legal validity: the one list of each. The route schemas (`enum`), the search index's
 * checks and the web admin (through the generated API types) all read these.
 */
export const RECORD_STATUSES = ['draft', 'approved', 'archived'] as const
export type RecordStatus = typeof RECORD_STATUSES[number]
export const VALIDITY_STATES = ['valid', 'expired', 'revoked', 'replaced'] as const
export type Validity = typeof VALIDITY_STATES[number]
export type Retention = 'permanent' | '70y' | '50y' | '30y' | '20y' | '10y' | '5y'
export const RETENTIONS: readonly Retention[] = ['permanent', '70y', '50y', '30y', '20y', '10y', '5y']

/** A field as stored: what extraction read, or what a reviewer set (then `edited` and confidence 1). */
export interface StoredField {
  value: string | null
  confidence: number
  boxes: Array<{ page: number, x0: number, y0: number, x1: number, y1: number }>
  warnings?: string[]
  edited?: boolean
  /** The OCR's reading when the value was snapped to a known list, and how far it was. */
  raw?: string
  snapped?: { list: string, distance: number }
}

/** A person or body the result names (extraction's `Party`): role, name, ID digits, ISO birth date. */
export interface RecordParty {
  role: string
  name: string
  idNumber?: string
  birthDate?: string
}

export interface StoredParties {
  value: RecordParty[]
  confidence: number
  edited?: boolean
}

/** Codes a record carries besides its fields (standards.md §4). */
export interface RecordCodes {
  /** The issuing unit's agency code (QĐ 20/2020), when the catalogue has it. */
  agencyCode: string | null
  /** Mã hồ sơ `<agency code>-<YYMMDD>-<XXXX>`. */
  dossierCode: string | null
  /** Mã kết quả, e.g. `KQ.G15.000031`. */
  resultTypeCode: string | null
  /** Mã TTHC, e.g. `1.003560`. */
  procedureCode: string | null
  /** Box and file numbers of the paper holding (from a separator sheet or the inventory). */
  box?: string | null
  file?: string | null
}

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
  /** Bumped on every change a person makes (the ETag); 0 until then. */
  version?: number
  /** Absent until extraction ran on every page. */
  fields?: Record<string, StoredField>
  /** Everyone the result names (both spouses, a shop and its owner); `fields.subjectName/subjectId` is the main one. */
  parties?: StoredParties
  codes?: RecordCodes
  /** Pages of the batch left out of the record as blank (duplex backs): kept, marked, not archived. */
  blankPageIds?: string[]
  validity?: { state: Validity, reason?: string, replacedBy?: string, at?: string, by?: string }
  retention?: Retention
  approvedBy?: string
  approvedAt?: string
  archivedAt?: string
  /** The signed copy, once archived. */
  pdf?: { sha256: string, size: number, filename: string, testCertificate: boolean }
  /** The OCR words of every page as one JSON file, vouched for by the log. */
  textSha256?: string
  /**
   * An approved record on its way to the archive: what the sign and package steps fixed, for the log step, which
   * makes the record archived and drops this. Never in a view (readers see an approved record until it is logged).
   */
  archiving?: ArchivingState
  /** The separator cover sheet that started this record in its stack (kept, not archived). */
  separatorPageId?: string
  /** Set once the stack segmentation ran over it, so a later run leaves it alone. */
  segmented?: boolean
  /** Set when the record was split or merged away: the records that now hold its pages. */
  supersededBy?: string[]
  /** After a lawful deletion (retention over): a tombstone, content gone. */
  deleted?: { at: string, by: string, reason: string }
}

/** A file an archived record's log entry vouches for. */
export interface ArchivedFile {
  sha256: string
  size: number
  /** `master` (a page), `source` (the upload, when it is not a page), `pdf` (the signed copy), `text` (OCR words). */
  role: string
}

/** Between approval and archiving (`RecordEntry.archiving`). */
export interface ArchivingState {
  /** The sign step: the signed copy and the OCR words file, both stored, and the signing time. */
  pdf: { sha256: string, size: number, filename: string, testCertificate: boolean }
  text: { sha256: string, size: number }
  signedAt: string
  /** The package step: the archival package's manifest, which the log entry will carry as it is. */
  manifest?: {
    files: ArchivedFile[]
    retention: Retention
    /** From the record's field, else the result type's validity; null: no limit. */
    validUntil: string | null
    at: string
  }
}

/** One change to a record, kept for ever: who, when, what. */
export interface RecordVersion {
  recordId: string
  version: number
  at: string
  by: string
  action: 'edit' | 'approve' | 'archive' | 'validity' | 'split' | 'merge' | 'extract' | 'delete'
  changes: Record<string, { from: unknown, to: unknown }>
}

export const BATCH_STATUSES = ['open', 'scanning', 'paused', 'finished', 'cancelled'] as const
export type BatchStatus = typeof BATCH_STATUSES[number]
/** How pages arrived: an HTTP post, an import, a scanner, FTP, a watched folder. */
export const BATCH_SOURCES = ['api', 'import', 'scanner', 'ftp', 'folder'] as const
export type BatchSource = typeof BATCH_SOURCES[number]

export interface Batch {
  id: string
  unit: string
  source: BatchSource
  status: BatchStatus
  reason?: string
  recordIds: string[]
  pageCount: number
  createdAt: string
  updatedAt: string
}

export type JobState = 'queued' | 'running' | 'done' | 'failed'

/**
 * The record-level steps, in the order the runner takes them each round: `segment` cuts a finished batch into
 * records, `extract` reads a record's fields once its pages are recognised; after approval `sign` makes and stores
 * the signed copy, `package` fixes the archival package's manifest, `log` makes the record archived together with
 * its `record.archived` log entry (pipeline/steps.ts says why the cut is there); `index` brings its search entry
 * (and inventory file) up to its stored state. Each step writes the next one's job in its own commit, and index
 * comes last, so one round takes an approved record through all of them and indexes it once.
 */
export const RECORD_STEPS = ['segment', 'extract', 'sign', 'package', 'log', 'index'] as const
export type RecordStepName = typeof RECORD_STEPS[number]

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

export type Scope = 'ingest' | 'read' | 'integration' | 'admin'
export const SCOPES: readonly Scope[] = ['ingest', 'read', 'integration', 'admin']

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
  /** Names the unit had before a rename, oldest first; `until` is the day (YYYY-MM-DD) the next name took effect. */
  formerNames?: Array<{ name: string, until: string }>
  /** Merged into a successor by an administrative reform from `effective` (YYYY-MM-DD); its records keep this unit. */
  mergedInto?: { code: string, effective: string }
  updatedAt?: string
  /**
   * Set on a district when the unit was changed there: the local entry stays in force over the province's catalogue
   * until an admin drops it. `province` is the province's latest copy (null for a unit only this node has).
   */
  override?: LocalOverride<Unit>
}

/** A local change at a district that the province's catalogue does not replace (see `Unit.override`). */
export interface LocalOverride<T> {
  since: string
  province: T | null
}

/** What an intake answered, kept so a retried request with the same Idempotency-Key gets the same answer. */
export interface IntakeReceipt {
  batchId: string
  recordId: string
  pages: Array<{ id: string, sha256: string }>
}

/** A receipt as kept: the request it answered (unit, SHA-256 of the bytes), so a key reused for another upload is refused. */
export interface StoredReceipt extends IntakeReceipt {
  unit: string
  sha256: string
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

/** Pages a unit plans to digitize in a year (the province's plan). Key: unit and year. */
export interface Target {
  unit: string
  year: number
  pages: number
  /** True when the figure is this unit's share of a group total of the plan, not a figure set for the unit. */
  estimated: boolean
  source: string | null
  updatedAt: string
  /** Set on a district when the target was set there (see `Unit.override`). */
  override?: LocalOverride<Target>
}

/** A file of the paper holdings moves on as its records do: none yet, scanned (draft), reviewed (approved), archived. */
export type InventoryFileStatus = 'counted' | 'scanned' | 'reviewed' | 'archived'
export const INVENTORY_FILE_STATUSES: readonly InventoryFileStatus[] = ['counted', 'scanned', 'reviewed', 'archived']

/** A box (hộp) of paper holdings of a unit, found in the inventory (rà soát, kiểm đếm). */
export interface InventoryBox {
  id: string
  unit: string
  /** The box number as written on the box, unique within the unit. */
  number: string
  label: string | null
  location: string | null
  createdAt: string
  updatedAt: string
}

/** A file (hồ sơ) in a box: what was counted before scanning, and what its records have reached since. */
export interface InventoryFile {
  id: string
  unit: string
  boxId: string
  /** Box and file numbers as written on the paper; (unit, box, number) is unique. */
  box: string
  number: string
  title: string
  resultTypeCode: string | null
  resultTypeName: string | null
  procedureCode: string | null
  dossierCode: string | null
  yearFrom: number
  yearTo: number
  retention: Retention
  countedPages: number
  status: InventoryFileStatus
  /** Derived from the linked records (kept on the file so lists and reports read one entry). */
  records: number
  receivedPages: number
  archivedPages: number
  createdAt: string
  updatedAt: string
}

/** A record filed under an inventory file, with what the file's status needs of it. */
export interface InventoryLink {
  fileId: string
  recordId: string
  status: RecordStatus
  pageCount: number
  at: string
}

// ---- replication (province side: one replica per district; see replica-store.ts) ----

/** A district node the province accepts, and the replica it writes to. */
export interface ReplicaPeer {
  peerId: string
  unit: string
  /** The replica's id: the peer ID that first wrote it (a node that lost its key is registered to replace it). */
  replica: string
  addedAt: string
  /** Revoked (lost or stolen key): refused at connect; it may have signed the replica's entries up to `after` only. */
  revoked?: { at: string, after: number, reason: string } | null
}

export interface ReplicaFailure {
  seq: number
  problem: string
  at: string
}

export interface ReplicaState {
  replica: string
  unit: string
  /** The last entry checked, stored and acknowledged. */
  acked: { seq: number, hash: string }
  /** Entries up to here are in the search index (it lags `acked` only after a crash between the two). */
  indexed: number
  records: number
  pages: number
  /** Bytes of the files the replica's live records reference. */
  bytes: number
  /** What the district reported at its last contact. */
  reportedHead: number
  lag: { entries: number, bytes: number }
  lastContact: string | null
  verificationFailures: number
  lastFailure: ReplicaFailure | null
  /** Nothing more is accepted until an admin resumes the replica. */
  halted: ReplicaFailure | null
  /** File payload bytes received over all sessions (a resumed transfer does not count bytes twice). */
  bytesReceived: number
}

export interface ReplicaEntry {
  seq: number
  /** Hex SHA-256 of the envelope bytes. */
  hash: string
  /** The envelope bytes exactly as signed, base64. */
  envelope: string
}

/** What a district's log says about one of its records. */
export interface ReplicaRecord {
  id: string
  replica: string
  unit: string
  /** The `record.archived` entry. */
  seq: number
  files: Array<{ sha256: string, size: number, role: string }>
  /** `data.record` of that entry (fields, codes, validity, retention, pdf…), updated by later validity entries. */
  record: Record<string, unknown>
  deleted?: { seq: number, at: string }
  /** When this node stored it (its own clock: the order records of the same id arrived in, across replicas). */
  storedAt?: string
}

// ---- the archive log (see log-store.ts and archive/log/) ----

/** A key allowed to sign this node's log: the node key from `since` on (a restored or replaced key keeps its range). */
export interface LogSigner {
  peerId: string
  /** The first sequence number this key may sign. */
  since: number
  addedAt: string
}

// ---- integration: the audit trail of result lookups (see audit-store.ts and integration/audit.ts) ----

/**
 * One result lookup by an outside system, or its refusal. It holds the personal ID on purpose: the trail exists so
 * an auditor can ask who looked up whose data, when and why. Only the `audit` permission reads it; no log line has it.
 */
export interface AuditEntry {
  /** Time-ordered id (`a_…`). */
  id: string
  at: string
  principal: { kind: 'user' | 'token' | 'local', id: string, name?: string }
  /** Which system asked: the token's name, else the user name. */
  system: string
  /** `search`: a search of the archive that selected records by a person's ID or name (issue 15). */
  endpoint: 'results' | 'citizen-lookup' | 'search'
  /** The personal ID looked up, as given; null when the lookup named none (or its body could not be read). */
  subjectId: string | null
  purpose: string | null
  /** The other criteria, and for the national form who asked on the citizen's behalf and through which channel. */
  query: Record<string, unknown>
  /** Results answered (0 when refused). */
  results: number
  outcome: 'ok' | 'refused'
  /** The error code of a refusal. */
  error?: string
  remoteAddress: string | null
}

// ---- the outbox to the one-stop systems / national portal (see outbox-store.ts and integration/outbox/) ----

/** The message at a target's head while it is being retried (absent while nothing has failed yet). */
export interface OutboxAttempt {
  seq: number
  attempts: number
  firstAttemptAt: string
  lastAttemptAt: string
  /** ISO 8601 UTC: not sent again before this. */
  nextAttemptAt: string
  lastError: string
}

/** One configured target's position in the archive log. */
export interface OutboxTargetState {
  name: string
  /** The next log sequence number to hand over (1 for a target that has seen nothing). */
  nextSeq: number
  delivered: number
  lastDeliveredAt?: string
  current?: OutboxAttempt
  createdAt: string
  updatedAt: string
}

/** `dead`: waiting for an admin; `retrying`: an admin asked for another round; then `delivered` or `discarded`. */
export type OutboxDeadLetterState = 'dead' | 'retrying' | 'delivered' | 'discarded'

/** A message a target did not take after every attempt (or held behind such a message about the same record). */
export interface OutboxDeadLetter {
  /** `<target>~<seq>`. */
  id: string
  target: string
  seq: number
  recordId: string | null
  type: string
  /** The same key on every attempt, before and after an admin's retry. */
  idempotencyKey: string
  state: OutboxDeadLetterState
  /** Attempts in the current round (reset when an admin retries it). */
  attempts: number
  /** Admin retries so far. */
  retries: number
  firstAttemptAt: string | null
  lastAttemptAt: string | null
  lastError: string
  /** The message as last built; null when its log entry could not be read. */
  message: unknown
  /** Never sent: an earlier message about the same record (this seq) was a dead letter. */
  heldBehind?: number
  /** While `retrying`. */
  nextAttemptAt?: string
  retriedAt?: string
  retriedBy?: string
  deliveredAt?: string
  discarded?: { at: string, by: string, reason: string }
  createdAt: string
  updatedAt: string
}

/** A result type's retention (thời hạn bảo quản) and validity (records/retention.ts matches records to them). */
export interface ResultType {
  code: string | null
  documentType: string | null
  retention: Retention
  /** Months a result stays valid after its issue date when the document itself does not say; null: no limit. */
  validityMonths: number | null
}

/** The result-type table: shipped as data, or (district) taken from the province and kept in meta. */
export interface ResultTypeTable {
  version: number
  default: Retention
  resultTypes: ResultType[]
}

/** A scanner's saved profile (scanner/profiles.ts makes and checks them). */
export interface ScanProfile {
  source?: string
  /** Only for devices with a `duplex` switch or an `adf-mode` option; others name duplex in their source. */
  duplex?: boolean
  /** Dots per inch. */
  resolution?: number
  mode?: string
  /** Bits per channel (8 in colour = 24-bit). */
  depth?: number
}

/** What one batch scans with: a profile, the request's overrides, and further SANE options by name. */
export interface ScanSettings extends ScanProfile {
  options?: Record<string, boolean | number | string | boolean[] | number[]>
}

/** A scanner batch's scanner and settings, so a resumed batch scans as it began, also after a restart. */
export interface ScanBatchMeta {
  scannerId: string
  settings: ScanSettings
}

/** District: the province's catalogue last applied. */
export interface CatalogueApplied { origin: string | null, version: number }

/** The value of each fixed `meta` key (`META` in keys.ts names the key on disk). */
export interface MetaValues {
  layoutVersion: number
  filesSweepPending: boolean
  catalogueVersion: number
  catalogueOrigin: string
  catalogueApplied: CatalogueApplied
  districtSync: DistrictSyncState
  sharedResultTypes: ResultTypeTable
}
