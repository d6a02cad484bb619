/**
 * The province's side of replication (`ReplicaSink`): the registry of district nodes, one replica per district
 * (its log verbatim and what its records say, kept apart), the shared file store, and the search index that spans
 * every district. Entries are checked before they are stored; a stored batch is one atomic write; records are
 * indexed after it, and a crash between the two is repaired at the next start (`recover`).
 */
import { peerIdToPublicKey, decodeEnvelope, type LogEntryBody } from '../archive/index.js'
import { describeDeleted } from '../archive/index.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../log/index.js'
import { searchDocumentOf } from '../records/index.js'
import type { SearchService } from '../search/index.js'
import type { RecordEntry, ReplicaPeer, ReplicaRecord, ReplicaState, Store } from '../store/index.js'
import type { Units } from '../units/index.js'
import type { CheckedBatch, DistrictSummary, EntryFailure, FileReceiver, LogPosition, ReplicaSink, SharedTable, StoredEntry } from '../../../sync/src/index.js'
import { checkEntries, entryHash } from './entries.js'

/** The search document of a replica record: (replica, record), so districts' documents never collide. */
export const replicaDocumentId = (replica: string, recordId: string): string => `${replica}/${recordId}`
import type { PartialFiles } from './partial-files.js'
import { readStoredRange, storedFileSize, textOfTextFile } from './stored-files.js'

const GENESIS = { seq: 0, hash: '0'.repeat(64) }

export interface ProvinceReplicasOptions {
  store: Store
  search: SearchService
  units: Units
  partial: PartialFiles
  peerId: string
  logger: Logger
  /** Tables sent down besides the unit catalogue (the result-type table). */
  sharedTables?: () => Promise<SharedTable[]>
  /** Largest file an entry may claim (the intake limit): a claim is what the province reserves room for. */
  maxFileBytes: number
  /** Bytes of partial files one district may hold at the province (its unfinished transfers). */
  partialBytesPerDistrict: number
}

export class ProvinceReplicas implements ReplicaSink {
  readonly peerId: string
  readonly files: PartialFiles

  constructor (private readonly opts: ProvinceReplicasOptions) {
    this.peerId = opts.peerId
    this.files = opts.partial
  }

  /**
   * The districts' archived records, for the province's progress report: pages and time of archiving as the
   * district's log says. Deleted (retention over) and replaced records are left out, as on a district.
   */
  async * archivedRecords (): AsyncGenerator<{ unit: string, pages: number, archivedAt: string }> {
    for await (const r of this.opts.store.replicas.records()) {
      if (r.deleted) continue
      const record = r.record as { pageCount?: unknown, archivedAt?: unknown, supersededBy?: unknown }
      if (Array.isArray(record.supersededBy) && record.supersededBy.length > 0) continue
      const pages = typeof record.pageCount === 'number' ? record.pageCount : r.files.filter(f => f.role === 'master').length
      const archivedAt = typeof record.archivedAt === 'string' ? record.archivedAt : new Date(0).toISOString()
      yield { unit: r.unit, pages, archivedAt }
    }
  }

  // ---- registry ----

  async peers (): Promise<ReplicaPeer[]> {
    return await this.opts.store.replicas.listPeers()
  }

