/**
 * The search index's durable work queue. Every record write (`Tx.putRecord`) also writes an `indexjobs` entry in the
 * same batch, so a change and the index work it needs exist together or not at all. This runner drains the entries:
 * it (re)indexes the record from what is stored now, then deletes exactly the entries it had read, with a synced
 * write; an entry written meanwhile has another key and stays for the next round. Indexing is idempotent, so a
 * crash anywhere repeats work and loses none: after a restart the index catches up with the records by itself.
 */
import type { Logger } from 'pino'
import type { Store } from '../store/index.js'

export interface IndexJobRunnerOptions {
  store: Store
  /** Brings one record's index entry up to its stored state (pipeline/steps.ts `indexRecord`). */
  index: (recordId: string) => Promise<void>
  log: Logger
  /** Jobs read per round. Default 500. */
  batch?: number
  /** First retry delay of a failing record, doubled per failure up to a minute. Default 1000 ms. */
  retryMs?: number
}

export class IndexJobRunner {
  private running: Promise<void> | undefined
  private again = false
  /** Until start(): an offline node (CLI) leaves its jobs to the running appliance. */
  private stopped = true
  private timer: NodeJS.Timeout | undefined
  private readonly failures = new Map<string, { attempts: number, next: number }>()
  /** Records indexed since start (for status and tests). */
  indexed = 0

  constructor (private readonly opts: IndexJobRunnerOptions) {}

  /** Drains now, and again whenever nudged. */
  start (): void {
    this.stopped = false
    this.nudge()
  }

  /** Something was written: drain (once more, if a round is under way). */
  nudge (): void {
    if (this.stopped) return
    if (this.running !== undefined) { this.again = true; return }
    this.running = this.drain()
      .catch(err => { this.opts.log.error({ err }, 'index jobs failed'); this.retryLater(this.opts.retryMs ?? 1000) })
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
    if (this.timer !== undefined) clearTimeout(this.timer)
    await this.idle()
  }

  /** One pass over every pending job; failing records wait their turn. */
  private async drain (): Promise<void> {
    const { store } = this.opts
    const size = this.opts.batch ?? 500
    for (;;) {
      const jobs = await store.listIndexJobs(size)
      const now = Date.now()
      const byRecord = new Map<string, string[]>()
      for (const job of jobs) {
        const keys = byRecord.get(job.recordId)
        if (keys === undefined) byRecord.set(job.recordId, [job.key]); else keys.push(job.key)
      }
      const done: string[] = []
      let waiting = 0
      for (const [recordId, keys] of byRecord) {
        if (this.stopped) break
        const failed = this.failures.get(recordId)
        if (failed !== undefined && failed.next > now) { waiting++; continue }
        try {
          await this.opts.index(recordId)
          this.failures.delete(recordId)
          done.push(...keys)
          this.indexed++
        } catch (err) {
          const attempts = (failed?.attempts ?? 0) + 1
          const delay = Math.min(60_000, (this.opts.retryMs ?? 1000) * 2 ** (attempts - 1))
          this.failures.set(recordId, { attempts, next: now + delay })
          this.opts.log.error({ err, recordId, attempts }, 'indexing failed; retried later')
          waiting++
        }
      }
      await store.deleteIndexJobs(done)
      if (this.stopped) return
      if (waiting > 0) {
        const next = Math.min(...[...this.failures.values()].map(f => f.next))
        this.retryLater(Math.max(10, next - Date.now()))
      }
      // Only waiting records left in a full page, or a short page: this pass is over.
      if (jobs.length < size || done.length === 0) return
    }
  }

  private retryLater (ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.timer = undefined; this.nudge() }, ms)
    this.timer.unref()
  }
}
