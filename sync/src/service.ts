/**
 * The sync service of one node: owns the libp2p host, the schedule window, the bandwidth cap, the district's
 * replication loop, the province's protocol handlers, restore, and the figures for status and metrics.
 */
import './polyfill.js'
import type { Libp2p } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Registry } from 'prom-client'
import { emptyState, RefusedError, replicate } from './district.js'
import { SyncRefusal } from './errors.js'
import { createHost } from './host.js'
import type { Logger } from './logger.js'
import { registerSyncMetrics } from './metrics.js'
import { serveReplication, serveRestore } from './province.js'
import { RESTORE_PROTOCOL, SYNC_PROTOCOL } from './protocol.js'
import { idleRestore, pullArchive, RestoreRefusedError } from './restore.js'
import { RateMeter, TokenBucket } from './token-bucket.js'
import type { DistrictPeer, DistrictSummary, DistrictSyncState, NodeRole, ReplicaSink, ReplicaSource, RestoreProgress, RunResult, SyncService, SyncStatus } from './types.js'
import { Channel } from './wire.js'
import { createWindow, type SyncSchedule, type SyncWindow } from './window.js'

export interface SyncOptions {
  role: NodeRole
  privateKey: import('@libp2p/interface').PrivateKey
  peerId: string
  /** Province: where to listen. A district listens nowhere. */
  listen: string[]
  /** District: the province's multiaddrs, each ending in /p2p/<peerId>. */
  province: string[]
  psk?: Uint8Array
  /** Bytes per second for what this node sends; 0 = no cap. */
  bandwidth: number
  schedule: SyncSchedule
  /** District. */
  source?: ReplicaSource
  /** Province. */
  sink?: ReplicaSink
  logger: Logger
  registry?: Registry
  /** `offline`: a CLI node; the network comes up only for an explicit run or restore. */
  mode: 'server' | 'offline'
  /** How often a district looks for new log entries while its window is open. */
  pollMs?: number
  readTimeoutMs?: number
}

const CONTACT_EVERY_MS = 60 * 60 * 1000

export function peerIdOfMultiaddr (addr: string): string | null {
  const m = /\/p2p\/([1-9A-HJ-NP-Za-km-z]+)$/.exec(addr)
  return m ? m[1] : null
}

export class Sync implements SyncService {
  readonly role: NodeRole
  readonly peerId: string
  private host: Libp2p | null = null
  private hostStarting: Promise<Libp2p> | null = null
  private window: SyncWindow | null = null
  private readonly bucket: TokenBucket
  private readonly sent = new RateMeter()
  private readonly received = new RateMeter()
  private readonly provincePeers: Set<string>
  private allowed = new Set<string>()
  private peersById = new Map<string, DistrictPeer>()
  private current: Promise<RunResult> | null = null
  private restoring: Promise<RestoreProgress> | null = null
  private restoreState: RestoreProgress = idleRestore()
  private stopping = false
  private loop: NodeJS.Timeout | null = null
  private lastError: string | null = null
  private readonly sessions = new Map<string, { ch: Channel, done: Promise<void>, peerId: string }>()
  private pendingCache: { key: string, at: number, value: { entries: number, bytes: number } } | null = null
  private refusedLog = new Map<string, number>()
  private failures = 0
  verificationFailures = 0

  constructor (private readonly opts: SyncOptions) {
    this.role = opts.role
    this.peerId = opts.peerId
    this.bucket = new TokenBucket(opts.bandwidth)
    this.provincePeers = new Set(opts.province.map(peerIdOfMultiaddr).filter((p): p is string => p !== null))
    if (opts.role === 'district' && !opts.source) throw new Error('a district needs a ReplicaSource')
    if (opts.role === 'province' && !opts.sink) throw new Error('a province needs a ReplicaSink')
  }

  async start (): Promise<void> {
    if (this.opts.registry) registerSyncMetrics(this.opts.registry, this)
    if (this.role === 'province') await this.refreshPeers()
    if (this.opts.mode === 'offline') return
    if (this.role === 'province') {
      await this.ensureHost()
      return
    }
    if (this.opts.province.length === 0) {
      this.opts.logger.info({}, 'no province configured: replication is off')
      return
    }
    this.window = createWindow(this.opts.schedule, () => { this.tick() })
    this.schedulePoll(1000)
  }

  async stop (): Promise<void> {
    this.stopping = true
    if (this.loop) clearTimeout(this.loop)
    await this.window?.stop()
    for (const s of this.sessions.values()) s.ch.abort('stopping')
    const host = this.host ?? (this.hostStarting ? await this.hostStarting.catch(() => null) : null)
    if (host) await host.stop()
    await this.current?.catch(() => {})
    await this.restoring?.catch(() => {})
    this.host = null
  }

  // ---- network ----

