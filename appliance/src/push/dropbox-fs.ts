// The file system an FTP session sees: a write-only drop box. Every path is an empty virtual directory, so
// copiers that CWD or MKD into their configured folder work; nothing maps to the disk, so nothing can escape to
// it; there is no read, delete or rename at all (ftp-srv answers 402 for what a file system does not offer).
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import path from 'node:path/posix'
import { AppError } from '../errors/index.js'
import { Upload } from './upload.js'

export interface DropBoxOptions {
  maxBytes: number
  dataIdleMs: number
  /** Takes one whole file to intake; resolves when it is durable. */
  commit: (bytes: Buffer, filename: string) => Promise<void>
  /** Reports each finished upload (for counters and logs: ids and counts only). */
  onSettled: (outcome: { bytes: number, failure?: AppError }) => void
  /** An upload starts or ends: the session's control idle timeout must not fire in between. */
  onBusy: (busy: boolean) => void
}

/** What ftp-srv's LIST/CWD/STOU read from a stat; here, always an empty directory. */
interface VirtualStat {
  name: string
  size: number
  mtime: Date
  mode: number
  isDirectory: () => boolean
}

export class DropBoxFs {
  private cwd = '/'
  private current?: Upload
  private lastFailure?: AppError
  private replyWaiters: Array<() => void> = []

  constructor (private readonly connection: object, private readonly opts: DropBoxOptions) {}

  currentDirectory (): string { return this.cwd }

  async chdir (dir = '.'): Promise<string> {
    this.cwd = this.resolve(dir)
    return this.cwd
  }

  async mkdir (dir: string): Promise<string> { return this.resolve(dir) }

  async get (name = '.'): Promise<VirtualStat> {
    return { name: path.basename(this.resolve(name)) || '/', size: 0, mtime: new Date(0), mode: 0o40555, isDirectory: () => true }
  }

  async list (): Promise<VirtualStat[]> { return [] }

  /** For STOU: the name the client did not choose. */
  getUniqueName (): string { return randomUUID() }

  /** Called by ftp-srv's STOR once the data connection is up; returns the sink it pipes the upload into. */
  write (name: string | null, { append = false, start = 0 }: { append?: boolean, start?: number } = {}): { stream: Upload['stream'], clientPath: string } {
    // A page is taken whole or not at all: resuming or appending would join two transfers into one image.
    if (append || (start ?? 0) > 0) throw new AppError('VALIDATION', { ftp: 'append and restart are not supported' })
    const clientPath = this.resolve(name)
    const dataSocket = (this.connection as { connector?: { socket?: Socket } }).connector?.socket
    if (!dataSocket) throw new AppError('UPLOAD_INTERRUPTED', { cause: 'no data connection' })
    this.opts.onBusy(true)
    const upload: Upload = new Upload({
      dataSocket,
      maxBytes: this.opts.maxBytes,
      dataIdleMs: this.opts.dataIdleMs,
      commit: async (data) => { await this.opts.commit(data, path.basename(clientPath)) },
      onSettled: (failure) => {
        if (this.current === upload) this.current = undefined
        this.lastFailure = failure
        this.opts.onBusy(false)
        this.opts.onSettled({ bytes: upload.received, failure })
      }
    })
    this.current = upload
    this.lastFailure = undefined
    return { stream: upload.stream, clientPath }
  }

  /** Why the last upload failed, once: the FTP reply for it is built from this. */
  takeFailure (): AppError | undefined {
    const failure = this.lastFailure
    this.lastFailure = undefined
    return failure
  }

  /** Resolves when the next reply on this session has been written (or the session is gone). */
  nextReply (): Promise<void> {
    return new Promise(resolve => { this.replyWaiters.push(resolve) })
  }

  /** The session wrote a reply. */
  replied (): void {
    for (const resolve of this.replyWaiters.splice(0)) resolve()
  }

  /** The control connection closed: an upload still running can never be answered or ended. */
  abort (): void {
    this.current?.abort()
    this.replied()
  }

  /** Paths stay inside the virtual root: `../../etc` from `/` is `/etc` of nothing. */
  private resolve (p: string | null | undefined): string {
    return path.resolve('/', this.cwd, (p ?? '.').replace(/\\/g, '/'))
  }
}
