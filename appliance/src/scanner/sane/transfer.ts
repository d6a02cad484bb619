/**
 * The image data connection of one frame. After START, saned listens on the port it announced; the data
 * arrive as records (a 4-byte big-endian length, then that many bytes), and a length of 0xffffffff ends the
 * frame, followed by one status byte (EOF when all is well, else JAMMED, IO_ERROR, ...).
 */
import type { Socket } from 'node:net'
import { AppError } from '../../errors/index.js'
import type { SaneParameters } from './codec.js'
import { END_OF_FRAME, MAX_FRAME_BYTES, MAX_RECORD_BYTES, STATUS_EOF, type FrameFormat } from './constants.js'
import { connectionLostError, protocolError, statusError, timeoutError } from './errors.js'
import { openSocket, SocketReader, type ReadOptions } from './sockets.js'

export interface TransferProgress {
  /** 0-based frame number within the page (three-pass scanners send three). */
  frame: number
  format: FrameFormat
  bytesRead: number
  /** lines × bytes_per_line, or null when the backend does not know the number of lines. */
  bytesExpected: number | null
}

export interface ReadFrameOptions {
  params: SaneParameters
  frame: number
  idleTimeoutMs: number
  onProgress?: (progress: TransferProgress) => void
  /** True once the caller sent CANCEL: a data connection that then closes early is a cancellation. */
  cancelled: () => boolean
  /** Largest frame accepted (default MAX_FRAME_BYTES). */
  maxBytes?: number
}

/** Initial buffer when the size is unknown; it doubles as needed. */
const UNKNOWN_SIZE_START = 1 << 20

export class DataStream {
  private readonly reader: SocketReader

  private constructor (private readonly socket: Socket, private readonly where: Record<string, unknown>) {
    this.reader = new SocketReader(socket, cause => connectionLostError('data', where, cause))
    // We only read; saned shuts its read side too.
    socket.end()
  }

  static async open (host: string, port: number, connectTimeoutMs: number): Promise<DataStream> {
    const socket = await openSocket(host, port, connectTimeoutMs, 'data-connect')
    return new DataStream(socket, { host, port })
  }

  /** Reads records until the end-of-frame marker; returns the frame's bytes. */
  async readFrame (options: ReadFrameOptions): Promise<Buffer> {
    const { params } = options
    const expected = params.lines >= 0 ? params.lines * params.bytesPerLine : null
    const maxBytes = options.maxBytes ?? MAX_FRAME_BYTES
    if (expected !== null && !(expected <= maxBytes)) {
      this.close()
      throw protocolError('frame-too-large', { ...this.where, lines: params.lines, bytesPerLine: params.bytesPerLine, maxBytes })
    }
    let buffer: Buffer = Buffer.allocUnsafe(expected ?? Math.min(UNKNOWN_SIZE_START, maxBytes))
    let filled = 0
    const read: ReadOptions = {
      idleTimeoutMs: options.idleTimeoutMs,
      onTimeout: () => timeoutError('data', options.idleTimeoutMs, { ...this.where, bytesRead: filled })
    }
    const progress = (): void => {
      try {
        options.onProgress?.({ frame: options.frame, format: params.format, bytesRead: filled, bytesExpected: expected })
      } catch {
        // A failing progress display must not cost the page.
      }
    }
    try {
      for (;;) {
        const length = (await this.reader.read(4, read)).readUInt32BE(0)
        if (length === END_OF_FRAME) {
          const status = (await this.reader.read(1, read))[0]
          if (status !== STATUS_EOF) throw statusError(status, { stage: 'data', bytesRead: filled })
          break
        }
        if (length > MAX_RECORD_BYTES) throw protocolError('record-too-large', { length })
        // More than announced, or than any page can be: refused before the buffer grows.
        if (filled + length > maxBytes) throw protocolError('frame-too-large', { ...this.where, bytesRead: filled, length, maxBytes })
        for (let left = length; left > 0;) {
          const chunk = await this.reader.readChunk(left, read)
          if (filled + chunk.length > buffer.length) buffer = grow(buffer, filled + chunk.length, maxBytes)
          chunk.copy(buffer, filled)
          filled += chunk.length
          left -= chunk.length
        }
        if (length > 0) progress()
      }
    } catch (err) {
      if (options.cancelled() && err instanceof AppError && err.details?.reason === 'connection-lost') {
        throw new AppError('SANE_CANCELLED', { status: 'CANCELLED', stage: 'data', bytesRead: filled })
      }
      throw err
    } finally {
      this.close()
    }
    return buffer.subarray(0, filled)
  }

  close (): void {
    this.socket.destroy()
  }
}

function grow (buffer: Buffer, needed: number, max: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.min(max, Math.max(needed, buffer.length * 2)))
  buffer.copy(bigger)
  return bigger
}
