/**
 * The record steps' durable queue. A change that needs a record step writes its job (`Tx.putRecordJob`) in the same
 * batch as itself, so the change and the work it needs exist together or not at all. This runner drains the jobs,
 * step by step in their order (segment, extract, sign, package, log, index): it runs a step once for every subject
 * with jobs pending (however many: one run covers every change before it) and deletes exactly the keys it read; a job
 * written meanwhile has another key and stays for the next round. A step that commits its effect folds the deletion
 * into that same batch (`done`), so its effect is applied exactly once even if the process dies right after; a step
 * without one commit (index) is idempotent. Steps work from what is stored now, so a crash repeats work and loses none.
 *
 * A step may say a subject is not ready (`ready`): its jobs then stay, untouched and not counted as a run, until a
 * later write (the change it waits for writes a job of its own) wakes the runner.
 */
import type { Logger } from 'pino'
import { RECORD_STEPS, type RecordStepName, type Store, type Tx } from '../store/index.js'

export interface RecordStep {
  name: RecordStepName
  /**
   * Does the step's work for one subject (a batch id for `segment`, else a record id). `done` deletes the jobs being
   * run: include it in the step's own commit (`tx.include(done)`). Throws to be retried.
   */
  run: (subject: string, done: Tx) => Promise<void>
  /** False while the subject waits for earlier work (its jobs stay). Default: ready. */
  ready?: (subject: string) => Promise<boolean>
}

export interface RecordStepRunnerOptions {
  store: Store
  steps: RecordStep[]
  logger: Logger
  /** Jobs read per step and round. Default 500. */
  batch?: number
  /** First retry delay of a failing subject, doubled per failure up to a minute. Default 1000 ms. */
  retryMs?: number
  /**
   * Test hook, off by default (`SOHOA_TEST_EXIT_AFTER_STEP` in node.ts): called after a step's jobs are deleted,
   * so a crash test can kill the process right between two record steps.
   */
  afterStep?: (step: RecordStepName, subject: string) => void
}

export interface RecordStepStatus {
  /** Step runs since start, per step (a run covers every job pending for its subject). */
  runs: Record<RecordStepName, number>
  /** Subjects whose step failed and waits for its retry. */
  retrying: number
}

export class RecordStepRunner {
  private running: Promise<void> | undefined
  private again = false
  /** Until start(): an offline node (CLI) leaves its jobs to the running appliance. */
  private stopped = true
  private timer: NodeJS.Timeout | undefined
  private unsubscribe: (() => void) | undefined
  private readonly steps: RecordStep[]
  private readonly failures = new Map<string, { attempts: number, next: number }>()
  readonly runs = Object.fromEntries(RECORD_STEPS.map(s => [s, 0])) as Record<RecordStepName, number>

  constructor (private readonly opts: RecordStepRunnerOptions) {
    this.steps = RECORD_STEPS.map(name => opts.steps.find(s => s.name === name)).filter((s): s is RecordStep => s !== undefined)
  }

  /** Drains now, and again after every commit that writes record jobs. */
  start (): void {
    this.stopped = false
    this.unsubscribe ??= this.opts.store.onRecordJobs(() => this.nudge())
    this.nudge()
  }

  /** Something was written: drain (once more, if a round is under way). */
  nudge (): void {
    if (this.stopped) return
    if (this.running !== undefined) { this.again = true; return }
    this.running = this.drain()
      .catch(err => { this.opts.logger.error({ err }, 'record steps failed'); this.retryLater(this.opts.retryMs ?? 1000) })
      .finally(() => {
        this.running = undefined
        if (this.again) { this.again = false; this.nudge() }
      })
  }

  /** Resolves when no job is left that can run now (tests, reindex). */
  async idle (): Promise<void> {
    while (this.running !== undefined) await this.running
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (this.timer !== undefined) clearTimeout(this.timer)
    await this.idle()
  }

  status (): RecordStepStatus {
    return { runs: { ...this.runs }, retrying: this.failures.size }
  }

  /** Pending jobs per step, read from the store. */
  async pending (): Promise<Record<RecordStepName, number>> {
    return await this.opts.store.countRecordJobs()
  }

  /** Rounds over the steps in order until a round does nothing; failing subjects wait their turn. */
  private async drain (): Promise<void> {
    for (;;) {
      let done = 0
      for (const step of this.steps) {
        if (this.stopped) return
        done += await this.drainStep(step)
      }
      if (done === 0 || this.stopped) return
    }
  }

  /** One pass over a step's pending jobs; returns how many runs completed. */
  private async drainStep (step: RecordStep): Promise<number> {
    const { store, logger } = this.opts
    const size = this.opts.batch ?? 500
    let completed = 0
    // Past the jobs that could not run: a page full of waiting subjects does not hide the ready ones behind it.
    let after: string | undefined
    for (;;) {
      const jobs = await store.listRecordJobs(step.name, size, after)
      const now = Date.now()
      const bySubject = new Map<string, string[]>()
      for (const job of jobs) {
        const keys = bySubject.get(job.subject)
        if (keys === undefined) bySubject.set(job.subject, [job.key]); else keys.push(job.key)
      }
      let progressed = 0
      let waiting = 0
      for (const [subject, keys] of bySubject) {
        if (this.stopped) return completed
        const id = `${step.name}!${subject}`
        const failed = this.failures.get(id)
        if (failed !== undefined && failed.next > now) { waiting++; continue }
        try {
          if (step.ready !== undefined) {
            if (!await step.ready(subject)) continue
            // Read again once ready: a job the awaited change wrote after the listing is covered by this run.
            keys.splice(0, keys.length, ...await store.listRecordJobKeys(step.name, subject))
          }
          const done = store.tx().delRecordJobs(keys)
          await step.run(subject, done)
          this.failures.delete(id)
          // Again when the step folded it into its commit: deleting a deleted key changes nothing.
          await done.commit()
          this.runs[step.name]++
          progressed++
          logger.debug({ step: step.name, subject, jobs: keys.length }, 'record step done')
          this.opts.afterStep?.(step.name, subject)
        } catch (err) {
          const attempts = (failed?.attempts ?? 0) + 1
          const delay = Math.min(60_000, (this.opts.retryMs ?? 1000) * 2 ** (attempts - 1))
          this.failures.set(id, { attempts, next: now + delay })
          logger.error({ err, step: step.name, subject, attempts }, 'record step failed; retried later')
          waiting++
        }
      }
      completed += progressed
      if (waiting > 0) {
        const next = Math.min(...[...this.failures.values()].map(f => f.next))
        this.retryLater(Math.max(10, next - Date.now()))
      }
      // A short page: this step's pass is over. After a full one, go on past what stayed (what ran is gone).
      if (jobs.length < size) return completed
      after = jobs[jobs.length - 1].key
    }
  }

  private retryLater (ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.timer = undefined; this.nudge() }, ms)
    this.timer.unref()
  }
}
