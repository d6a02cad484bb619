// One FTP upload: the Writable ftp-srv pipes the data connection into. It holds the bytes in memory (bounded) and
// commits them to intake inside `final()`, so ftp-srv's 'finish' (and with it the 226 reply) waits for durability.
import type { Socket } from 'node:net'
import { Writable } from 'node:stream'
import { AppError } from '../errors/index.js'
import { asAppError, errorCode } from './outcome.js'

export interface UploadOptions {
  /** The passive or active data connection, already connected. */
  dataSocket: Socket
  maxBytes: number
  /** A data connection silent this long is destroyed: ftp-srv has no data-socket timeout of its own. */
  dataIdleMs: number
  /** Makes the whole file durable; resolving means "acknowledge", rejecting means "refuse". */
  commit: (bytes: Buffer) => Promise<void>
  /** Called once, when the upload is committed or failed for good. */
  onSettled: (failure?: AppError) => void
}

export class Upload {
  readonly stream: Writable
  /** Why the upload failed; the FTP reply is made from it. */
  failure?: AppError
  private chunks: Buffer[] = []
  private bytes = 0
  private settled = false
  private committing = false

  /** Bytes received so far (also those over the limit). */
  get received (): number { return this.bytes }

  constructor (private readonly opts: UploadOptions) {
    const socket = opts.dataSocket
    // Registered before ftp-srv's own listener (ours runs at fs.write, its after), so the failure is known first.
    socket.on('error', (err) => { this.fail(err instanceof AppError ? err : new AppError('UPLOAD_INTERRUPTED', { cause: errorCode(err) })) })
    socket.setTimeout(opts.dataIdleMs, () => { socket.destroy(new AppError('UPLOAD_INTERRUPTED', { cause: 'data connection idle' })) })

    // No 'close' listener on this stream, ever: ftp-srv would then emit a fake 'close' instead of ending it.
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.bytes += chunk.length
        if (this.bytes > opts.maxBytes) {
          this.fail(new AppError('PAYLOAD_TOO_LARGE', { maxBytes: opts.maxBytes }))
          callback(this.failure)
          return
        }
        this.chunks.push(chunk)
        callback()
      },
      final: (callback) => { this.finish(callback) }
    })
  }

  /** The control connection is gone: nothing will end this upload any more. */
  abort (): void {
    if (this.committing) return // the bytes are whole and on their way to disk: let intake finish
    this.fail(new AppError('UPLOAD_INTERRUPTED', { cause: 'control connection closed' }))
    this.opts.dataSocket.destroy()
  }

  private finish (callback: (err?: Error | null) => void): void {
    // The client closed the data connection; from here on silence is intake working, not a stalled client.
    this.opts.dataSocket.setTimeout(0)
    // ftp-srv also ends the stream when the data socket failed, and destroys it right after, in the same turn:
    // wait one turn before deciding. A clean close after half a file still looks whole here; intake's content
    // checks (JPEG end marker, PNG IEND, TIFF offsets, a PDF's %%EOF) are what refuse it.
    setImmediate(() => {
      if (this.failure || this.stream.destroyed) {
        this.fail(this.failure ?? new AppError('UPLOAD_INTERRUPTED'))
        callback(this.failure)
        return
      }
      const bytes = Buffer.concat(this.chunks, this.bytes)
      this.chunks = []
      this.committing = true
      this.opts.commit(bytes).then(() => {
        this.settle()
        callback()
      }, (err: unknown) => {
        this.fail(asAppError(err))
        callback(this.failure)
      })
    })
  }

  private fail (err: AppError): void {
    if (this.settled) return
    this.failure = err
    this.chunks = []
    this.settle()
  }

  private settle (): void {
    if (this.settled) return
    this.settled = true
    this.opts.dataSocket.setTimeout(0)
    this.opts.onSettled(this.failure)
  }
}
