/**
 * The contract between replication (this package: network, protocol, schedule, rate) and the appliance (log,
 * files, replicas, search). The composition root builds the appliance side (`appliance/src/replica`) and passes it
 * in; sync never reaches into the appliance's storage.
 */

/** A node's role: districts digitize and replicate up; the province keeps every district's replica. */
export type NodeRole = 'district' | 'province'

/** A position in a signed log: the entry's sequence number and the hex SHA-256 of its envelope bytes. */
export interface LogPosition {
  seq: number
  hash: string
}

export const GENESIS: LogPosition = { seq: 0, hash: '0'.repeat(64) }

export interface StoredEntry {
  seq: number
  /** The envelope exactly as signed and stored (UTF-8 JSON `{body, sig}`). */
  envelope: Uint8Array
}

export interface FileRef {
  sha256: string
  size: number
}

/** A verification failure: the first entry that failed and why (never personal data). */
export interface EntryFailure {
  seq: number
  problem: string
}

/** Tables every node files records by, sent down by the province (unit catalogue, result types…). */
export interface SharedTable {
  name: string
  /** Newer wins; a node applies a table only when its version is newer than the one it has. */
  version: number
  document: unknown
}

/** Receiving side of file transfer: partial files survive restarts, so a cut transfer resumes at its offset. */
export interface FileReceiver {
  has: (sha256: string) => Promise<boolean>
  /** Bytes of this file received so far (0 when none). */
  partialSize: (sha256: string) => Promise<number>
  /** Appends bytes at `offset` (the current partial size); returns the new size. */
  append: (sha256: string, offset: number, bytes: Uint8Array) => Promise<number>
  /** Hashes the finished partial and returns whether it matches; a match enters the file store at the next `flush`. */
  complete: (sha256: string, size: number) => Promise<boolean>
  /** A whole file that arrived in one chunk: checked against its hash in memory and written at once (null: not offered). */
  put?: (sha256: string, bytes: Uint8Array) => Promise<boolean>
  /** Makes the completed files durable in the file store (one grouped sync); called before entries naming them commit. */
  flush: () => Promise<void>
  /** Drops a partial (after a mismatch that a fresh transfer may cure). */
  discard: (sha256: string) => Promise<void>
  /** One session at a time receives a given file (two districts may send the same scan at once). */
  reserve: (sha256: string, owner: object) => boolean
  release: (sha256: string, owner: object) => void
}

/** Sending side of file transfer. */
export interface FileSource {
  /** Size of a stored file, or null when this node does not hold it. */
  fileSize: (sha256: string) => Promise<number | null>
  readFile: (sha256: string, offset: number, length: number) => Promise<Uint8Array>
}

/** What a checked batch of entries asks for. */
export interface CheckedBatch {
  /** The entries of the batch that passed, in order (entries already held are left out). */
  accepted: StoredEntry[]
  /** Files those entries reference, each with the first seq that needs it. */
  files: Array<FileRef & { seq: number }>
  /** The first entry that failed, when one did; nothing after it is accepted. */
  failure?: EntryFailure
}

/** District: its own signed log and files, offered to the province. */
export interface ReplicaSource extends FileSource {
  /** This node's peer ID (the key that signs its log). */
  peerId: string
  head: () => Promise<LogPosition>
  /** Stored entries from `from` (inclusive), in order, at most `limit`. */
  entries: (from: number, limit: number) => Promise<StoredEntry[]>
  /** What is left to move after `seq`: entries and the bytes of the files they reference. */
  pending: (afterSeq: number) => Promise<{ entries: number, bytes: number }>
  /** Versions of the shared tables this node holds. */
  sharedVersions: () => Promise<Record<string, number>>
  applyShared: (tables: SharedTable[]) => Promise<void>
  loadState: () => Promise<DistrictSyncState | undefined>
  saveState: (state: DistrictSyncState) => Promise<void>
  /** Taking the archive back from the province. */
  restore: RestoreTarget
}

/** District, during restore: checks and applies its own log coming back from the province. */
export interface RestoreTarget {
  head: () => Promise<LogPosition>
  /**
   * Checks entries following `after` (chain; signature by a key this node trusts: its own, the keys that signed its
   * log before, those its admin named for this restore, and keys introduced by an entry signed by a trusted key) and
   * lists their files. The province's word on who may sign is never taken.
   */
  check: (after: LogPosition, entries: StoredEntry[], trust: string[]) => Promise<CheckedBatch>
  files: FileReceiver
  /** Stores checked entries whose files are all present: the log verbatim, then records, pages and search. */
  apply: (entries: StoredEntry[]) => Promise<LogPosition>
}

/** A district node the province accepts. */
export interface DistrictPeer {
  peerId: string
  unit: string
  /** Whose replica this peer writes to (its own peer ID, or the node it replaces after a lost key). */
  replica: string
  addedAt: string
  /** A revoked key: refused at connect; its entries after `after` (the replica's position then) are refused. */
  revoked?: PeerRevocation | null
}

export interface PeerRevocation {
  at: string
  /** The last entry of the replica this key may have signed. */
  after: number
  reason: string
}

export interface ReplicaPosition {
  acked: LogPosition
  /** Set after a verification failure: nothing more is accepted from this district until an admin resumes it. */
  halted: (EntryFailure & { at: string }) | null
}

