// A watched folder (scan-to-SMB into a Samba share, or any mount): listed by polling, because inotify sees nothing
// on SMB or NFS mounts. A file is taken once its size and mtime stayed the same for `stableMs`; what intake keeps
// moves to done/, what it refuses to failed/ with a reason file; a file intake did not answer for stays put.
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { WatchFolderConfig } from '../config/index.js'
import { AppError } from '../errors/index.js'
import type { Logger } from '../log/index.js'
import { DONE_DIR, FAILED_DIR, isIgnoredName, readNoFollow, setAside } from './folder-files.js'
import { asAppError, errorCode, isFileFault, reasonText, type IntakeDoor } from './outcome.js'

export interface FolderWatcherOptions {
  folder: WatchFolderConfig
  intake: IntakeDoor
  logger: Logger
  /** Larger files are refused (to failed/) without being read. */
  maxUploadBytes: number
  /** After a failure that is not the file's fault (disk full, unknown unit), wait this long before trying it again. */
  retryAfterMs?: number
  /** Every file handled, for counters and tests. */
  onResult?: (result: FolderResult) => void
}

export interface FolderResult {
  unit: string
  /** accepted: new record; duplicate: intake already had these bytes; refused: to failed/; deferred: left in place. */
  outcome: 'accepted' | 'duplicate' | 'refused' | 'deferred'
  recordId?: string
  code?: string
}

interface Seen {
  size: number
  mtimeMs: number
  /** When this size and mtime were first observed. */
  since: number
  retryAt: number
}

export class FolderWatcher {
  private readonly seen = new Map<string, Seen>()
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private stopped = true
  private unreadable?: string

  constructor (private readonly opts: FolderWatcherOptions) {}

  get unit (): string { return this.opts.folder.unit }

  start (): void {
    if (!this.stopped) return
    this.stopped = false
    this.opts.logger.info({ unit: this.unit, folder: this.opts.folder.path, intervalMs: this.opts.folder.intervalMs, stableMs: this.opts.folder.stableMs }, 'watching folder')
    this.schedule(0)
  }

  /** Stops polling; resolves once a file being handled is finished with (it is never left half moved). */
  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  /** One listing of the folder: notes new and changed files, takes the stable ones. Never two at once. */
  async poll (): Promise<void> {
    this.running ??= this.pass(Date.now()).finally(() => { this.running = undefined })
    await this.running
  }

  private async pass (now: number): Promise<void> {
    const { path: folder, stableMs } = this.opts.folder
    let names: string[]
    try {
      const entries = await readdir(folder, { withFileTypes: true })
      names = entries.filter(e => e.isFile() && !isIgnoredName(e.name)).map(e => e.name)
      this.reportReadable()
    } catch (err) {
      this.reportUnreadable(err)
      return
    }
    const present = new Set(names)
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name)
    for (const name of names) {
      if (this.stopped) return
      const stat = await lstat(join(folder, name)).catch(() => undefined)
      if (!stat?.isFile()) continue
      const prev = this.seen.get(name)
      if (!prev || prev.size !== stat.size || prev.mtimeMs !== stat.mtimeMs) {
        // Observed time, not mtime against our clock: a share's clock may differ from the appliance's.
        this.seen.set(name, { size: stat.size, mtimeMs: stat.mtimeMs, since: now, retryAt: 0 })
        continue
      }
      if (now - prev.since < stableMs || now < prev.retryAt) continue
      await this.take(name, prev)
    }
  }

  private schedule (ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.poll()
        .catch((err: unknown) => { this.opts.logger.error({ code: errorCode(err), unit: this.unit }, 'watched folder pass failed') })
        .finally(() => { this.schedule(this.opts.folder.intervalMs) })
    }, ms)
  }

  private async take (name: string, seen: Seen): Promise<void> {
    const { path: folder, unit } = this.opts.folder
    const file = join(folder, name)
    if (seen.size > this.opts.maxUploadBytes) {
      await this.refuse(name, new AppError('PAYLOAD_TOO_LARGE', { maxBytes: this.opts.maxUploadBytes }), seen.size)
      return
    }
    let bytes: Buffer
    try {
      // Never through a symlink: the file may have been swapped for one since it was listed.
      const read = await readNoFollow(file)
      bytes = read.bytes
      if (read.size !== seen.size || read.mtimeMs !== seen.mtimeMs || bytes.length !== seen.size) {
        this.seen.delete(name) // still being written after all: observe it again from scratch
        return
      }
    } catch (err) {
      this.seen.delete(name)
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ELOOP' || code === 'ENOTREG') this.opts.logger.warn({ unit }, 'watched file swapped for a link or special file: left alone')
      else if (code !== 'ENOENT') this.opts.logger.warn({ unit, code: errorCode(err) }, 'watched file unreadable')
      return
    }

    let result
    try {
      result = await this.opts.intake.accept({ unit, bytes, filename: name, source: 'folder' })
    } catch (err) {
      if (isFileFault(err)) {
        await this.refuse(name, asAppError(err), bytes.length)
      } else {
        seen.retryAt = Date.now() + (this.opts.retryAfterMs ?? 30_000)
        this.opts.logger.warn({ unit, code: errorCode(err), bytes: bytes.length }, 'watched file left in place: intake could not take it now')
        this.opts.onResult?.({ unit, outcome: 'deferred', code: errorCode(err) })
      }
      return
    }
    // Durable in intake from here. A crash before the move below is harmless: on the next start the file is
    // taken again, intake answers with the record it already has, and the file moves on.
    try {
      await setAside(folder, DONE_DIR, name)
      this.seen.delete(name)
    } catch (err) {
      seen.retryAt = Date.now() + (this.opts.retryAfterMs ?? 30_000)
      this.opts.logger.error({ unit, code: errorCode(err), recordId: result.recordId }, 'watched file kept but not moved to done/')
    }
    this.opts.logger.info({ unit, recordId: result.recordId, pages: result.pages.length, created: result.created, bytes: bytes.length }, 'watched file taken')
    this.opts.onResult?.({ unit, outcome: result.created ? 'accepted' : 'duplicate', recordId: result.recordId })
  }

  private async refuse (name: string, err: AppError, bytes: number): Promise<void> {
    const { path: folder, unit } = this.opts.folder
    try {
      await setAside(folder, FAILED_DIR, name, reasonText(err))
      this.seen.delete(name)
    } catch (moveErr) {
      const seen = this.seen.get(name)
      if (seen) seen.retryAt = Date.now() + (this.opts.retryAfterMs ?? 30_000)
      this.opts.logger.error({ unit, code: errorCode(moveErr) }, 'refused watched file could not be moved to failed/')
    }
    this.opts.logger.warn({ unit, code: err.code, bytes }, 'watched file refused')
    this.opts.onResult?.({ unit, outcome: 'refused', code: err.code })
  }

  private reportUnreadable (err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown'
    if (this.unreadable === code) return // once per change, not every interval
    this.unreadable = code
    this.opts.logger.warn({ unit: this.unit, folder: this.opts.folder.path, code }, 'watched folder cannot be listed (missing or not mounted?)')
  }

  private reportReadable (): void {
    if (this.unreadable === undefined) return
    this.unreadable = undefined
    this.opts.logger.info({ unit: this.unit, folder: this.opts.folder.path }, 'watched folder readable again')
  }
}
