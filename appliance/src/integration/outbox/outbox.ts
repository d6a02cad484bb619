/**
 * The outbox of one node: a delivery loop per configured target over the archive log, the targets' status, and the
 * admin's dead-letter actions (send back with the same key, or discard with a reason). Built on every node (an
 * offline CLI reads and changes the dead letters); only a serving node starts the loops.
 */
import type { Registry } from 'prom-client'
import type { ArchiveLog } from '../../archive/index.js'
import type { Config } from '../../config/index.js'
import { AppError } from '../../errors/index.js'
import type { Logger } from '../../log/index.js'
import type { OutboxDeadLetter, OutboxDeadLetterState, Store } from '../../store/index.js'
import type { SignedLink } from '../signed-url.js'
import type { OutboxTarget } from './delivery.js'
import { OutboxMetrics } from './metrics.js'
import { freshState, TargetWorker, type OutboxOptions } from './worker.js'

export interface OutboxDeps {
  store: Store
  archiveLog: ArchiveLog
  /** A signed download link of a record's PDF (FileLinkSigner with the outbox's longer TTL). */
  link: (recordId: string, filename: string) => SignedLink
  targets: OutboxTarget[]
  options: OutboxOptions
  logger: Logger
  registry?: Registry
  userAgent?: string
  random?: () => number
}

export interface OutboxTargetStatus {
  name: string
  /** Without credentials. */
  url: string
  nextSeq: number
  /** The archive log's head. */
  headSeq: number
  /** Log entries not yet handed over (of every type: most are results) plus dead letters sent back. */
  pending: number
  delivered: number
  lastDeliveredAt?: string
  current?: { seq: number, attempts: number, nextAttemptAt: string, lastError?: string }
  /** Dead letters waiting for an admin. */
  deadLetters: number
  /** Dead letters an admin sent back, not yet delivered. */
  retrying: number
}

/** Which dead letters to list: one state, the ones still open (`dead` and `retrying`, the default), or all. */
export type DeadLetterFilter = OutboxDeadLetterState | 'open' | 'all'

export function outboxOptionsOf (config: Config): OutboxOptions {
  return {
    timeoutMs: config.outboxTimeoutMs,
    backoffMs: config.outboxBackoffMs,
    backoffMaxMs: Math.max(config.outboxBackoffMs, config.outboxBackoffMaxMs),
    maxAttempts: config.outboxMaxAttempts,
    pollMs: config.outboxPollMs
  }
}

function parseId (id: string): { target: string, seq: number } {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})~([1-9]\d{0,14})$/.exec(id)
  if (!m) throw new AppError('OUTBOX_DEAD_LETTER_NOT_FOUND', { id })
  return { target: m[1], seq: Number(m[2]) }
}

export class Outbox {
  private readonly workers: TargetWorker[]
  private readonly metrics: OutboxMetrics
  private started = false

  constructor (private readonly deps: OutboxDeps) {
    this.metrics = new OutboxMetrics(deps.registry, async () => (await this.status()).map(s => ({ target: s.name, pending: s.pending })))
    this.workers = deps.targets.map(target => new TargetWorker(target, {
      store: deps.store,
      archiveLog: deps.archiveLog,
      link: deps.link,
      options: deps.options,
      logger: deps.logger,
      metrics: this.metrics,
      userAgent: deps.userAgent,
      random: deps.random ?? Math.random,
      lock: async (name, fn) => await this.lock(name, fn)
    }))
  }

  /** The configured targets as they may be shown (no credentials). */
  get targets (): Array<{ name: string, url: string }> {
    return this.deps.targets.map(t => ({ name: t.name, url: t.url }))
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    for (const w of this.workers) await w.start()
    if (this.workers.length > 0) this.deps.logger.info({ targets: this.deps.targets.map(t => t.name) }, 'outbox started')
  }

  /** Archive changes were written: idle targets look at the log now instead of at their next poll. */
  nudge (): void {
    for (const w of this.workers) w.nudge()
  }

  async stop (): Promise<void> {
    await Promise.all(this.workers.map(async w => await w.stop()))
  }