  private async ensureHost (): Promise<Libp2p> {
    if (this.host) return this.host
    if (this.hostStarting) return await this.hostStarting
    this.hostStarting = (async () => {
      const province = this.role === 'province'
      const host = await createHost({
        privateKey: this.opts.privateKey,
        listen: province ? this.opts.listen : [],
        psk: this.opts.psk,
        allowInbound: (id) => province && this.allowed.has(id),
        allowOutbound: (id) => !province && this.provincePeers.has(id),
        onRefused: (id, direction) => { this.noteRefused(id, direction) }
      })
      if (province) {
        await host.handle(SYNC_PROTOCOL, (stream, connection) => {
          void this.inbound('sync', stream, connection.remotePeer.toString())
        }, { maxInboundStreams: 2 })
        await host.handle(RESTORE_PROTOCOL, (stream, connection) => {
          void this.inbound('restore', stream, connection.remotePeer.toString())
        }, { maxInboundStreams: 2 })
        this.opts.logger.info({ peerId: this.peerId, listen: host.getMultiaddrs().map(String) }, 'sync listening')
      }
      this.host = host
      return host
    })()
    try {
      return await this.hostStarting
    } finally {
      this.hostStarting = null
    }
  }

  private noteRefused (peerId: string, direction: 'inbound' | 'outbound'): void {
    const last = this.refusedLog.get(peerId) ?? 0
    if (Date.now() - last > 60_000) {
      this.refusedLog.set(peerId, Date.now())
      this.opts.logger.warn({ peer: peerId, direction }, 'connection refused: peer not allowed')
    }
  }

  private channel (stream: import('@libp2p/interface').Stream): Channel {
    return new Channel(stream, {
      readTimeoutMs: this.opts.readTimeoutMs,
      onSent: (n) => { this.sent.add(n) },
      onReceived: (n) => { this.received.add(n) }
    })
  }

  private async dial (protocol: string): Promise<Channel> {
    const host = await this.ensureHost()
    let lastErr: unknown = new Error('no province address configured')
    for (const addr of this.opts.province) {
      try {
        const stream = await host.dialProtocol(multiaddr(addr), protocol, { signal: AbortSignal.timeout(20_000) })
        return this.channel(stream)
      } catch (err) {
        lastErr = err
      }
    }
    throw lastErr
  }

  // ---- province ----

  async refreshPeers (): Promise<void> {
    const peers = await this.opts.sink!.peers()
    // A revoked key is refused by the gater at connect (and by inbound, should a connection race the refresh).
    const live = peers.filter(p => !p.revoked)
    this.peersById = new Map(live.map(p => [p.peerId, p]))
    this.allowed = new Set(live.map(p => p.peerId))
  }

  private async inbound (kind: 'sync' | 'restore', stream: import('@libp2p/interface').Stream, remote: string): Promise<void> {
    const ch = this.channel(stream)
    const peer = this.peersById.get(remote)
    const logger = this.opts.logger
    if (!peer) {
      await ch.send({ t: 'refused', problem: 'this node is not registered with the province' }).catch(() => {})
      await ch.close()
      return
    }
    // One session per replica: a new one (a district that reconnected after a cut) replaces a stale one.
    const previous = this.sessions.get(peer.replica)
    if (previous) { previous.ch.abort('superseded by a new session'); await previous.done.catch(() => {}) }
    let finish!: () => void
    const done = new Promise<void>(resolve => { finish = resolve })
    this.sessions.set(peer.replica, { ch, done, peerId: peer.peerId })
    const ctx = {
      sink: this.opts.sink!,
      logger,
      onPayload: () => {},
      onFailure: () => { this.verificationFailures++ }
    }
    try {
      if (kind === 'sync') await serveReplication(ch, peer, ctx)
      else await serveRestore(ch, peer, { ...ctx, bucket: this.bucket, shouldContinue: () => !this.stopping })
      await ch.close()
    } catch (err) {
      logger.warn({ peer: remote, kind, err: errorText(err) }, 'sync session ended with an error')
      ch.abort(errorText(err))
    } finally {
      if (this.sessions.get(peer.replica)?.ch === ch) this.sessions.delete(peer.replica)
      finish()
    }
  }

  async addPeer (peerId: string, unit: string, opts: { replaces?: string } = {}): Promise<DistrictPeer> {
    const sink = this.requireSink()
    const peer = await sink.addPeer(peerId, unit, opts)
    await this.refreshPeers()
    return peer
  }

  async revokePeer (peerId: string, reason: string): Promise<DistrictPeer> {
    const peer = await this.requireSink().revokePeer(peerId, reason)
    await this.refreshPeers()
    // A session it has open now ends, and so does its connection.
    const session = this.sessions.get(peer.replica)
    if (session && session.peerId === peerId) session.ch.abort('key revoked')
    await this.host?.hangUp(peerIdFromString(peerId)).catch(() => {})
    return peer
  }

