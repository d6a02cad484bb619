/**
 * Framing of sohoa's sync protocols over one libp2p stream. A frame is
 * `[u32 BE length of the rest][u16 BE length of the header][header: UTF-8 JSON][payload: raw bytes]`:
 * control messages are small JSON headers, file chunks and log entries travel as raw payload so the wire carries
 * almost nothing but the bytes themselves.
 *
 * The reader applies backpressure: libp2p streams deliver data as it arrives (yamux grants window on receipt, not
 * on consumption), so the channel pauses the stream when its buffer passes a high-water mark and resumes it once
 * the reader caught up. Every read has an inactivity bound, because a link that drops silently never says so.
 */
import type { Stream } from '@libp2p/interface'

/** Largest frame either side accepts (a chunk or an entries batch plus its header). */
export const MAX_FRAME = 4 * 1024 * 1024
const HIGH_WATER = 4 * 1024 * 1024
const LOW_WATER = 1024 * 1024

export interface Frame<H = Record<string, unknown>> {
  header: H & { t: string }
  payload: Buffer
}

export class ProtocolError extends Error {
  constructor (readonly problem: string) {
    super(problem)
    this.name = 'ProtocolError'
  }
}

export function encodeFrame (header: Record<string, unknown> & { t: string }, payload?: Uint8Array): Uint8Array[] {
  const head = Buffer.from(JSON.stringify(header), 'utf8')
  if (head.byteLength > 0xffff) throw new ProtocolError('header too large')
  const prefix = Buffer.alloc(6)
  prefix.writeUInt32BE(2 + head.byteLength + (payload?.byteLength ?? 0), 0)
  prefix.writeUInt16BE(head.byteLength, 4)
  return payload && payload.byteLength > 0 ? [prefix, head, payload] : [Buffer.concat([prefix, head])]
}

/** Bytes a frame takes on the stream (before Noise and Yamux). */
export function frameSize (header: Record<string, unknown> & { t: string }, payloadBytes = 0): number {
  return 6 + Buffer.byteLength(JSON.stringify(header), 'utf8') + payloadBytes
}

export interface ChannelOptions {
  /** A read waits at most this long for the next frame. */
  readTimeoutMs?: number
  /** Called with the byte count of every frame sent and received (for rates and metrics). */
  onSent?: (bytes: number) => void
  onReceived?: (bytes: number) => void
}

/** One side of a protocol session: send and receive frames, in order. */
export class Channel {
  private readonly buffer = new ByteQueue()
  private waiting: { resolve: () => void, reject: (err: Error) => void } | null = null
  private ended = false
  private failure: Error | null = null
  private paused = false
  readonly readTimeoutMs: number

  constructor (readonly stream: Stream, private readonly opts: ChannelOptions = {}) {
    this.readTimeoutMs = opts.readTimeoutMs ?? 60_000
    stream.maxReadBufferLength = 32 * 1024 * 1024
    stream.inactivityTimeout = Math.max(stream.inactivityTimeout ?? 0, this.readTimeoutMs * 2)
    stream.addEventListener('message', (evt) => {
      this.buffer.append(evt.data instanceof Uint8Array ? evt.data : evt.data.subarray())
      if (!this.paused && this.buffer.byteLength > HIGH_WATER && stream.status === 'open') {
        this.paused = true
        try { stream.pause() } catch { /* closing */ }
      }
      this.wake()
    })
    stream.addEventListener('remoteCloseWrite', () => { this.ended = true; this.wake() })
    stream.addEventListener('close', (evt) => {
      this.ended = true
      if (evt.error) this.failure = evt.error
      this.wake()
    })
  }

  async send (header: Record<string, unknown> & { t: string }, payload?: Uint8Array): Promise<number> {
    let bytes = 0
    const parts = encodeFrame(header, payload)
    for (const part of parts) {
      bytes += part.byteLength
      if (!this.stream.send(part)) await this.stream.onDrain({ signal: AbortSignal.timeout(this.readTimeoutMs * 2) })
    }
    this.opts.onSent?.(bytes)
    return bytes
  }