  async status (): Promise<OutboxTargetStatus[]> {
    const { store, archiveLog } = this.deps
    const headSeq = (await archiveLog.head()).seq
    const out: OutboxTargetStatus[] = []
    for (const target of this.deps.targets) {
      const state = await store.outbox.getTarget(target.name) ?? freshState(target.name)
      const open = await store.outbox.countOpen(target.name)
      const current = state.current
      out.push({
        name: target.name,
        url: target.url,
        nextSeq: state.nextSeq,
        headSeq,
        pending: Math.max(0, headSeq - state.nextSeq + 1) + open.retrying,
        delivered: state.delivered,
        ...(state.lastDeliveredAt ? { lastDeliveredAt: state.lastDeliveredAt } : {}),
        ...(current ? { current: { seq: current.seq, attempts: current.attempts, nextAttemptAt: current.nextAttemptAt, lastError: current.lastError } } : {}),
        deadLetters: open.dead,
        retrying: open.retrying
      })
    }
    return out
  }

  /** Oldest first; dead letters of targets no longer configured are listed too (their history stays). */
  async deadLetters (filter: { target?: string, state?: DeadLetterFilter, limit?: number } = {}): Promise<OutboxDeadLetter[]> {
    const state = filter.state ?? 'open'
    const states: OutboxDeadLetterState[] | undefined = state === 'all' ? undefined : state === 'open' ? ['dead', 'retrying'] : [state]
    return await this.deps.store.outbox.listDeadLetters({ target: filter.target, states, limit: filter.limit })
  }

  async deadLetter (id: string): Promise<OutboxDeadLetter> {
    const { target, seq } = parseId(id)
    const found = await this.deps.store.outbox.getDeadLetter(target, seq)
    if (!found) throw new AppError('OUTBOX_DEAD_LETTER_NOT_FOUND', { id })
    return found
  }

  /**
   * Sends a dead letter back to its target with its original idempotency key. Every other dead letter about the
   * same record goes back with it, so the target still sees that record's changes in log order.
   */
  async retry (id: string, by: string): Promise<{ queued: string[] }> {
    const { target, seq } = parseId(id)
    if (!this.deps.targets.some(t => t.name === target)) {
      await this.deadLetter(id)
      throw new AppError('OUTBOX_DEAD_LETTER_STATE', { id, reason: 'target not configured' })
    }
    const queued = await this.lock(target, async () => {
      const dead = await this.deadLetter(id)
      if (dead.state !== 'dead') throw new AppError('OUTBOX_DEAD_LETTER_STATE', { id, state: dead.state })
      const group = dead.recordId ? (await this.deps.store.outbox.openOfRecord(target, dead.recordId)).filter(d => d.state === 'dead') : [dead]
      const now = new Date().toISOString()
      const sentBack = group.map((d): OutboxDeadLetter => ({ ...d, state: 'retrying', attempts: 0, retries: d.retries + 1, retriedAt: now, retriedBy: by, nextAttemptAt: now, heldBehind: undefined, updatedAt: now }))
      await this.deps.store.outbox.commit({ deadLetters: sentBack })
      return sentBack.map(d => d.id)
    })
    this.deps.logger.info({ target, seq, messages: queued.length, by }, 'outbox dead letter sent back')
    this.nudge()
    return { queued }
  }

  /** Gives a dead letter up: it stays in the history as discarded, with who and why, and is never sent. */
  async discard (id: string, reason: string, by: string): Promise<OutboxDeadLetter> {
    if (!reason.trim()) throw new AppError('VALIDATION', { field: 'reason' })
    const { target, seq } = parseId(id)
    const discarded = await this.lock(target, async () => {
      const dead = await this.deadLetter(id)
      if (dead.state !== 'dead') throw new AppError('OUTBOX_DEAD_LETTER_STATE', { id, state: dead.state })
      const now = new Date().toISOString()
      const next: OutboxDeadLetter = { ...dead, state: 'discarded', discarded: { at: now, by, reason: reason.trim() }, updatedAt: now }
      await this.deps.store.outbox.commit({ deadLetters: [next] })
      return next
    })
    this.deps.logger.info({ target, seq, by }, 'outbox dead letter discarded')
    return discarded
  }

  private async lock<T> (target: string, fn: () => Promise<T>): Promise<T> {
    return await this.deps.store.lockOutbox(target, fn)
  }
}
