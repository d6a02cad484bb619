/**
 * The district's side of replication (`ReplicaSource`): its signed log and stored files as they are, what is left
 * to send, the tables the province sends down, and what it remembers of replication between runs (the store's `districtSync` meta).
 */
import { decodeEnvelope, type ArchiveLog } from '../archive/index.js'
import type { Store } from '../store/index.js'
import type { Units } from '../units/index.js'
import type { DistrictSyncState, LogPosition, ReplicaSource, RestoreTarget, SharedTable, StoredEntry } from '../../../sync/src/index.js'
import { readStoredRange, storedFileSize } from './stored-files.js'

/** A table the province sends down besides the unit catalogue (the result-type table): how this node takes it. */
export interface SharedTableHandler {
  name: string
  version: () => Promise<number>
  apply: (document: unknown) => Promise<void>
}

export interface DistrictReplicaOptions {
  store: Store
  archiveLog: ArchiveLog
  units: Units
  peerId: string
  restore: RestoreTarget
  tables?: SharedTableHandler[]
}

export class DistrictReplica implements ReplicaSource {
  readonly peerId: string
  readonly restore: RestoreTarget

  constructor (private readonly opts: DistrictReplicaOptions) {
    this.peerId = opts.peerId
    this.restore = opts.restore
  }

  async head (): Promise<LogPosition> {
    const h = await this.opts.archiveLog.head()
    return { seq: h.seq, hash: h.hash }
  }

  async entries (from: number, limit: number): Promise<StoredEntry[]> {
    const out = await this.opts.archiveLog.entries(from, limit)
    return out.map(e => ({ seq: e.seq, envelope: e.envelope instanceof Uint8Array ? e.envelope : new Uint8Array(Buffer.from(e.envelope as unknown as string)) }))
  }

  /** Entries after `afterSeq` and the bytes of the distinct files they reference (an upper bound: the province may hold some). */
  async pending (afterSeq: number): Promise<{ entries: number, bytes: number }> {
    const head = await this.head()
    const seen = new Set<string>()
    let bytes = 0
    for (let from = afterSeq + 1; from <= head.seq; from += 500) {
      const batch = await this.opts.archiveLog.entries(from, 500)
      if (batch.length === 0) break
      for (const e of batch) {
        for (const f of decodeEnvelope(e.envelope).body.files ?? []) {
          if (seen.has(f.sha256)) continue
          seen.add(f.sha256)
          bytes += f.size
        }
      }
    }
    return { entries: Math.max(0, head.seq - afterSeq), bytes }
  }

  async fileSize (sha256: string): Promise<number | null> {
    return await storedFileSize(this.opts.store.files, sha256)
  }

  async readFile (sha256: string, offset: number, length: number): Promise<Uint8Array> {
    return await readStoredRange(this.opts.store.files, sha256, offset, length)
  }

  async sharedVersions (): Promise<Record<string, number>> {
    const versions: Record<string, number> = { catalogue: await this.opts.units.appliedVersion() }
    for (const t of this.opts.tables ?? []) versions[t.name] = await t.version()
    return versions
  }

  async applyShared (tables: SharedTable[]): Promise<void> {
    for (const table of tables) {
      if (table.name === 'catalogue') await this.opts.units.applyCatalogue(table.document)
      else await this.opts.tables?.find(t => t.name === table.name)?.apply(table.document)
    }
  }

  async loadState (): Promise<DistrictSyncState | undefined> {
    return await this.opts.store.getMeta('districtSync')
  }

  async saveState (state: DistrictSyncState): Promise<void> {
    await this.opts.store.tx().putMeta('districtSync', state).commit()
  }
}