  /**
   * Registers a district node. With `replaces`, the new key takes over the replica of a node that lost its key,
   * and the old key is revoked at the replica's current position (a lost key may be in someone else's hands). The
   * peer, its replica's first state and that revocation are one synced batch.
   */
  async addPeer (peerId: string, unit: string, opts: { replaces?: string } = {}): Promise<ReplicaPeer> {
    const { store, units } = this.opts
    try {
      peerIdToPublicKey(peerId)
    } catch (err) {
      throw new AppError('VALIDATION', { peerId: 'not an Ed25519 libp2p peer ID' }, err)
    }
    await units.get(unit)
    return await store.lockReplicaPeers(async () => {
      const existing = await store.replicas.getPeer(peerId)
      let replica = peerId
      let old: ReplicaPeer | undefined
      if (opts.replaces) {
        old = await store.replicas.getPeer(opts.replaces)
        if (!old) throw new AppError('SYNC_PEER_UNKNOWN', { peerId: opts.replaces })
        if (old.unit !== unit) throw new AppError('VALIDATION', { unit: `the replaced node files under ${old.unit}` })
        replica = old.replica
      }
      if (existing) {
        if (existing.unit === unit && existing.replica === replica && !existing.revoked) return existing
        throw new AppError('SYNC_PEER_EXISTS', { peerId, unit: existing.unit })
      }
      const peer: ReplicaPeer = { peerId, unit, replica, addedAt: new Date().toISOString() }
      return await store.lockReplica(replica, async () => {
        const current = await store.replicas.getState(replica)
        const peers = [peer]
        if (old && !old.revoked) peers.push({ ...old, revoked: { at: peer.addedAt, after: current?.acked.seq ?? 0, reason: `replaced by ${peerId}` } })
        await store.replicas.putPeers(peers, current ? [] : [newState(replica, unit)])
        this.opts.logger.info({ peer: peerId, unit, replica, ...(old ? { revoked: old.peerId } : {}) }, 'district registered')
        return peer
      })
    })
  }

  /**
   * Revokes a district key. Entries it signed up to the replica's current position stay (they were checked when
   * they came); anything it signs later is refused, and the gater refuses its connections.
   */
  async revokePeer (peerId: string, reason: string): Promise<ReplicaPeer> {
    const { store } = this.opts
    return await store.lockReplicaPeers(async () => {
      const peer = await store.replicas.getPeer(peerId)
      if (!peer) throw new AppError('SYNC_PEER_UNKNOWN', { peerId })
      if (peer.revoked) return peer
      return await store.lockReplica(peer.replica, async () => {
        const state = await store.replicas.getState(peer.replica)
        const revoked: ReplicaPeer = { ...peer, revoked: { at: new Date().toISOString(), after: state?.acked.seq ?? 0, reason } }
        await store.replicas.putPeers([revoked])
        this.opts.logger.warn({ peer: peerId, replica: peer.replica, after: revoked.revoked!.after }, 'district key revoked')
        return revoked
      })
    })
  }