  /** The next frame, or null when the remote closed its side cleanly between frames. */
  async receive<H = Record<string, unknown>> (timeoutMs = this.readTimeoutMs): Promise<Frame<H> | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const frame = this.take<H>()
      if (frame) return frame
      if (this.failure) throw this.failure
      if (this.ended) {
        if (this.buffer.byteLength === 0) return null
        throw new ProtocolError('stream ended inside a frame')
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new ProtocolError(`no message from the peer in ${Math.round(timeoutMs / 1000)} s`)
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { this.waiting = null; resolve() }, left)
        this.waiting = { resolve: () => { clearTimeout(timer); resolve() }, reject: (err) => { clearTimeout(timer); reject(err) } }
      })
    }
  }

  /** Like receive, but a clean end is an error: the protocol expected more. */
  async expect<H = Record<string, unknown>> (timeoutMs = this.readTimeoutMs): Promise<Frame<H>> {
    const frame = await this.receive<H>(timeoutMs)
    if (!frame) throw new ProtocolError('the peer closed the stream')
    return frame
  }

  async close (): Promise<void> {
    try {
      await this.stream.close({ signal: AbortSignal.timeout(5000) })
    } catch {
      this.stream.abort(new Error('close timed out'))
    }
  }

  abort (reason: string): void {
    this.stream.abort(new ProtocolError(reason))
  }

  private take<H> (): Frame<H> | null {
    if (this.buffer.byteLength < 6) return null
    const length = this.buffer.peek(6).readUInt32BE(0)
    if (length > MAX_FRAME || length < 2) throw new ProtocolError(`frame of ${length} bytes refused`)
    if (this.buffer.byteLength < 4 + length) return null
    const frame = this.buffer.take(4 + length)
    const headLength = frame.readUInt16BE(4)
    if (headLength > length - 2) throw new ProtocolError('header longer than its frame')
    const head = frame.subarray(6, 6 + headLength)
    const payload = frame.subarray(6 + headLength)
    if (this.paused && this.buffer.byteLength < LOW_WATER) {
      this.paused = false
      try { this.stream.resume() } catch { /* closing */ }
    }
    this.opts.onReceived?.(4 + length)
    let header: unknown
    try {
      header = JSON.parse(head.toString('utf8'))
    } catch {
      throw new ProtocolError('header is not JSON')
    }
    if (header === null || typeof header !== 'object' || typeof (header as { t?: unknown }).t !== 'string') throw new ProtocolError('header without a type')
    return { header: header as H & { t: string }, payload }
  }

  private wake (): void {
    const w = this.waiting
    this.waiting = null
    w?.resolve()
  }
}

/** Received bytes not yet framed: a list of buffers, joined only as far as a frame needs. */
class ByteQueue {
  private chunks: Buffer[] = []
  byteLength = 0

  append (data: Uint8Array): void {
    if (data.byteLength === 0) return
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    this.byteLength += data.byteLength
  }

  /** The first `n` bytes, left in the queue. */
  peek (n: number): Buffer {
    if (this.chunks[0].byteLength < n) this.chunks = [Buffer.concat(this.chunks)]
    return this.chunks[0].subarray(0, n)
  }

  /** Removes and returns the first `n` bytes (n <= byteLength). */
  take (n: number): Buffer {
    let out: Buffer
    if (this.chunks[0].byteLength >= n) {
      out = this.chunks[0].subarray(0, n)
      if (out.byteLength === this.chunks[0].byteLength) this.chunks.shift()
      else this.chunks[0] = this.chunks[0].subarray(n)
    } else {
      const parts: Buffer[] = []
      let need = n
      while (need > 0) {
        const head = this.chunks[0]
        if (head.byteLength <= need) { parts.push(head); this.chunks.shift(); need -= head.byteLength } else { parts.push(head.subarray(0, need)); this.chunks[0] = head.subarray(need); need = 0 }
      }
      out = Buffer.concat(parts, n)
    }
    this.byteLength -= n
    return out
  }
}
