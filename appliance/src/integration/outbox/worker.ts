/**
 * One target's delivery loop. It walks the archive log from the target's cursor, one message at a time, so a target
 * sees a record's changes in log order. A message is retried with backoff; after the last attempt it is set aside as
 * a dead letter and the cursor moves on, and every later message about the same record is held beside it (never
 * sent before it). Messages an admin sends back go first, oldest first, with their original idempotency key.
 *
 * Durability: the cursor moves in a synced write after the target's 2xx. A crash between that answer and the write
 * sends that one message again after the restart, with the same `Idempotency-Key`; the receiver drops the repeat.
 */
import { decodeEnvelope, type ArchiveLog, type LogEntryBody } from '../../archive/index.js'
import type { Logger } from '../../log/index.js'
import type { OutboxDeadLetter, OutboxTargetState, Store } from '../../store/index.js'
import type { SignedLink } from '../signed-url.js'
import { backoffDelay, deliver, type DeliveryResult, type OutboxTarget } from './delivery.js'
import { buildMessage, DELIVERED_TYPES, replacementOf, type NationalSyncMessage } from './message.js'
import type { OutboxMetrics } from './metrics.js'

export interface OutboxOptions {
  timeoutMs: number
  backoffMs: number
  backoffMaxMs: number
  maxAttempts: number
  pollMs: number
}

export interface WorkerContext {
  store: Store
  archiveLog: ArchiveLog
  link: (recordId: string, filename: string) => SignedLink
  options: OutboxOptions
  logger: Logger
  metrics: OutboxMetrics
  userAgent?: string
  random: () => number
  /** Serialises this target's state changes with the admin's retries and discards. */
  lock: <T>(target: string, fn: () => Promise<T>) => Promise<T>
}

const SCAN_PAGE = 256
/** On stop, a request under way may finish (and its answer be recorded) for this long before it is cut. */
const STOP_GRACE_MS = 3_000

export const deadLetterId = (target: string, seq: number): string => `${target}~${seq}`
export const idempotencyKeyOf = (entry: Pick<LogEntryBody, 'node'>, seq: number): string => `${entry.node}:${seq}`

export function freshState (name: string, now = new Date().toISOString()): OutboxTargetState {
  return { name, nextSeq: 1, delivered: 0, createdAt: now, updatedAt: now }
}

type Step = { waitMs: number, nudgeable: boolean }

export class TargetWorker {
  private state: OutboxTargetState
  private stopping = false
  private readonly stopper = new AbortController()
  private running: Promise<void> | null = null
  private wake: (() => void) | null = null
  private nudged = false

  constructor (readonly target: OutboxTarget, private readonly ctx: WorkerContext) {
    this.state = freshState(target.name)
  }

  async start (): Promise<void> {
    this.state = await this.ctx.store.outbox.getTarget(this.target.name) ?? freshState(this.target.name)
    this.running = this.loop()
  }

  /** New log entries may be there: an idle wait ends now (a backoff wait does not). */
  nudge (): void {
    this.nudged = true
    this.wake?.()
  }

  /**
   * Lets a request under way finish and its outcome be saved (so a stop sends nothing twice), for a few seconds at
   * most; a request cut then goes again at the next start, with its key.
   */
  async stop (): Promise<void> {
    this.stopping = true
    this.wake?.()
    const grace = setTimeout(() => this.stopper.abort(), STOP_GRACE_MS)
    try {
      await this.running
    } finally {
      clearTimeout(grace)
    }
  }

  /** The request under way was cut by a stop: it is not counted as an attempt. */
  private get aborted (): boolean { return this.stopper.signal.aborted }

  private async loop (): Promise<void> {
    while (!this.stopping) {
      let step: Step
      try {
        step = await this.step()
      } catch (err) {
        this.ctx.logger.error({ err, target: this.target.name }, 'outbox step failed')
        step = { waitMs: this.ctx.options.pollMs, nudgeable: false }
      }
      if (step.waitMs > 0) await this.sleep(step)
    }
  }

