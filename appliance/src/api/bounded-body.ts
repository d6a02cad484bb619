import type { Readable } from 'node:stream'
import { AppError } from '../errors/index.js'

/**
 * Reads a request body of at most `limit` bytes. A body over the limit is refused with 413, but only after it
 * has been read and discarded (up to `drainCap` bytes): clients such as copiers and fetch write the whole body
 * before they read the answer, and closing under them turns a clear 413 into a broken pipe. Past `drainCap`
 * the connection is cut at once, so nobody can make the server swallow an endless stream.
 */
export async function readBoundedBody (payload: Readable, limit: number, drainCap = limit * 8): Promise<Buffer> {
  const chunks: Buffer[] = []
  let received = 0
  for await (const chunk of payload) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk as Buffer
    received += bytes.length
    if (received > drainCap) break
    if (received <= limit) chunks.push(bytes)
  }
  if (received > limit) throw new AppError('PAYLOAD_TOO_LARGE', { maxBytes: limit })
  return Buffer.concat(chunks, received)
}