  async peers (): Promise<DistrictPeer[]> {
    return await this.requireSink().peers()
  }

  async districts (): Promise<DistrictSummary[]> {
    return await this.requireSink().districts()
  }

  async replicaRecords (id: string, replica?: string): Promise<unknown[]> {
    return await this.requireSink().records(id, replica)
  }

  async resumeDistrict (peerId: string): Promise<boolean> {
    const sink = this.requireSink()
    const peer = (await sink.peers()).find(p => p.peerId === peerId)
    if (!peer) return false
    return await sink.resume(peer.replica)
  }

  private requireSink (): ReplicaSink {
    if (!this.opts.sink) throw new SyncRefusal('SYNC_ROLE', { needs: 'province' })
    return this.opts.sink
  }

  // ---- district ----

  private schedulePoll (ms: number): void {
    if (this.stopping) return
    if (this.loop) clearTimeout(this.loop)
    this.loop = setTimeout(() => { this.tick() }, ms)
    this.loop.unref?.()
  }

  /** One look at the district's log while the window is open: replicate when there is something to send. */
  private tick (): void {
    if (this.stopping) return
    const poll = this.opts.pollMs ?? 10_000
    void (async () => {
      let next = poll
      try {
        if (this.window?.isOpen() && !this.current && !this.restoring) {
          const source = this.opts.source!
          const state = (await source.loadState()) ?? emptyState()
          const head = await source.head()
          const stale = state.lastContact === null || Date.now() - Date.parse(state.lastContact) > CONTACT_EVERY_MS
          if ((head.seq > state.acked.seq && !state.refused) || stale) {
            const result = await this.runOnce(true)
            if (!result.ok) next = Math.min(5 * 60_000, poll * 2 ** Math.min(6, this.failures))
          }
        }
      } catch (err) {
        this.opts.logger.warn({ err: errorText(err) }, 'sync poll failed')
      }
      this.schedulePoll(next)
    })()
  }

  /** Replicate now, whatever the window says (`sohoa sync now`, POST /api/v1/sync/run). */
  async run (): Promise<RunResult> {
    if (this.role !== 'district') throw new SyncRefusal('SYNC_ROLE', { needs: 'district' })
    if (this.opts.province.length === 0) throw new SyncRefusal('SYNC_NOT_CONFIGURED')
    if (this.restoring) throw new SyncRefusal('RESTORE_RUNNING')
    const source = this.opts.source!
    const state = (await source.loadState()) ?? emptyState()
    if (state.refused) await source.saveState({ ...state, refused: null })
    return await this.runOnce(false)
  }

  private async runOnce (scheduled: boolean): Promise<RunResult> {
    if (this.current) return await this.current
    this.current = this.session(scheduled)
    try {
      return await this.current
    } finally {
      this.current = null
    }
  }

  private async session (scheduled: boolean): Promise<RunResult> {
    const source = this.opts.source!
    const logger = this.opts.logger
    let state = (await source.loadState()) ?? emptyState()
    state.lastAttempt = new Date().toISOString()
    await source.saveState(state)
    const shouldContinue = (): boolean => !this.stopping && (!scheduled || (this.window?.isOpen() ?? true))
    let ch: Channel | null = null
    try {
      ch = await this.dial(SYNC_PROTOCOL)
      const result = await replicate(ch, source, {
        bucket: this.bucket,
        shouldContinue,
        onPayload: (n) => { state.bytesSent += n },
        onAck: async (acked) => {
          state = { ...state, acked, lastContact: new Date().toISOString() }
          await source.saveState(state)
        }
      })
      await ch.close()
      const now = new Date().toISOString()
      state = { ...state, lastContact: now, refused: null, lastError: null, ...(result.paused ? {} : { lastSuccess: now }) }
      await source.saveState(state)
      this.failures = 0
      this.lastError = null
      if (result.entries > 0 || result.paused) logger.info({ entries: result.entries, bytes: result.bytes, acked: result.acked, head: result.head, paused: result.paused ?? false }, 'replicated to the province')
      return result
    } catch (err) {
      ch?.abort(errorText(err))
      this.failures++
      const message = errorText(err)
      this.lastError = message
      const refused = err instanceof RefusedError ? { ...err.failure, at: new Date().toISOString() } : null
      state = { ...state, lastError: message, ...(refused ? { refused, lastContact: new Date().toISOString() } : {}) }
      await source.saveState(state).catch(() => {})
      if (refused) logger.error({ seq: refused.seq, problem: refused.problem }, 'the province refused an entry: replication stopped until an admin acts')
      else logger.warn({ err: message }, 'replication failed')
      return { ok: false, entries: 0, bytes: 0, acked: state.acked.seq, head: (await source.head()).seq, error: message, ...(refused ? { refused: { seq: refused.seq, problem: refused.problem } } : {}) }
    }
  }