  private async sleep ({ waitMs, nudgeable }: Step): Promise<void> {
    if (this.stopping || (nudgeable && this.nudged)) { this.nudged = false; return }
    await new Promise<void>(resolve => {
      const timer = setTimeout(done, waitMs)
      const self = this
      function done (): void { clearTimeout(timer); self.wake = null; resolve() }
      this.wake = () => { if (this.stopping || nudgeable) done() }
    })
    if (nudgeable) this.nudged = false
  }

  private async step (): Promise<Step> {
    const retrying = await this.ctx.store.outbox.nextRetrying(this.target.name)
    if (retrying) {
      const wait = Date.parse(retrying.nextAttemptAt ?? '') - Date.now()
      if (wait > 0) return { waitMs: wait, nudgeable: false }
      await this.retryDeadLetter(retrying)
      return { waitMs: 0, nudgeable: false }
    }
    const current = this.state.current
    if (current) {
      const wait = Date.parse(current.nextAttemptAt) - Date.now()
      if (wait > 0) return { waitMs: wait, nudgeable: false }
    }
    const next = current ? await this.readEntry(current.seq) : await this.advance()
    if (next === 'retry-first' || (current && !next)) return { waitMs: 0, nudgeable: false }
    if (!next) return { waitMs: this.ctx.options.pollMs, nudgeable: true }
    await this.attemptHead(next.seq, next.body)
    return { waitMs: 0, nudgeable: false }
  }

  /** One entry, decoded; an unreadable entry becomes a dead letter at once (nothing true can be sent for it). */
  private async readEntry (seq: number): Promise<{ seq: number, body: LogEntryBody } | null> {
    const [row] = await this.ctx.archiveLog.entries(seq, 1)
    if (row?.seq !== seq) {
      await this.setAside(seq, null, 'log entry missing')
      return null
    }
    try {
      return { seq, body: decodeEnvelope(row.envelope).body }
    } catch (err) {
      await this.setAside(seq, null, `log entry cannot be read: ${(err as Error).message}`)
      return null
    }
  }

  /**
   * Moves the cursor past entries no target is told about and sets aside those about a record that has a dead
   * letter here, up to the next message to send. Skips are saved once the walk stops (losing them costs a re-walk).
   */
  private async advance (): Promise<{ seq: number, body: LogEntryBody } | 'retry-first' | null> {
    const { store, archiveLog } = this.ctx
    const name = this.target.name
    let skipped = false
    try {
      for (;;) {
        const rows = await archiveLog.entries(this.state.nextSeq, SCAN_PAGE)
        if (rows.length === 0) return null
        for (const row of rows) {
          let body: LogEntryBody
          try {
            body = decodeEnvelope(row.envelope).body
          } catch (err) {
            await this.setAside(row.seq, null, `log entry cannot be read: ${(err as Error).message}`)
            skipped = false
            continue
          }
          if (!DELIVERED_TYPES.has(body.type) || !body.recordId) {
            this.state = { ...this.state, nextSeq: row.seq + 1 }
            skipped = true
            continue
          }
          const blocker = await store.outbox.firstOpen(name, body.recordId)
          if (blocker !== undefined) {
            const blocking = await store.outbox.getDeadLetter(name, blocker)
            if (blocking?.state === 'retrying') return 'retry-first'
            await this.setAside(row.seq, body, `held: message ${blocker} about the same record is a dead letter`, blocker)
            skipped = false
            continue
          }
          return { seq: row.seq, body }
        }
      }
    } finally {
      if (skipped) await this.save({ ...this.state, updatedAt: new Date().toISOString() })
    }
  }

  private async build (body: LogEntryBody): Promise<NationalSyncMessage> {
    const { store, link } = this.ctx
    const record = await store.getRecord(body.recordId!)
    const replacedBy = replacementOf(body)
    const replacement = replacedBy ? await store.getRecord(replacedBy) : undefined
    return buildMessage({ entry: body, record, replacement, link })
  }

