/**
 * The durable job queue that carries every page through the stages received → prepared → recognized → indexed.
 * Each page has one job in LevelDB; a step's results and the page's next stage are committed together, so after a
 * crash a page resumes at the step it had not finished, and no step completes twice. Failing steps retry with
 * exponential backoff and end visible as failed with their reason. After the page steps the record steps
 * (record-steps.ts) take over; the pipeline starts and stops their runner with its own.
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { STAGES, type Job, type Page, type Stage, type Store, type Tx } from '../store/index.js'
import type { RecordStepRunner } from './record-steps.js'
import type { Step } from './types.js'

export type { Step, StepContext } from './types.js'
export { RecordStepRunner, type RecordStep, type RecordStepRunnerOptions, type RecordStepStatus } from './record-steps.js'
export { createRecordSteps, createSteps, indexRecord, pageSettled, segmentDue, type RecordStepDeps, type StepDeps } from './steps.js'

export interface PipelineOptions {
  store: Store
  steps: Step[]
  logger: Logger
  maxAttempts: number
  /** First retry delay; doubles each attempt, capped at 10 minutes. */
  retryBaseMs?: number
  /** The record steps' runner, started and stopped with the page steps. */
  recordSteps?: RecordStepRunner
  /** Adds writes to a page's failure for good (the record steps that no longer wait for it). */
  failedForGood?: (page: Page, tx: Tx) => Promise<void>
}

export interface StageEvent {
  pageId: string
  recordId: string
  batchId: string
  stage: Stage
  ms: number
}

export interface FailureEvent {
  pageId: string
  recordId: string
  batchId: string
  stage: Stage
  reason: string
}

export class Pipeline extends EventEmitter<{ stage: [StageEvent], failed: [FailureEvent], idle: [] }> {
  private readonly store: Store
  private readonly steps: Map<Stage, Step>
  private readonly queues = new Map<Stage, string[]>()
  private readonly active = new Map<Stage, number>()
  /** Jobs waiting in a queue or running: never scheduled twice. */
  private readonly queued = new Set<string>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly running = new Set<Promise<void>>()
  private stopped = true
  /** Pages per stage (and failed), kept in memory from a scan at start. */
  readonly counts: Record<Stage | 'failed', number> = { received: 0, prepared: 0, recognized: 0, indexed: 0, failed: 0 }

  constructor (private readonly opts: PipelineOptions) {
    super()
    this.store = opts.store
    this.steps = new Map(opts.steps.map(s => [s.from, s]))
    for (const s of opts.steps) { this.queues.set(s.from, []); this.active.set(s.from, 0) }
  }

  async start (): Promise<void> {
    this.stopped = false
    for await (const page of this.store.listPages()) {
      this.counts[page.stage]++
      if (page.failed) this.counts.failed++
    }
    const now = new Date().toISOString()
    for await (const job of this.store.listJobs()) {
      if (job.state === 'failed') continue
      // A job caught `running` by a crash did not commit: run its step again.
      if (job.state === 'running') await this.store.tx().putJob({ ...job, state: 'queued', updatedAt: now }).commit()
      this.schedule(job)
    }
    this.opts.recordSteps?.start()
  }

  /** Stops taking work and waits for the steps in progress (their results are committed or dropped whole). */
  async stop (): Promise<void> {
    this.stopped = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    await Promise.allSettled([...this.running])
    await this.opts.recordSteps?.stop()
  }

  /** The record steps' runner (runs per step, pending jobs), when this pipeline has one. */
  get recordSteps (): RecordStepRunner | undefined { return this.opts.recordSteps }

  /** Jobs waiting or running. */
  get depth (): number {
    let n = 0
    for (const q of this.queues.values()) n += q.length
    for (const a of this.active.values()) n += a
    return n + this.timers.size
  }

  /** New pages were committed by intake. */
  async enqueue (pageIds: string[]): Promise<void> {
    this.counts.received += pageIds.length
    for (const id of pageIds) {
      const job = await this.store.getJob(id)
      if (job) this.schedule(job)
    }
  }

  /** Puts a failed page's job back in the queue (an operator's retry). */
  async retry (pageId: string): Promise<boolean> {
    // Under the page's lock, like every page write: review may be moving the page to another record meanwhile.
    const job = await this.store.lockPage(pageId, async () => {
      const job = await this.store.getJob(pageId)
      const page = await this.store.getPage(pageId)
      if (!job || !page || job.state !== 'failed') return undefined
      const now = new Date().toISOString()
      const { failed: _, ...rest } = page
      await this.store.tx().putJob({ ...job, state: 'queued', attempts: 0, notBefore: 0, updatedAt: now }).putPage({ ...rest, updatedAt: now }).commit()
      return job
    })
    if (job === undefined) return false
    this.counts.failed--
    this.schedule({ ...job, state: 'queued' })
    return true
  }

