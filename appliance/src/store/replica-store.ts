/**
 * The province's replicas of its districts, in the `replicas` sublevel. Only this file knows its keys. Each
 * district's replica (its log and what its records say) is kept apart under its replica id (the peer ID that
 * wrote it); files are not here: they live once in the node's shared file store.
 *
 * - `peer!<peerId>`                   → ReplicaPeer: a district node allowed to connect, its replica, its revocation
 * - `state!<replica>`                 → ReplicaState: acknowledged position, counts, contact, failures, halt
 * - `entry!<replica>!<seq, 12 digits>` → ReplicaEntry: the envelope exactly as signed (base64) and its hash
 * - `record!<replica>!<recordId>`     → ReplicaRecord: what the log says of a record (for search and counts)
 *
 * A batch of accepted entries, their records and the new state is one synced LevelDB batch; so is a registration
 * (the peer, its replica's first state, and the revocation of the key it replaces).
 */
import type { ReplicaEntry, ReplicaPeer, ReplicaRecord, ReplicaState } from './types.js'

/** What this class needs of a sublevel; `db.sublevel<string, any>('replicas', { valueEncoding: 'json' })` fits. */
export interface ReplicaSublevel {
  get: (key: string) => Promise<any>
  getMany: (keys: string[]) => Promise<any[]>
  batch: (operations: Array<{ type: 'put', key: string, value: any } | { type: 'del', key: string }>, options?: { sync?: boolean }) => Promise<void>
  values: (options: { gt?: string, lt?: string, gte?: string, lte?: string, limit?: number }) => AsyncIterable<any>
}

const seqKey = (seq: number): string => String(seq).padStart(12, '0')
const entryKey = (replica: string, seq: number): string => `entry!${replica}!${seqKey(seq)}`
const recordKey = (replica: string, id: string): string => `record!${replica}!${id}`

export class ReplicaStore {
  constructor (private readonly sub: ReplicaSublevel) {}

  async getPeer (peerId: string): Promise<ReplicaPeer | undefined> {
    return await this.sub.get(`peer!${peerId}`) ?? undefined
  }

  async listPeers (): Promise<ReplicaPeer[]> {
    return await this.all<ReplicaPeer>('peer!')
  }

  async putPeer (peer: ReplicaPeer): Promise<void> {
    await this.sub.batch([{ type: 'put', key: `peer!${peer.peerId}`, value: peer }], { sync: true })
  }

  /** Peers and replica states written together, so a crash never leaves a peer without its replica's state. */
  async putPeers (peers: ReplicaPeer[], states: ReplicaState[] = []): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: unknown }> = []
    for (const p of peers) ops.push({ type: 'put', key: `peer!${p.peerId}`, value: p })
    for (const s of states) ops.push({ type: 'put', key: `state!${s.replica}`, value: s })
    await this.sub.batch(ops, { sync: true })
  }

  async getState (replica: string): Promise<ReplicaState | undefined> {
    return await this.sub.get(`state!${replica}`) ?? undefined
  }

  async putState (state: ReplicaState): Promise<void> {
    await this.sub.batch([{ type: 'put', key: `state!${state.replica}`, value: state }], { sync: true })
  }

  async getEntry (replica: string, seq: number): Promise<ReplicaEntry | undefined> {
    return await this.sub.get(entryKey(replica, seq)) ?? undefined
  }

  /** Entries of a replica from `from` (inclusive), in order. */
  async entries (replica: string, from: number, limit: number): Promise<ReplicaEntry[]> {
    const out: ReplicaEntry[] = []
    for await (const e of this.sub.values({ gte: entryKey(replica, from), lt: `entry!${replica}!~`, limit })) out.push(e)
    return out
  }

  async getRecord (replica: string, id: string): Promise<ReplicaRecord | undefined> {
    return await this.sub.get(recordKey(replica, id)) ?? undefined
  }

  async getRecords (replica: string, ids: string[]): Promise<Array<ReplicaRecord | undefined>> {
    if (ids.length === 0) return []
    return (await this.sub.getMany(ids.map(id => recordKey(replica, id)))).map(r => r ?? undefined)
  }

  /** The records of this id in each of these replicas (ids are unique per replica only). */
  async holders (id: string, replicas: string[]): Promise<ReplicaRecord[]> {
    if (replicas.length === 0) return []
    return (await this.sub.getMany(replicas.map(r => recordKey(r, id)))).filter((r): r is ReplicaRecord => r !== undefined && r !== null)
  }

  /** Every record of one replica (or of all), in id order. */
  async * records (replica?: string): AsyncGenerator<ReplicaRecord> {
    const prefix = replica === undefined ? 'record!' : `record!${replica}!`
    for await (const r of this.sub.values({ gt: prefix, lt: `${prefix}~` })) yield r as ReplicaRecord
  }

  /** Accepted entries, the records they create or change, and the replica's new state: one synced batch. */
  async commit (change: { entries: ReplicaEntry[], records: ReplicaRecord[], state: ReplicaState }): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: unknown }> = []
    for (const e of change.entries) ops.push({ type: 'put', key: entryKey(change.state.replica, e.seq), value: e })
    for (const r of change.records) ops.push({ type: 'put', key: recordKey(change.state.replica, r.id), value: r })
    ops.push({ type: 'put', key: `state!${change.state.replica}`, value: change.state })
    await this.sub.batch(ops, { sync: true })
  }

  private async all<T> (prefix: string): Promise<T[]> {
    const out: T[] = []
    for await (const v of this.sub.values({ gt: prefix, lt: `${prefix}~` })) out.push(v as T)
    return out
  }
}
