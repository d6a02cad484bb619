/**
 * The appliance's side of replication (issue 5): what a district offers (its signed log and files, as they are),
 * what the province keeps per district (each district's log and records apart, files once in the shared store,
 * one search across all), and restore (a district's archive coming back, checked and replayed). The network side
 * lives in `sync/` and sees only the `ReplicaSource` / `ReplicaSink` interfaces built here.
 *
 * ```ts
 * const replica = await createReplica({ role: config.role, store, log: archiveLog, search, units, peerId, dataDir, maxPixels, maxFileBytes, logger })
 * const sync = await startSync({ config, key, source: replica.source, sink: replica.sink, log, mode })
 * ```
 */
import type { ArchiveLog } from '../archive/index.js'
import type { Logger } from '../log/index.js'
import type { SearchService } from '../search/index.js'
import type { Store } from '../store/index.js'
import type { Units } from '../units/index.js'
import type { NodeRole, SharedTable } from '../../../sync/src/index.js'
import { DistrictReplica, type SharedTableHandler } from './district.js'
import { PartialFiles } from './partial-files.js'
import { ProvinceReplicas } from './province.js'
import { DistrictRestore } from './restore.js'

export { DistrictReplica, type SharedTableHandler } from './district.js'
export { ProvinceReplicas } from './province.js'
export { DistrictRestore } from './restore.js'
export { PartialFiles } from './partial-files.js'
export { checkEntries, entryHash } from './entries.js'
export { resultTypesToSend, resultTypesToTake, loadTakenResultTypes } from './result-types.js'

export interface ReplicaOptions {
  role: NodeRole
  store: Store
  archiveLog: ArchiveLog
  search: SearchService
  units: Units
  /** This node's peer ID (its log key). */
  peerId: string
  dataDir: string
  maxPixels: number
  /** The intake limit: no file a log entry names may claim more. */
  maxFileBytes: number
  logger: Logger
  /** Province: tables sent down besides the unit catalogue. District: how it takes them. */
  sendTables?: () => Promise<SharedTable[]>
  takeTables?: SharedTableHandler[]
}

export interface Replica {
  source?: DistrictReplica
  sink?: ProvinceReplicas
  /** Province: index what a crash left unindexed; call once at start. */
  recover: () => Promise<number>
  /** Province: replica records back into search after a full reindex cleared it. */
  reindex: () => Promise<{ records: number }>
  close: () => Promise<void>
}

export async function createReplica (opts: ReplicaOptions): Promise<Replica> {
  const partial = new PartialFiles(opts.store.files, opts.dataDir)
  await partial.init()
  const logger = opts.logger.child({ module: 'replica' })
  if (opts.role === 'province') {
    // Room for a district's unfinished transfers: two of the largest files (one being received, one cut earlier).
    const sink = new ProvinceReplicas({ store: opts.store, search: opts.search, units: opts.units, partial, peerId: opts.peerId, logger: logger, sharedTables: opts.sendTables, maxFileBytes: opts.maxFileBytes, partialBytesPerDistrict: 2 * opts.maxFileBytes })
    return { sink, recover: async () => await sink.recover(), reindex: async () => await sink.reindexAll(), close: async () => await partial.close() }
  }
  const restore = new DistrictRestore({ store: opts.store, archiveLog: opts.archiveLog, search: opts.search, partial, peerId: opts.peerId, maxPixels: opts.maxPixels, maxFileBytes: opts.maxFileBytes, logger })
  const source = new DistrictReplica({ store: opts.store, archiveLog: opts.archiveLog, units: opts.units, peerId: opts.peerId, restore, tables: opts.takeTables })
  return { source, recover: async () => 0, reindex: async () => ({ records: 0 }), close: async () => await partial.close() }
}