  /** The keys that may sign a replica's entries: every peer registered for it, a revoked one up to its revocation point. */
  async signers (replica: string): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for (const p of await this.peers()) if (p.replica === replica) out.set(p.peerId, p.revoked ? p.revoked.after : Infinity)
    return out
  }

  /** Repair: a peer whose replica has no state (a registration written in two steps by an earlier version, cut between them). */
  async repairPeers (): Promise<number> {
    const { store } = this.opts
    let repaired = 0
    for (const peer of await this.peers()) {
      await store.lockReplica(peer.replica, async () => {
        if (await store.replicas.getState(peer.replica)) return
        await store.replicas.putPeers([], [newState(peer.replica, peer.unit)])
        repaired++
      })
    }
    if (repaired > 0) this.opts.logger.warn({ repaired }, 'replica states repaired for registered districts')
    return repaired
  }

  /** A replica's partial files, within the district's budget (a district cannot fill the province's disk with claims). */
  receiver (replica: string): FileReceiver {
    return this.opts.partial.scope(replica, this.opts.partialBytesPerDistrict)
  }

  private async state (replica: string): Promise<ReplicaState> {
    const state = await this.opts.store.replicas.getState(replica)
    if (!state) throw new AppError('SYNC_PEER_UNKNOWN', { replica })
    return state
  }

  private async updateState (replica: string, fn: (s: ReplicaState) => void): Promise<ReplicaState> {
    return await this.opts.store.lockReplica(replica, async () => {
      const state = await this.state(replica)
      fn(state)
      await this.opts.store.replicas.putState(state)
      return state
    })
  }

  async position (replica: string): Promise<{ acked: LogPosition, halted: ReplicaState['halted'] }> {
    const state = await this.state(replica)
    return { acked: state.acked, halted: state.halted }
  }

  async noteContact (replica: string, report: { head: number, entries: number, bytes: number, received?: number }): Promise<void> {
    await this.updateState(replica, s => {
      s.lastContact = new Date().toISOString()
      s.reportedHead = Math.max(s.reportedHead, report.head)
      s.lag = { entries: Math.max(0, report.head - s.acked.seq), bytes: report.entries === 0 && report.head <= s.acked.seq ? 0 : report.bytes }
      s.bytesReceived += report.received ?? 0
    })
  }

  async halt (replica: string, failure: EntryFailure): Promise<void> {
    await this.updateState(replica, s => {
      const f = { ...failure, at: new Date().toISOString() }
      s.verificationFailures++
      s.lastFailure = f
      s.halted = f
    })
  }

  async resume (replica: string): Promise<boolean> {
    const state = await this.updateState(replica, s => { s.halted = null })
    this.opts.logger.info({ replica, acked: state.acked.seq }, 'district replication resumed by an admin')
    return true
  }

  // ---- entries ----

  async check (replica: string, entries: StoredEntry[]): Promise<CheckedBatch> {
    const state = await this.state(replica)
    const allowed = new Set(await this.opts.units.unitsUnder(state.unit).catch(() => [state.unit]))
    const { accepted, files, failure } = await checkEntries({
      after: state.acked,
      signers: await this.signers(replica),
      maxFileBytes: this.opts.maxFileBytes,
      held: async (seq) => (await this.opts.store.replicas.getEntry(replica, seq))?.hash,
      inspect: async (body) => {
        // The unit a record is filed under is the signed envelope's, always present and always one of the
        // district's units: nothing falls back to unchecked data.
        if (!body.recordId && body.unit === undefined) return null
        if (typeof body.unit !== 'string' || body.unit === '') return 'the entry names no unit'
        if (!allowed.has(body.unit)) return `unit ${body.unit} is not under district ${state.unit} in the province's catalogue`
        const claimed = (body.data?.record as { unit?: unknown } | undefined)?.unit
        if (claimed !== undefined && claimed !== body.unit) return `the record says unit ${String(claimed)}, the entry ${body.unit}`
        return null
      }
    }, entries)
    return { accepted, files, ...(failure ? { failure } : {}) }
  }

  async commit (replica: string, entries: StoredEntry[]): Promise<LogPosition> {
    const { store } = this.opts
    const { state, changed } = await store.lockReplica(replica, async () => {
      const state = await this.state(replica)
      if (entries.length === 0) return { state, changed: [] as ReplicaRecord[] }
      if (entries[0].seq !== state.acked.seq + 1) throw new AppError('SYNC_OUT_OF_ORDER', { replica, expected: state.acked.seq + 1, got: entries[0].seq })
      const records = new Map<string, ReplicaRecord>()
      for (const entry of entries) {
        for (const f of decodeEnvelope(entry.envelope).body.files ?? []) {
          if (!(await store.files.has(f.sha256))) throw new AppError('SYNC_OUT_OF_ORDER', { replica, seq: entry.seq, missing: f.sha256 })
        }
        await this.applyEntry(replica, state, decodeEnvelope(entry.envelope).body, entry.seq, records)
      }
      const last = entries[entries.length - 1]
      state.acked = { seq: last.seq, hash: entryHash(last.envelope) }
      state.lag = { entries: Math.max(0, state.reportedHead - state.acked.seq), bytes: state.lag.bytes }
      await store.replicas.commit({
        entries: entries.map(e => ({ seq: e.seq, hash: entryHash(e.envelope), envelope: Buffer.from(e.envelope).toString('base64') })),
        records: [...records.values()],
        state
      })
      return { state, changed: [...records.values()] }
    })
    await this.index(changed)
    await this.updateState(replica, s => { s.indexed = Math.max(s.indexed, state.acked.seq) })
    return state.acked
  }

  /** What one entry changes in the replica's records and counts. */
  private async applyEntry (replica: string, state: ReplicaState, body: LogEntryBody, seq: number, records: Map<string, ReplicaRecord>): Promise<void> {
    const id = body.recordId
    if (!id) return
    const current = records.get(id) ?? await this.opts.store.replicas.getRecord(replica, id)
    if (body.type === 'record.archived') {
      if (current) return
      const data = (body.data?.record ?? {}) as Record<string, unknown>
      const files = (body.files ?? []).map(f => ({ sha256: f.sha256, size: f.size, role: f.role }))
      const record: ReplicaRecord = { id, replica, unit: String(body.unit), seq, files, record: data, storedAt: new Date().toISOString() }
      records.set(id, record)
      state.records++
      state.pages += pagesOf(record)
      state.bytes += files.reduce((s, f) => s + f.size, 0)
      return
    }
    if (!current || current.deleted) return
    // A later entry about a record changes it only under the unit it was filed under.
    if (body.unit !== undefined && body.unit !== current.unit) return
    if (body.type === 'record.validity') {
      records.set(id, { ...current, record: { ...current.record, validity: body.data?.validity ?? current.record.validity } })
    } else if (body.type === 'record.deleted') {
      // The person goes from the province's copy too (what `GET /api/v1/sync/records/:id` and lookups read); the
      // files stay while the signed log that names them does, so a restore can still verify the chain.
      records.set(id, { ...current, record: describeDeleted(current.record), deleted: { seq, at: body.at } })
      state.records--
      state.pages -= pagesOf(current)
      state.bytes -= current.files.reduce((s, f) => s + f.size, 0)
    }
  }

  /**
   * Puts replica records into the shared search (their unit makes `?unit=` span the replicas). Idempotent.
   * Record ids are unique per replica only (a district can copy another's ids: they are printed in every QR), so
   * the index keys every document by (replica, record): another district archiving or deleting the same id never
   * replaces or removes it.
   */
  private async index (records: ReplicaRecord[]): Promise<void> {
    const { search, store } = this.opts
    for (const r of records) {
      // Keyed by (replica, record): a district can only ever write its own documents in the province's index.
      const docId = replicaDocumentId(r.replica, r.id)
      if (r.deleted) { await search.removeDocument(docId); continue }
      const textFile = r.files.find(f => f.role === 'text')
      const text = textFile ? textOfTextFile(await store.files.read(textFile.sha256)).text : ''
      const doc = searchDocumentOf(asRecordEntry(r), text)
      const fieldText = Object.values(doc.fields).join('\n')
      await search.indexDocument(docId, { text: fieldText ? `${text}\n\n${fieldText}` : text, attrs: { ...doc.attrs, replica: r.replica, recordId: r.id } })
    }
  }

  /** Indexes what a crash left between the stored entries and the search index. */
  async recover (): Promise<number> {
    let repaired = await this.repairPeers()
    for (const peer of await this.peers()) {
      if (peer.replica !== peer.peerId) continue
      const state = await this.opts.store.replicas.getState(peer.replica)
      if (!state || state.indexed >= state.acked.seq) continue
      const touched = new Set<string>()
      for (let from = state.indexed + 1; from <= state.acked.seq; from += 500) {
        for (const e of await this.opts.store.replicas.entries(peer.replica, from, 500)) {
          const id = decodeEnvelope(Buffer.from(e.envelope, 'base64')).body.recordId
          if (id) touched.add(id)
        }
      }
      const records = (await this.opts.store.replicas.getRecords(peer.replica, [...touched])).filter((r): r is ReplicaRecord => r !== undefined)
      await this.index(records)
      await this.updateState(peer.replica, s => { s.indexed = state.acked.seq })
      repaired += records.length
    }
    return repaired
  }

  /** Every replica record back into search (after `sohoa reindex` cleared it). */
  async reindexAll (): Promise<{ records: number }> {
    let n = 0
    const batch: ReplicaRecord[] = []
    for await (const r of this.opts.store.replicas.records()) {
      batch.push(r)
      if (batch.length >= 100) { await this.index(batch.splice(0)); }
      n++
    }
    await this.index(batch)
    return { records: n }
  }

  async entries (replica: string, from: number, limit: number): Promise<StoredEntry[]> {
    return (await this.opts.store.replicas.entries(replica, from, limit)).map(e => ({ seq: e.seq, envelope: new Uint8Array(Buffer.from(e.envelope, 'base64')) }))
  }

  async fileSize (sha256: string): Promise<number | null> {
    return await storedFileSize(this.opts.store.files, sha256)
  }

  async readFile (sha256: string, offset: number, length: number): Promise<Uint8Array> {
    return await readStoredRange(this.opts.store.files, sha256, offset, length)
  }

  async shared (): Promise<SharedTable[]> {
    const { units } = this.opts
    const catalogue: SharedTable = { name: 'catalogue', version: await units.version(), document: await units.catalogueSnapshot() }
    return [catalogue, ...(await this.opts.sharedTables?.() ?? [])]
  }

  async districts (): Promise<DistrictSummary[]> {
    const out: DistrictSummary[] = []
    for (const peer of await this.peers()) {
      const s = await this.opts.store.replicas.getState(peer.replica) ?? newState(peer.replica, peer.unit)
      out.push({
        peerId: peer.peerId,
        unit: peer.unit,
        replica: peer.replica,
        records: s.records,
        pages: s.pages,
        bytes: s.bytes,
        acked: s.acked.seq,
        lag: s.lag,
        lastContact: s.lastContact,
        verificationFailures: s.verificationFailures,
        lastFailure: s.lastFailure,
        halted: s.halted
      })
    }
    return out
  }

  /** The replicas' records of this id as their districts' logs describe them (one replica's, when named). */
  async records (id: string, replica?: string): Promise<ReplicaRecord[]> {
    const replicas = replica === undefined ? [...new Set((await this.peers()).map(p => p.replica))] : [replica]
    const out: ReplicaRecord[] = []
    for (const rep of replicas) {
      const r = await this.opts.store.replicas.getRecord(rep, id)
      if (r) out.push(r)
    }
    return out
  }

  filesOf (entries: StoredEntry[]): string[] {
    const out: string[] = []
    for (const e of entries) for (const f of decodeEnvelope(e.envelope).body.files ?? []) out.push(f.sha256)
    return out
  }
}