/** Per district, as the province shows it. */
export interface DistrictSummary {
  peerId: string
  unit: string
  replica: string
  records: number
  pages: number
  bytes: number
  acked: number
  /** What the district said it still had to send at its last contact. */
  lag: { entries: number, bytes: number }
  lastContact: string | null
  verificationFailures: number
  lastFailure: (EntryFailure & { at: string }) | null
  halted: (EntryFailure & { at: string }) | null
}

/** Province: every district's replica, the shared file store and search. */
export interface ReplicaSink extends FileSource {
  peerId: string
  /** Registered districts (the gater's allow-list). */
  peers: () => Promise<DistrictPeer[]>
  addPeer: (peerId: string, unit: string, opts?: { replaces?: string }) => Promise<DistrictPeer>
  /** Revokes a district key (lost or stolen): refused at connect, its later entries refused. */
  revokePeer: (peerId: string, reason: string) => Promise<DistrictPeer>
  position: (replica: string) => Promise<ReplicaPosition>
  /** Records a contact and what the district reported (its head and what it still has to send). */
  noteContact: (replica: string, report: { head: number, entries: number, bytes: number, received?: number }) => Promise<void>
  /** Checks entries following the acknowledged position (signature, chain, signer) and lists their files. */
  check: (replica: string, entries: StoredEntry[]) => Promise<CheckedBatch>
  /** Where a replica's files arrive: partial files of one district, within that district's partial-space budget. */
  receiver: (replica: string) => FileReceiver
  /** Stores checked entries whose files are all present, indexes their records; returns the new position. */
  commit: (replica: string, entries: StoredEntry[]) => Promise<LogPosition>
  /** Stops a replica at a failed entry (both the failure count and the halt are kept). */
  halt: (replica: string, failure: EntryFailure) => Promise<void>
  /** An admin's decision to try again after a failure. */
  resume: (replica: string) => Promise<boolean>
  /** Tables to send down, newest versions. */
  shared: () => Promise<SharedTable[]>
  /** Serving restore: a replica's stored entries. */
  entries: (replica: string, from: number, limit: number) => Promise<StoredEntry[]>
  /** The files these entries reference (restore serves a district only the files of its own replica's entries). */
  filesOf: (entries: StoredEntry[]) => string[]
  /** Keys whose signatures a replica's log may carry, each up to the last seq it may sign (Infinity: not revoked). */
  signers: (replica: string) => Promise<Map<string, number>>
  districts: () => Promise<DistrictSummary[]>
  /** Replica records with this id, one per replica holding it (ids are unique per replica only). */
  records: (id: string, replica?: string) => Promise<unknown[]>
}

/** What a district remembers of replication between runs. */
export interface DistrictSyncState {
  acked: LogPosition
  lastSuccess: string | null
  lastAttempt: string | null
  lastError: string | null
  lastContact: string | null
  /** The province refused an entry: replication stays stopped until an admin there resumes it. */
  refused: (EntryFailure & { at: string }) | null
  bytesSent: number
}

export interface RestoreProgress {
  state: 'idle' | 'running' | 'done' | 'failed'
  startedAt: string | null
  finishedAt: string | null
  entries: number
  totalEntries: number
  bytes: number
  error: string | null
}

export interface SyncStatus {
  role: NodeRole
  peerId: string
  /** Whether the network side runs in this process (false on an offline CLI node until it needs it). */
  online: boolean
  listen: string[]
  window: { open: boolean, nextStart: string | null, nextEnd: string | null }
  bandwidth: number
  running: boolean
  /** District: position in its own log and what the province acknowledged. */
  head?: number
  acked?: number
  entriesBehind: number
  bytesBehind: number
  /** Bytes per second over the last 10 s. */
  rate: number
  bytesSent: number
  bytesReceived: number
  lastSuccess: string | null
  lastError: string | null
  lastContact: string | null
  refused?: (EntryFailure & { at: string }) | null
  province?: string[]
  /** Province: how many districts are registered. */
  districts?: number
  restore?: RestoreProgress
}

/** Outcome of one replication run (district). */
export interface RunResult {
  ok: boolean
  entries: number
  bytes: number
  acked: number
  head: number
  paused?: boolean
  error?: string
  refused?: EntryFailure
}

/** What the appliance's API and CLI use. */
export interface SyncService {
  role: NodeRole
  peerId: string
  status: () => Promise<SyncStatus>
  /** District: replicate now (ignores the window); province: nothing to run. */
  run: () => Promise<RunResult>
  /** District: pull the whole archive back from the province (resumable); `trust`: other keys of this node's log the admin vouches for (a lost key it replaced). */
  restore: (opts?: { trust?: string[] }) => Promise<RestoreProgress>
  restoreProgress: () => RestoreProgress
  /** Province. */
  addPeer: (peerId: string, unit: string, opts?: { replaces?: string }) => Promise<DistrictPeer>
  revokePeer: (peerId: string, reason: string) => Promise<DistrictPeer>
  peers: () => Promise<DistrictPeer[]>
  districts: () => Promise<DistrictSummary[]>
  resumeDistrict: (peerId: string) => Promise<boolean>
  replicaRecords: (id: string, replica?: string) => Promise<unknown[]>
  stop: () => Promise<void>
}
