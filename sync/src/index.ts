/**
 * Replication of a district node's archive to its province node over libp2p (issue 5). For now only the contract
 * the appliance will implement and the sync service will use; nothing here talks to the network yet.
 */

/** A node's role: districts digitize and replicate up; the province keeps every district's replica. */
export type NodeRole = 'district' | 'province'

/** What replication needs from the appliance: an append-only, signed log and content-addressed files. */
export interface ReplicaSource {
  /** Position of the newest log entry. */
  head: () => Promise<number>
  /** Log entries from `from` (inclusive), in order. */
  entries: (from: number, limit: number) => Promise<Array<{ seq: number, bytes: Uint8Array }>>
  /** Bytes of a stored file by SHA-256, from `offset`. */
  readFile: (sha256: string, offset: number, length: number) => Promise<Uint8Array>
}

export interface SyncStatus {
  role: NodeRole
  entriesBehind: number
  bytesBehind: number
  lastSuccess: string | null
  lastError: string | null
}

/** Until replication lands, a node reports that nothing is configured. */
export function idleStatus (role: NodeRole): SyncStatus {
  return { role, entriesBehind: 0, bytesBehind: 0, lastSuccess: null, lastError: null }
}
