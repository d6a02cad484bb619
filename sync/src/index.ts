/**
 * Replication of each district node's signed archive to its province node over libp2p (issue 5), and the way
 * back (restore). The network side only: it reaches the appliance through the interfaces in `types.ts`
 * (`ReplicaSource` on a district, `ReplicaSink` on the province), which the composition root builds from
 * `appliance/src/replica` and passes to `startSync`.
 *
 * ```ts
 * const sync = await startSync({ config, key, source, sink, log, registry: metrics?.registry, mode: 'server' })
 * await sync.status(); await sync.run(); await sync.restore(); await sync.stop()
 * ```
 */
import './polyfill.js'
import type { PrivateKey } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import { readPsk } from './host.js'
import type { Logger } from './logger.js'
import { Sync } from './service.js'
import type { NodeRole, ReplicaSink, ReplicaSource, SyncService, SyncStatus } from './types.js'
import type { SyncSchedule } from './window.js'

export * from './types.js'
export type { Logger } from './logger.js'
export { DEFAULT_SCHEDULE, isValidSchedule, type SyncSchedule } from './window.js'
export { TokenBucket, RateMeter } from './token-bucket.js'
export { Channel, ProtocolError, encodeFrame } from './wire.js'
export { SYNC_PROTOCOL, RESTORE_PROTOCOL, PROTOCOL_VERSION, BATCH_ENTRIES, LEGACY_BATCH_ENTRIES, WANT_FILES, encodeEntries, decodeEntries } from './protocol.js'
export { createHost } from './host.js'
export { peerIdOfMultiaddr } from './service.js'
export { SyncRefusal, type SyncRefusalCode } from './errors.js'

/** The settings sync reads (a subset of the appliance's Config). */
export interface SyncConfig {
  role: NodeRole
  p2pListen: string[]
  province: string[]
  syncSchedule: SyncSchedule
  /** Bytes per second; 0 = no cap. */
  syncBandwidth: number
  pskFile?: string
}

export interface StartSyncOptions {
  config: SyncConfig
  /** The node key (the one that signs its log) = the libp2p identity. */
  key: { privateKey: PrivateKey, peerId: string }
  source?: ReplicaSource
  sink?: ReplicaSink
  logger: Logger
  /** The node's Prometheus registry (`metrics.registry`), when it has one. */
  registry?: Registry
  mode: 'server' | 'offline'
  /** Tests: how often a district looks for new entries (default 10 s). */
  pollMs?: number
}

export async function startSync (opts: StartSyncOptions): Promise<SyncService> {
  const { config } = opts
  const sync = new Sync({
    role: config.role,
    privateKey: opts.key.privateKey,
    peerId: opts.key.peerId,
    listen: config.p2pListen,
    province: config.province,
    psk: config.pskFile ? await readPsk(config.pskFile) : undefined,
    bandwidth: config.syncBandwidth,
    schedule: config.syncSchedule,
    source: opts.source,
    sink: opts.sink,
    logger: opts.logger,
    registry: opts.registry,
    mode: opts.mode,
    pollMs: opts.pollMs
  })
  await sync.start()
  return sync
}

/** A node with nothing to replicate reports this (kept for callers of the first sketch). */
export function idleStatus (role: NodeRole, peerId = ''): SyncStatus {
  return {
    role, peerId, online: false, listen: [], window: { open: false, nextStart: null, nextEnd: null }, bandwidth: 0, running: false,
    entriesBehind: 0, bytesBehind: 0, rate: 0, bytesSent: 0, bytesReceived: 0, lastSuccess: null, lastError: null, lastContact: null
  }
}
