/**
 * TCP plumbing shared by the control and data connections: connecting with a timeout, and pull-style
 * reading: `read(n)` waits for exactly n bytes, `readChunk(max)` for whatever has arrived. One read at a time (the protocol is strictly request/reply). Each read may carry an idle
 * timeout, restarted whenever bytes arrive; on timeout, or when the peer goes away, the socket is destroyed
 * and the read rejects, so no caller waits on a dead saned.
 */
import { connect, type Socket } from 'node:net'
import { timeoutError, unreachableError } from './errors.js'

export interface ReadOptions {
  /** Reject if no byte arrives for this long (ms). */
  idleTimeoutMs?: number
  /** The error to reject with on timeout. */
  onTimeout?: () => Error
}

interface PendingRead {
  exact: boolean
  n: number
  resolve: (b: Buffer) => void
  reject: (e: Error) => void
  timer?: NodeJS.Timeout
  options: ReadOptions
}

export class SocketReader {
  private readonly chunks: Buffer[] = []
  private buffered = 0
  private pending: PendingRead | null = null
  private failure: Error | null = null
  private ended = false

  /**
   * @param lostError builds the error for a peer that closed or reset the connection mid-read
   */
  constructor (private readonly socket: Socket, private readonly lostError: (cause?: Error) => Error) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk)
      this.buffered += chunk.length
      this.pending?.timer?.refresh()
      this.settle()
    })
    socket.on('end', () => { this.ended = true; this.settle() })
    socket.on('error', (err: Error) => {
      if (this.failure === null) this.failure = this.lostError(err)
      this.settle()
    })
    socket.on('close', () => { this.ended = true; this.settle() })
  }

  /** Bytes received but not read yet. */
  get available (): number { return this.buffered }

  /** Resolves with exactly n bytes. */
  async read (n: number, options: ReadOptions = {}): Promise<Buffer> {
    if (n === 0) return Buffer.alloc(0)
    return await this.enqueue(true, n, options)
  }

  /** Resolves with 1..max bytes, as soon as any are there (no copy when one chunk suffices). */
  async readChunk (max: number, options: ReadOptions = {}): Promise<Buffer> {
    return await this.enqueue(false, max, options)
  }

  /** Fails the current and all later reads with `err` and destroys the socket. */
  fail (err: Error): void {
    if (this.failure === null) this.failure = err
    this.socket.destroy()
    this.settle()
  }

  private async enqueue (exact: boolean, n: number, options: ReadOptions): Promise<Buffer> {
    if (this.pending !== null) throw new Error('SocketReader: concurrent reads')
    return await new Promise<Buffer>((resolve, reject) => {
      const pending: PendingRead = { exact, n, resolve, reject, options }
      this.pending = pending
      this.settle()
      if (this.pending === pending && options.idleTimeoutMs !== undefined) {
        pending.timer = setTimeout(() => {
          const err = options.onTimeout?.() ?? new Error('read timeout')
          this.fail(err)
        }, options.idleTimeoutMs)
      }
    })
  }

  private settle (): void {
    const p = this.pending
    if (p === null) return
    let result: Buffer | null = null
    if (p.exact ? this.buffered >= p.n : this.buffered > 0) {
      result = this.take(p.exact ? p.n : Math.min(p.n, this.buffered))
    } else if (this.failure === null && !this.ended) {
      return
    }
    this.pending = null
    if (p.timer !== undefined) clearTimeout(p.timer)
    if (result !== null) p.resolve(result)
    else p.reject(this.failure ?? this.lostError())
  }

  private take (n: number): Buffer {
    const first = this.chunks[0]
    if (first.length >= n) {
      this.buffered -= n
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    const out = Buffer.allocUnsafe(n)
    let filled = 0
    while (filled < n) {
      const chunk = this.chunks[0]
      const used = Math.min(chunk.length, n - filled)
      chunk.copy(out, filled, 0, used)
      filled += used
      if (used === chunk.length) this.chunks.shift()
      else this.chunks[0] = chunk.subarray(used)
    }
    this.buffered -= n
    return out
  }
}

/** A TCP connection with a connect timeout; refused, unreachable and unknown hosts become SANE_UNREACHABLE. */
export async function openSocket (host: string, port: number, timeoutMs: number, stage: string): Promise<Socket> {
  return await new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host, port })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(timeoutError(stage, timeoutMs, { host, port }))
    }, timeoutMs)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      socket.setNoDelay(true)
      resolve(socket)
    })
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      socket.destroy()
      reject(unreachableError(err.code ?? 'connect-failed', { stage, host, port }, err))
    })
  })
}
