/**
 * Recurring work of a node (fixity checks, the validity sweep, replication windows) on node-cron, in Vietnam's time
 * zone, never overlapping itself, each run logged with its outcome. A failing run is logged and retried at the next
 * tick; it never stops the node.
 */
import cron, { type ScheduledTask } from 'node-cron'
import { AppError } from '../errors/index.js'
import type { Logger } from '../log/index.js'

export const TIMEZONE = 'Asia/Ho_Chi_Minh'

export interface Job {
  name: string
  /** Cron expression (5 or 6 fields). */
  schedule: string
  run: () => Promise<unknown>
}

export interface Schedules {
  stop: () => Promise<void>
}

/** Refuses a bad expression at start, naming the setting, rather than never running. */
export function checkSchedule (setting: string, expression: string): void {
  if (!cron.validate(expression)) throw new AppError('CONFIG_INVALID', { problems: [`${setting}: "${expression}" is not a cron expression`] })
}

export function startSchedules (jobs: Job[], logger: Logger): Schedules {
  const tasks: ScheduledTask[] = []
  for (const job of jobs) {
    checkSchedule(job.name, job.schedule)
    tasks.push(cron.schedule(job.schedule, async () => {
      const started = performance.now()
      try {
        const result = await job.run()
        logger.info({ job: job.name, ms: Math.round(performance.now() - started), result }, 'scheduled job done')
      } catch (err) {
        logger.error({ job: job.name, err }, 'scheduled job failed')
      }
    }, { name: job.name, timezone: TIMEZONE, noOverlap: true }))
  }
  return {
    stop: async () => { for (const task of tasks) await task.destroy() }
  }
}
