/**
 * When replication may use the link: a window between two cron instants (default 22:00 to 05:00 every night), or
 * always. The window is open when the next "end" comes before the next "start", which holds for any pair of cron
 * expressions and needs no memory of past instants, so a node started at 02:00 knows it is inside the window.
 */
import cron, { type ScheduledTask } from 'node-cron'

export type SyncSchedule = 'always' | { start: string, end: string }

export const DEFAULT_SCHEDULE: SyncSchedule = { start: '0 22 * * *', end: '0 5 * * *' }

export interface SyncWindow {
  isOpen: () => boolean
  /** Next instants the window opens and closes (null when always open). */
  next: () => { start: string | null, end: string | null }
  stop: () => Promise<void>
}

export function isValidSchedule (schedule: SyncSchedule): boolean {
  return schedule === 'always' || (cron.validate(schedule.start) && cron.validate(schedule.end))
}

/** Calls `onOpen` each time the window opens. */
export function createWindow (schedule: SyncSchedule, onOpen: () => void, opts: { timezone?: string } = {}): SyncWindow {
  if (schedule === 'always') return { isOpen: () => true, next: () => ({ start: null, end: null }), stop: async () => {} }
  const start: ScheduledTask = cron.schedule(schedule.start, () => { onOpen() }, { name: 'sync-window-start', timezone: opts.timezone, noOverlap: true })
  const end: ScheduledTask = cron.schedule(schedule.end, () => {}, { name: 'sync-window-end', timezone: opts.timezone })
  return {
    isOpen: () => {
      const s = start.getNextRun()
      const e = end.getNextRun()
      return s !== null && e !== null && e.getTime() < s.getTime()
    },
    next: () => ({ start: start.getNextRun()?.toISOString() ?? null, end: end.getNextRun()?.toISOString() ?? null }),
    stop: async () => {
      await start.destroy()
      await end.destroy()
    }
  }
}