function newState (replica: string, unit: string): ReplicaState {
  return {
    replica, unit, acked: GENESIS, indexed: 0, records: 0, pages: 0, bytes: 0, reportedHead: 0, lag: { entries: 0, bytes: 0 },
    lastContact: null, verificationFailures: 0, lastFailure: null, halted: null, bytesReceived: 0
  }
}

function pagesOf (r: ReplicaRecord): number {
  const count = Number(r.record.pageCount)
  return Number.isFinite(count) && count > 0 ? count : r.files.filter(f => f.role === 'master').length
}

/** The fields search needs, shaped as the district's record (so attributes match the district's own index). */
function asRecordEntry (r: ReplicaRecord): RecordEntry {
  const d = r.record as Record<string, any>
  const fields = Object.fromEntries(Object.entries((d.fields ?? {}) as Record<string, string | null>).map(([k, v]) => [k, { value: v, confidence: 1, boxes: [] }]))
  return {
    id: r.id,
    unit: r.unit,
    batchId: String(d.batchId ?? ''),
    filename: d.filename ?? null,
    sourceSha256: '',
    pageIds: [],
    status: 'archived',
    createdAt: String(d.createdAt ?? d.archivedAt ?? ''),
    updatedAt: String(d.archivedAt ?? ''),
    fields,
    // Every party the district's log named, so the province finds the record by any of their IDs too.
    ...(Array.isArray(d.parties) ? { parties: { value: d.parties, confidence: 1 } } : {}),
    validity: d.validity ?? { state: 'valid' }
  } as RecordEntry
}