  private schedule (job: Job): void {
    if (this.stopped || this.queued.has(job.id) || !this.steps.has(job.stage)) return
    const wait = job.notBefore - Date.now()
    if (wait > 0) {
      const timer = setTimeout(() => { this.timers.delete(timer); this.schedule({ ...job, notBefore: 0 }) }, wait)
      this.timers.add(timer)
      return
    }
    this.queued.add(job.id)
    this.queues.get(job.stage)!.push(job.id)
    this.pump(job.stage)
  }

  private pump (stage: Stage): void {
    const step = this.steps.get(stage)!
    const queue = this.queues.get(stage)!
    while (!this.stopped && queue.length > 0 && this.active.get(stage)! < step.concurrency) {
      const id = queue.shift()!
      this.active.set(stage, this.active.get(stage)! + 1)
      const work = this.runStep(step, id).then(next => {
        this.running.delete(work)
        this.queued.delete(id)
        this.active.set(stage, this.active.get(stage)! - 1)
        if (next) this.schedule(next)
        this.pump(stage)
        if (this.depth === 0) this.emit('idle')
      })
      this.running.add(work)
    }
  }

  /** Runs one step of one job; returns the job to schedule next, if any. Never throws. */
  private async runStep (step: Step, jobId: string): Promise<Job | undefined> {
    const job = await this.store.getJob(jobId)
    const page = await this.store.getPage(jobId)
    if (!job || !page || job.stage !== step.from || job.state === 'failed') return undefined
    const logger = this.opts.logger.child({ pageId: page.id, recordId: page.recordId, step: step.name })
    const started = performance.now()
    try {
      await this.store.tx().putJob({ ...job, state: 'running', updatedAt: new Date().toISOString() }).commit()
      const tx = this.store.tx()
      const changes = await step.run(page, tx, { logger })
      const now = new Date().toISOString()
      const nextIndex = STAGES.indexOf(step.to)
      // Re-read under the page's lock: while the step ran, review may have moved the page to another record.
      const next = await this.store.lockPage(page.id, async () => {
        const fresh = await this.store.getPage(page.id) ?? page
        const next: Page = { ...fresh, ...(changes ?? {}), stage: step.to, updatedAt: now }
        tx.putPage(next)
        await step.commit?.(next, tx)
        if (nextIndex === STAGES.length - 1) tx.delJob(job.id)
        else tx.putJob({ ...job, stage: step.to, state: 'queued', attempts: 0, notBefore: 0, lastError: undefined, updatedAt: now })
        await tx.commit()
        return next
      })
      this.counts[step.from]--
      this.counts[step.to]++
      const ms = performance.now() - started
      logger.debug({ ms: Math.round(ms) }, 'step done')
      this.emit('stage', { pageId: page.id, recordId: next.recordId, batchId: page.batchId, stage: step.to, ms })
      if (step.after) await step.after(next).catch(err => logger.warn({ err }, 'step clean-up failed'))
      return nextIndex < STAGES.length - 1 ? { ...job, stage: step.to, state: 'queued', attempts: 0, notBefore: 0 } : undefined
    } catch (err) {
      return await this.failed(step, job, page, err as Error, logger).catch(e => { logger.error({ err: e }, 'could not record a failure'); return undefined })
    }
  }

  private async failed (step: Step, job: Job, page: Page, err: Error, logger: Logger): Promise<Job | undefined> {
    const attempts = job.attempts + 1
    const reason = describe(err)
    const now = new Date().toISOString()
    if (attempts >= this.opts.maxAttempts) {
      logger.error({ err, attempts }, 'step failed for good')
      await this.store.lockPage(page.id, async () => {
        const fresh = await this.store.getPage(page.id) ?? page
        const failedPage: Page = { ...fresh, failed: { stage: step.from, reason, at: now }, updatedAt: now }
        const tx = this.store.tx().putJob({ ...job, state: 'failed', attempts, lastError: reason, updatedAt: now }).putPage(failedPage)
        await this.opts.failedForGood?.(failedPage, tx)
        await tx.commit()
      })
      this.counts.failed++
      this.emit('failed', { pageId: page.id, recordId: page.recordId, batchId: page.batchId, stage: step.from, reason })
      return undefined
    }
    const delay = Math.min(600_000, (this.opts.retryBaseMs ?? 2_000) * 2 ** (attempts - 1))
    logger.warn({ err, attempts, retryInMs: delay }, 'step failed, will retry')
    const retry: Job = { ...job, state: 'queued', attempts, notBefore: Date.now() + delay, lastError: reason, updatedAt: now }
    await this.store.tx().putJob(retry).commit()
    return retry
  }
}

function describe (err: Error): string {
  const anyErr = err as any
  if (typeof anyErr.messageVi === 'string') return `${anyErr.code}: ${anyErr.messageVi} / ${anyErr.messageEn}`
  return err.message || String(err)
}
