/**
 * Live progress of batches for the web admin: what the batch runner reports (pages scanned, pauses, the
 * end) and what the pipeline reports for the batch's pages (recognized, failed), fanned out per batch to
 * whoever listens (the server-sent events route). Nothing is kept: a listener that arrives late reads the
 * batch's state from the store first, then follows these events.
 */
import { EventEmitter } from 'node:events'
import type { FailureEvent, Pipeline, StageEvent } from '../pipeline/index.js'

export type BatchEvent =
  | { type: 'page-scanned', n: number, pageId: string, recordId: string, /** From the page leaving the scanner to its acknowledgement. */ ackMs: number }
  | { type: 'page-recognized', pageId: string, recordId: string }
  | { type: 'page-failed', pageId: string, recordId: string, stage: string, reason: string }
  | { type: 'paused', code: string, reason: string, pages: number }
  | { type: 'resumed' }
  | { type: 'finished', pages: number }
  | { type: 'cancelled', pages: number }

export type BatchListener = (event: BatchEvent) => void

export class BatchEvents {
  private readonly emitter = new EventEmitter()
  private detach: (() => void) | null = null

  constructor () {
    // Every open SSE stream is a listener; a busy admin page must not trip the leak warning.
    this.emitter.setMaxListeners(0)
  }

  /** Calls `listener` with every event of `batchId` until the returned function is called. */
  subscribe (batchId: string, listener: BatchListener): () => void {
    this.emitter.on(batchId, listener)
    return () => { this.emitter.off(batchId, listener) }
  }

  emit (batchId: string, event: BatchEvent): void {
    this.emitter.emit(batchId, event)
  }

  listeners (batchId: string): number {
    return this.emitter.listenerCount(batchId)
  }

  /** Forwards the pipeline's page events (any batch, not only scanned ones) until `close`. */
  follow (pipeline: Pipeline): void {
    this.detach?.()
    const onStage = (e: StageEvent): void => {
      if (e.stage === 'recognized') this.emit(e.batchId, { type: 'page-recognized', pageId: e.pageId, recordId: e.recordId })
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
}