  async restore (opts: { trust?: string[] } = {}): Promise<RestoreProgress> {
    if (this.role !== 'district') throw new SyncRefusal('SYNC_ROLE', { needs: 'district' })
    if (this.opts.province.length === 0) throw new SyncRefusal('SYNC_NOT_CONFIGURED')
    if (this.restoring) return this.restoreState
    this.restoreState = { ...idleRestore(), state: 'running', startedAt: new Date().toISOString() }
    const progress = this.restoreState
    this.restoring = (async () => {
      const source = this.opts.source!
      let ch: Channel | null = null
      try {
        // A link that drops, or a province that authorised this node a moment ago, deserves a second try; a
        // refusal of what was received does not.
        let head: Awaited<ReturnType<typeof pullArchive>> | undefined
        for (let attempt = 1; head === undefined; attempt++) {
          try {
            ch = await this.dial(RESTORE_PROTOCOL)
            head = await pullArchive(ch, source.restore, progress, { trust: opts.trust ?? [] })
            await ch.close()
          } catch (err) {
            ch?.abort(errorText(err))
            ch = null
            if (err instanceof RestoreRefusedError || attempt >= 3) throw err
            this.opts.logger.warn({ err: errorText(err), attempt }, 'restore interrupted, trying again')
            await new Promise(resolve => setTimeout(resolve, 1000 * attempt))
          }
        }
        const state = (await source.loadState()) ?? emptyState()
        const now = new Date().toISOString()
        await source.saveState({ ...state, acked: head, refused: null, lastError: null, lastContact: now, lastSuccess: now })
        progress.state = 'done'
        this.opts.logger.info({ entries: head.seq, bytes: progress.bytes }, 'archive restored from the province')
      } catch (err) {
        ch?.abort(errorText(err))
        progress.state = 'failed'
        progress.error = errorText(err)
        this.opts.logger.error({ err: progress.error }, 'restore failed')
      } finally {
        progress.finishedAt = new Date().toISOString()
        this.restoring = null
      }
      return progress
    })()
    return progress
  }

  restoreProgress (): RestoreProgress {
    return { ...this.restoreState }
  }

  // ---- figures ----

  async status (): Promise<SyncStatus> {
    const window = this.window ? { open: this.window.isOpen(), ...this.window.next() } : { open: this.opts.schedule === 'always', start: null, end: null }
    const base = {
      role: this.role,
      peerId: this.peerId,
      online: this.host !== null,
      listen: this.host ? this.host.getMultiaddrs().map(String) : [],
      window: { open: window.open, nextStart: window.start, nextEnd: window.end },
      bandwidth: this.opts.bandwidth,
      rate: this.role === 'district' ? this.sent.perSecond() : this.received.perSecond(),
      bytesSent: this.sent.total,
      bytesReceived: this.received.total
    }
    if (this.role === 'province') {
      const districts = await this.districts()
      const contacts = districts.map(d => d.lastContact).filter((c): c is string => c !== null).sort()
      return {
        ...base,
        running: this.sessions.size > 0,
        districts: districts.length,
        entriesBehind: districts.reduce((s, d) => s + d.lag.entries, 0),
        bytesBehind: districts.reduce((s, d) => s + d.lag.bytes, 0),
        lastSuccess: contacts.at(-1) ?? null,
        lastError: this.lastError,
        lastContact: contacts.at(-1) ?? null
      }
    }
    const source = this.opts.source!
    const state: DistrictSyncState = (await source.loadState()) ?? emptyState()
    const head = await source.head()
    const pending = await this.pending(head.seq, state.acked.seq)
    return {
      ...base,
      running: this.current !== null,
      head: head.seq,
      acked: state.acked.seq,
      entriesBehind: pending.entries,
      bytesBehind: pending.bytes,
      lastSuccess: state.lastSuccess,
      lastError: state.lastError,
      lastContact: state.lastContact,
      refused: state.refused,
      province: this.opts.province,
      restore: this.restoreProgress()
    }
  }

  private async pending (head: number, acked: number): Promise<{ entries: number, bytes: number }> {
    const key = `${head}:${acked}`
    if (this.pendingCache?.key === key && Date.now() - this.pendingCache.at < 5000) return this.pendingCache.value
    const value = await this.opts.source!.pending(acked)
    this.pendingCache = { key, at: Date.now(), value }
    return value
  }
}

export function errorText (err: unknown): string {
  if (err instanceof Error) return err.message
  // libp2p rejects some dials with the stream's close event rather than an Error.
  const e = err as { type?: unknown, error?: unknown } | null
  if (e?.error instanceof Error) return e.error.message
  if (typeof e?.type === 'string') return `the connection closed (${e.type}): the province refused this node or went away`
  return String(err)
}
