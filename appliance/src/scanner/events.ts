/**
 * Live progress of batches for the web admin: what the batch runner reports (pages scanned, pauses, the
 * end) and what the pipeline reports for the batch's pages (recognized, indexed, failed), fanned out per batch
 * to whoever listens (the server-sent events route).
 *
 * Every event gets an id `<epoch>.<seq>`: `epoch` names this process, `seq` counts every event it emitted, so
 * ids increase within a batch and never repeat, even across restarts. The last events of the most recently
 * active batches are kept in memory, so a client that reconnects with the id it saw last (EventSource's
 * `Last-Event-ID`) gets what it missed. What cannot be replayed (an id from another process, or older than
 * what is kept) is answered with `null`: the route then sends the batch's state instead.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { FailureEvent, Pipeline, StageEvent } from '../pipeline/index.js'

export type BatchEvent =
  | {
    type: 'page-scanned'
    n: number
    pageId: string
    recordId: string
    /** From the page leaving the scanner (last image byte read) to its durable acknowledgement. */
    ackMs: number
    /** How long the scanner was held after this sheet because earlier sheets were still being stored (0 when intake keeps up). */
    heldMs: number
  }
  | { type: 'page-recognized', pageId: string, recordId: string }
  | { type: 'page-indexed', pageId: string, recordId: string }
  | { type: 'page-failed', pageId: string, recordId: string, stage: string, reason: string }
  | { type: 'paused', code: string, reason: string, pages: number }
  | { type: 'resumed' }
  | { type: 'finished', pages: number }
  | { type: 'cancelled', pages: number }

/** `id` is the event's `<epoch>.<seq>`. */
export type BatchListener = (event: BatchEvent, id: string) => void

export interface StampedEvent {
  id: string
  seq: number
  event: BatchEvent
}

export interface BatchEventsOptions {
  /** Events kept per batch for replay. Default 1000: the last ~330 sheets with their recognized and indexed events. */
  perBatch?: number
  /** Batches whose events are kept (the most recently active ones). Default 64. */
  batches?: number
}

interface Ring {
  events: StampedEvent[]
  /** The highest seq of this batch no longer kept (events up to it cannot be replayed). */
  dropped: number
}

export class BatchEvents {
  /** This process's part of every event id. */
  readonly epoch = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
  private readonly emitter = new EventEmitter()
  private detach: (() => void) | null = null
  private seq = 0
  /** Per batch, in order of last activity (a Map keeps insertion order; an emit moves its batch to the end). */
  private readonly rings = new Map<string, Ring>()
  /** The highest seq of any ring dropped whole: a batch without a ring may have had events up to here. */
  private evictedFloor = 0
  private readonly perBatch: number
  private readonly maxBatches: number

  constructor (opts: BatchEventsOptions = {}) {
    // Every open SSE stream is a listener; a busy admin page must not trip the leak warning.
    this.emitter.setMaxListeners(0)
    this.perBatch = Math.max(1, opts.perBatch ?? 1000)
    this.maxBatches = Math.max(1, opts.batches ?? 64)
  }

  /** Calls `listener` with every event of `batchId` until the returned function is called. */
  subscribe (batchId: string, listener: BatchListener): () => void {
    const handler = (stamped: StampedEvent): void => listener(stamped.event, stamped.id)
    this.emitter.on(batchId, handler)
    return () => { this.emitter.off(batchId, handler) }
  }

  emit (batchId: string, event: BatchEvent): void {
    const stamped: StampedEvent = { id: this.idOf(++this.seq), seq: this.seq, event }
    this.keep(batchId, stamped)
    this.emitter.emit(batchId, stamped)
  }

  /** The id of "now": a client holding it has seen every event emitted so far. */
  cursor (): string {
    return this.idOf(this.seq)
  }

  /**
   * The events of `batchId` after `lastEventId`, oldest first (empty when none were missed), or null when they
   * cannot be told: an id of another process (a restart) or one older than the events kept.
   */
  since (batchId: string, lastEventId: string): StampedEvent[] | null {
    const seq = this.seqOf(lastEventId)
    if (seq === null) return null
    const ring = this.rings.get(batchId)
    if (ring === undefined) return seq >= this.evictedFloor ? [] : null
    if (seq < ring.dropped) return null
    return ring.events.filter(e => e.seq > seq)
  }

  listeners (batchId: string): number {
    return this.emitter.listenerCount(batchId)
  }

  /** Forwards the pipeline's page events (any batch, not only scanned ones) until `close`. */
  follow (pipeline: Pipeline): void {
    this.detach?.()
    const onStage = (e: StageEvent): void => {
      if (e.stage === 'recognized') this.emit(e.batchId, { type: 'page-recognized', pageId: e.pageId, recordId: e.recordId })
      else if (e.stage === 'indexed') this.emit(e.batchId, { type: 'page-indexed', pageId: e.pageId, recordId: e.recordId })
    }
    const onFailed = (e: FailureEvent): void => {
      this.emit(e.batchId, { type: 'page-failed', pageId: e.pageId, recordId: e.recordId, stage: e.stage, reason: e.reason })
    }
    pipeline.on('stage', onStage)
    pipeline.on('failed', onFailed)
    this.detach = () => { pipeline.off('stage', onStage); pipeline.off('failed', onFailed) }
  }

  close (): void {
    this.detach?.()
    this.detach = null
  }

  private idOf (seq: number): string {
    return `${this.epoch}.${seq}`
  }

  /** The seq of one of this process's ids; null for anything else (another process's, malformed, ahead of now). */
  private seqOf (id: string): number | null {
    const dot = id.lastIndexOf('.')
    if (dot < 0 || id.slice(0, dot) !== this.epoch) return null
    const digits = id.slice(dot + 1)
    if (!/^\d{1,15}$/.test(digits)) return null
    const seq = Number(digits)
    return seq <= this.seq ? seq : null
  }

  private keep (batchId: string, stamped: StampedEvent): void {
    let ring = this.rings.get(batchId)
    if (ring === undefined) {
      // Earlier events of this batch may have gone with a dropped ring: replay only from after them.
      ring = { events: [], dropped: this.evictedFloor }
    } else {
      this.rings.delete(batchId)
    }
    this.rings.set(batchId, ring)
    ring.events.push(stamped)
    if (ring.events.length > this.perBatch) ring.dropped = ring.events.shift()!.seq
    if (this.rings.size > this.maxBatches) {
      const [oldestId, oldest] = this.rings.entries().next().value as [string, Ring]
      this.rings.delete(oldestId)
      this.evictedFloor = Math.max(this.evictedFloor, oldest.events[oldest.events.length - 1]?.seq ?? 0)
    }
  }
}