  /** Builds and sends one message; a message that cannot be built counts as a failed attempt. */
  private async send (body: LogEntryBody, key: string): Promise<{ result: DeliveryResult, message: NationalSyncMessage | null }> {
    let message: NationalSyncMessage
    try {
      message = await this.build(body)
    } catch (err) {
      const error = `message cannot be built: ${(err as Error).message}`
      return { result: { ok: false, error, logError: error }, message: null }
    }
    const { timeoutMs } = this.ctx.options
    const result = await deliver(this.target, JSON.stringify(message), key, { timeoutMs, stop: this.stopper.signal, userAgent: this.ctx.userAgent })
    return { result, message }
  }

  private delayAfter (attempts: number, result: DeliveryResult): number {
    const { backoffMs, backoffMaxMs } = this.ctx.options
    const delay = backoffDelay(attempts, backoffMs, backoffMaxMs, this.ctx.random)
    return Math.max(delay, Math.min(result.retryAfterMs ?? 0, backoffMaxMs))
  }

  private async attemptHead (seq: number, body: LogEntryBody): Promise<void> {
    const { metrics, logger, options } = this.ctx
    const name = this.target.name
    const key = idempotencyKeyOf(body, seq)
    const { result, message } = await this.send(body, key)
    if (this.aborted && result.logError === 'stopped') return
    const now = new Date()
    const at = now.toISOString()
    if (result.ok) {
      await this.save({ ...this.state, nextSeq: seq + 1, delivered: this.state.delivered + 1, lastDeliveredAt: at, current: undefined, updatedAt: at })
      metrics.delivered.inc({ target: name })
      logger.debug({ target: name, seq, recordId: body.recordId, type: body.type }, 'outbox message delivered')
      return
    }
    metrics.failedAttempts.inc({ target: name })
    const previous = this.state.current?.seq === seq ? this.state.current : undefined
    const attempts = (previous?.attempts ?? 0) + 1
    const firstAttemptAt = previous?.firstAttemptAt ?? at
    const error = result.error ?? 'failed'
    if (attempts >= options.maxAttempts) {
      const dead = this.deadLetter(seq, body, message, { attempts, firstAttemptAt, lastAttemptAt: at, lastError: error })
      await this.save({ ...this.state, nextSeq: seq + 1, current: undefined, updatedAt: at }, [dead])
      metrics.deadLetters.inc({ target: name })
      logger.error({ target: name, seq, recordId: body.recordId, attempts, error: result.logError }, 'outbox message set aside as a dead letter')
      return
    }
    const nextAttemptAt = new Date(now.getTime() + this.delayAfter(attempts, result)).toISOString()
    await this.save({ ...this.state, current: { seq, attempts, firstAttemptAt, lastAttemptAt: at, nextAttemptAt, lastError: error }, updatedAt: at })
    logger.warn({ target: name, seq, attempts, error: result.logError, nextAttemptAt }, 'outbox delivery failed')
  }

