/**
 * The LevelDB key space, in one place. One database per node at `<dataDir>/db`; every kind of entry lives in its
 * own sublevel (abstract-level prefixes keys with `!<name>!`); values are JSON. Nothing outside `store/` knows
 * these names. When a key or value shape changes, add a numbered migration to `migrations.ts` (LAYOUT_VERSION is
 * the last one's number); `Store.open` runs those a data directory has not had yet.
 *
 * | sublevel   | key                          | value                              |
 * |------------|------------------------------|------------------------------------|
 * | meta       | see META below               | node-wide facts, one typed accessor each (`MetaValues` in `types.ts`) |
 * | units      | `<statistics code>`          | Unit                               |
 * | batches    | `<batchId>`                  | Batch                              |
 * | records    | `<recordId>`                 | RecordEntry (ids sort by time)     |
 * | pages      | `<pageId>`                   | Page                               |
 * | ocr        | `<pageId>`                   | PageText (text + word boxes)       |
 * | jobs       | `<pageId>`                   | Job (the page's pipeline job)      |
 * | imports    | `<unit>!<sha256>`            | recordId made from that file       |
 * | receipts   | `<principal>!<idempotency key>` | StoredReceipt (answer + unit + SHA-256 of the bytes) |
 * | users      | `<username>`                 | User                               |
 * | tokens     | `<sha256 of the secret>`     | Token                              |
 * | sessions   | `<sha256 of the cookie>`     | Session                            |
 * | index      | see `search-index.ts`        | the full-text index: documents, memtable, segment list |
 * | searchseg  | see `search-index.ts`        | the index's segment blobs (binary values) |
 * | events     | `<recordId>!<eventId>`       | RecordEvent (a record's history)   |
 * | versions   | `<recordId>!<version, 6 digits>` | RecordVersion (who changed what) |
 * | targets    | `<unit>!<year>`              | Target (pages planned)             |
 * | inventory  | see `store/inventory-store.ts` | boxes, files and record links    |
 * | replicas   | see `store/replica-store.ts` | province: districts' replicas    |
 * | log        | `<seq, 12 digits>`           | signed log envelope (see `store/log-store.ts`) |
 * | logindex   | see `store/log-store.ts`     | the log's record index and signing keys |
 * | audit      | see `store/audit-store.ts`   | lookups by personal ID (who, which ID, when, why) |
 * | outbox     | see `store/outbox-store.ts`  | outbox: each target's cursor, its dead letters |
 * | indexjobs  | `<recordId>!<seq>`           | layouts 1-2 only: migration 3 moves them into `recordjobs` (`index!…`) |
 * | recordjobs | `<step>!<subject>!<seq>`     | RecordJobEntry: a record step (segment a batch; extract, sign, package, log, index a record) is due, written in the batch of the change that needs it (layout 3's `archive!…` jobs: `sign!…` since migration 4) |
 */
export { LAYOUT_VERSION } from './migrations.js'

export const SUBLEVELS = [
  'meta', 'units', 'batches', 'records', 'pages', 'ocr', 'jobs', 'imports', 'receipts',
  'users', 'tokens', 'sessions', 'index', 'events', 'versions',
  'targets', 'inventory', 'replicas', 'log', 'logindex',
  'audit', 'outbox', 'indexjobs', 'recordjobs'
] as const

/** The binary sublevel of the search index's segments (not in SUBLEVELS: those hold JSON). */
export const SEARCH_SEGMENTS = 'searchseg'

export type SublevelName = typeof SUBLEVELS[number]

/** A client's Idempotency-Key is its own: scoped by who sent it (principal ids hold no `!`). */
export const receiptKey = (principal: string, key: string): string => `${principal}!${key}`

/**
 * The `meta` sublevel's fixed keys: the name a caller uses → the key on disk (kept as they were first written, so
 * existing data reads; a rename goes through a migration). Their value types are `MetaValues` in `types.ts`.
 */
export const META = {
  /** The data layout this directory was last migrated to (see `migrations.ts`). */
  layoutVersion: 'layoutVersion',
  /** Set in a lawful deletion's batch, cleared once unreferenced files are swept (Store.open sweeps while it is set). */
  filesSweepPending: 'filesSweepPending',
  /** The unit catalogue's version: the shipped one, then +1 per local change (units/). */
  catalogueVersion: 'catalogueVersion',
  /** The catalogue's lineage: a shipped catalogue of another origin is not merged into this one (units/). */
  catalogueOrigin: 'catalogueOrigin',
  /** District: the province's catalogue last applied, origin and version (units/). */
  catalogueApplied: 'catalogueApplied',
  /** District: replication's cursor and last outcome (replica/district.ts; `sync` before layout 2). */
  districtSync: 'districtSync',
  /** District: the result-type table taken from the province (replica/result-types.ts). */
  sharedResultTypes: 'sharedResultTypes'
} as const

export type MetaName = keyof typeof META

/** Keyed meta entries: a scanner's saved profile, a scanner batch's scanner and settings (scanner/service.ts). */
export const scanProfileKey = (scannerId: string): string => `scannerProfile:${scannerId}`
export const scanBatchKey = (batchId: string): string => `scannerBatch:${batchId}`

/** Unique and increasing within a process; distinct across restarts by the time part. */
let jobSeq = 0
const jobSeqPart = (): string => `${Date.now().toString(36).padStart(9, '0')}.${(jobSeq++).toString(36).padStart(6, '0')}`
/**
 * A record step's job: one key per write, so a job written while the step runs is not deleted with the ones the
 * runner read (it runs again, once, for the newer change). Steps and subjects (ids) hold no `!`.
 */
export const recordJobKey = (step: string, subject: string): string => `${step}!${subject}!${jobSeqPart()}`
export function parseRecordJobKey (key: string): { step: string, subject: string } {
  const a = key.indexOf('!')
  const b = key.lastIndexOf('!')
  return { step: key.slice(0, a), subject: key.slice(a + 1, b) }
}

export const importKey = (unit: string, sha256: string): string => `${unit}!${sha256}`

export const eventKey = (recordId: string, eventId: string): string => `${recordId}!${eventId}`
export const versionKey = (recordId: string, version: number): string => `${recordId}!${String(version).padStart(6, '0')}`
export const targetKey = (unit: string, year: number): string => `${unit}!${year}`

/**
 * The in-process lock names (Store.lock*): one entity, one name, whatever module takes it. Each helper below is
 * the only place its name is built.
 */
export const LOCKS = {
  page: (pageId: string) => `page:${pageId}`,
  record: (recordId: string) => `record:${recordId}`,
  batch: (batchId: string) => `batch:${batchId}`,
  segment: (batchId: string) => `segment:${batchId}`,
  scan: (batchId: string) => `scan:${batchId}`,
  user: (username: string) => `user:${username}`,
  receipt: (principal: string, key: string) => `receipt:${principal}:${key}`,
  intake: (unit: string, sha256: string) => `intake:${unit}:${sha256}`,
  inventoryUnit: (unit: string) => `inventory-unit:${unit}`,
  inventoryFile: (fileId: string) => `inventory-file:${fileId}`,
  inventoryRecord: (recordId: string) => `inventory-record:${recordId}`,
  outbox: (target: string) => `outbox:${target}`,
  replica: (replica: string) => `replica:${replica}`,
  replicaPeers: () => 'replica-peers',
  catalogue: () => 'catalogue',
  archiveLog: () => 'archive-log'
} as const

export type LockName = keyof typeof LOCKS