  /** A message an admin sent back: same key; delivered, or dead again (and its record's later ones held again). */
  private async retryDeadLetter (dead: OutboxDeadLetter): Promise<void> {
    const { store, metrics, logger, options } = this.ctx
    const name = this.target.name
    const entry = await this.ctx.archiveLog.get(dead.seq).catch(() => undefined)
    const { result, message } = entry
      ? await this.send(entry.body, dead.idempotencyKey)
      : { result: { ok: false, error: 'log entry cannot be read', logError: 'log entry cannot be read' } as DeliveryResult, message: null }
    if (this.aborted && result.logError === 'stopped') return
    const now = new Date()
    const at = now.toISOString()
    await this.ctx.lock(name, async () => {
      const current = await store.outbox.getDeadLetter(name, dead.seq)
      if (current?.state !== 'retrying') return
      const base = { ...current, attempts: current.attempts + (result.ok ? 0 : 1), firstAttemptAt: current.firstAttemptAt ?? at, lastAttemptAt: at, message: message ?? current.message, updatedAt: at }
      if (result.ok) {
        const delivered: OutboxDeadLetter = { ...base, state: 'delivered', deliveredAt: at, attempts: current.attempts + 1, nextAttemptAt: undefined }
        await this.commit({ ...this.state, delivered: this.state.delivered + 1, lastDeliveredAt: at, updatedAt: at }, [delivered])
        metrics.delivered.inc({ target: name })
        logger.info({ target: name, seq: dead.seq, recordId: dead.recordId }, 'outbox dead letter delivered')
        return
      }
      metrics.failedAttempts.inc({ target: name })
      const error = result.error ?? 'failed'
      if (base.attempts < options.maxAttempts) {
        await this.commit(undefined, [{ ...base, lastError: error, nextAttemptAt: new Date(now.getTime() + this.delayAfter(base.attempts, result)).toISOString() }])
        logger.warn({ target: name, seq: dead.seq, attempts: base.attempts, error: result.logError }, 'outbox retry failed')
        return
      }
      const later = dead.recordId ? (await store.outbox.openOfRecord(name, dead.recordId)).filter(d => d.seq > dead.seq && d.state === 'retrying') : []
      const heldAgain = later.map(d => ({ ...d, state: 'dead' as const, nextAttemptAt: undefined, heldBehind: dead.seq, lastError: `held: message ${dead.seq} about the same record is a dead letter`, updatedAt: at }))
      await this.commit(undefined, [{ ...base, state: 'dead', lastError: error, nextAttemptAt: undefined }, ...heldAgain])
      metrics.deadLetters.inc({ target: name })
      logger.error({ target: name, seq: dead.seq, recordId: dead.recordId, attempts: base.attempts, error: result.logError }, 'outbox dead letter failed again')
    })
  }

  /** Sets an entry aside without sending it (unreadable, or held behind a dead letter about its record). */
  private async setAside (seq: number, body: LogEntryBody | null, reason: string, heldBehind?: number): Promise<void> {
    let message: NationalSyncMessage | null = null
    if (body) message = await this.build(body).catch(() => null)
    const dead = this.deadLetter(seq, body, message, { attempts: 0, firstAttemptAt: null, lastAttemptAt: null, lastError: reason }, heldBehind)
    await this.save({ ...this.state, nextSeq: seq + 1, current: undefined, updatedAt: new Date().toISOString() }, [dead])
    this.ctx.metrics.deadLetters.inc({ target: this.target.name })
    this.ctx.logger.warn({ target: this.target.name, seq, recordId: body?.recordId, heldBehind }, 'outbox message set aside')
  }

  private deadLetter (seq: number, body: LogEntryBody | null, message: NationalSyncMessage | null, attempt: Pick<OutboxDeadLetter, 'attempts' | 'firstAttemptAt' | 'lastAttemptAt' | 'lastError'>, heldBehind?: number): OutboxDeadLetter {
    const now = new Date().toISOString()
    return {
      id: deadLetterId(this.target.name, seq),
      target: this.target.name,
      seq,
      recordId: body?.recordId ?? null,
      type: body?.type ?? 'unknown',
      // An unreadable entry's signer is unknown; this node wrote it (a restored log keeps the keys it was given).
      idempotencyKey: idempotencyKeyOf(body ?? { node: this.ctx.archiveLog.peerId }, seq),
      state: 'dead',
      retries: 0,
      ...attempt,
      message,
      ...(heldBehind !== undefined ? { heldBehind } : {}),
      createdAt: now,
      updatedAt: now
    }
  }

  /** Commits the target's new state (and dead letters) under the target's lock, then adopts it. */
  private async save (state: OutboxTargetState, deadLetters: OutboxDeadLetter[] = []): Promise<void> {
    await this.ctx.lock(this.target.name, async () => { await this.commit(state, deadLetters) })
  }

  /** Inside the lock. */
  private async commit (state: OutboxTargetState | undefined, deadLetters: OutboxDeadLetter[]): Promise<void> {
    await this.ctx.store.outbox.commit({ ...(state ? { target: state } : {}), deadLetters })
    if (state) this.state = state
  }
}
