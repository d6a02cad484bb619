/**
 * Moving files by SHA-256 in chunks with offsets, both directions (district → province, and province → district
 * for restore). The receiver says where each file stands (`want {sha256, offset, size}`); the sender streams
 * chunks from there, through the token bucket, and ends with `sent`. A cut link loses at most the chunks in
 * flight: the receiver's partial file keeps what arrived, and the next `want` starts after it.
 */
import type { FileReceiver, FileSource } from './types.js'
import { chunkSizeFor, isSha256, WANT_FILES, type WantedFile } from './protocol.js'
import type { TokenBucket } from './token-bucket.js'
import { frameSize, ProtocolError, type Channel } from './wire.js'

export interface SendOptions {
  bucket: TokenBucket
  /** Checked before every chunk: false finishes the current chunk and stops (the window closed, or stopping). */
  shouldContinue: () => boolean
  /** File payload bytes sent (for progress). */
  onPayload?: (bytes: number) => void
  /** Whether the receiver may have this file at all; a file it may not have is answered as one this node lacks. */
  may?: (sha256: string) => boolean
}

/** Streams the wanted files; 'paused' when shouldContinue said stop (the caller says bye). */
export async function sendFiles (ch: Channel, source: FileSource, wants: WantedFile[], opts: SendOptions): Promise<'sent' | 'paused'> {
  const chunk = chunkSizeFor(opts.bucket.rate)
  // Files are looked up and their first chunk read a few files ahead: with many small files, the disk's latency,
  // not the link, would otherwise set the pace (at most READ_AHEAD chunks are held).
  const prepare = (want: WantedFile): Promise<{ size: number | null, first: Promise<Uint8Array> | null }> => (async () => {
    const size = opts.may && !opts.may(want.sha256) ? null : await source.fileSize(want.sha256)
    if (size === null || size !== want.size) return { size: null, first: null }
    const first = want.offset < size ? source.readFile(want.sha256, want.offset, Math.min(chunk, size - want.offset)) : null
    first?.catch(() => {})
    return { size, first }
  })()
  const ahead: Array<ReturnType<typeof prepare>> = []
  for (let i = 0; i < Math.min(READ_AHEAD, wants.length); i++) ahead.push(prepare(wants[i]))
  for (const [i, want] of wants.entries()) {
    const prepared = await ahead.shift()!
    if (i + READ_AHEAD < wants.length) { const p = prepare(wants[i + READ_AHEAD]); p.catch(() => {}); ahead.push(p) }
    const size = prepared.size
    if (size === null) {
      // No size in the answer: it would tell the asker about a file it named by hash alone.
      await ch.send({ t: 'missing', sha256: want.sha256 })
      continue
    }
    let offset = want.offset
    let next = prepared.first
    while (next !== null) {
      if (!opts.shouldContinue()) return 'paused'
      const bytes = await next
      const at = offset
      offset += bytes.byteLength
      // Read the next chunk from disk while this one goes out.
      next = offset < size ? source.readFile(want.sha256, offset, Math.min(chunk, size - offset)) : null
      const header = { t: 'chunk', sha256: want.sha256, offset: at }
      await opts.bucket.take(frameSize(header, bytes.byteLength))
      await ch.send(header, bytes)
      opts.onPayload?.(bytes.byteLength)
    }
  }
  await ch.send({ t: 'sent' })
  return 'sent'
}

const MAX_FINISHING = 16
const READ_AHEAD = 16

export interface ReceiveResult {
  /** Files now whole and verified in the store. */
  complete: Set<string>
  /** Files whose bytes, once whole, did not hash to their name. */
  mismatched: Set<string>
  /** Files the sender does not hold. */
  missing: Set<string>
  /** The sender stopped early (`bye {paused}`); the stream ends after it. */
  paused: boolean
  payloadBytes: number
}

/**
 * Takes chunks for `wants` until the sender's `sent` (or `bye`). Chunks that are not at a wanted file's current
 * offset are replays or come after a gap: they are dropped, and the next `want` asks again from the right offset.
 */
export async function receiveFiles (ch: Channel, receiver: FileReceiver, wants: WantedFile[], opts: { onPayload?: (bytes: number) => void } = {}): Promise<ReceiveResult> {
  const open = new Map(wants.map(w => [w.sha256, { ...w }]))
  const result: ReceiveResult = { complete: new Set(), mismatched: new Set(), missing: new Set(), paused: false, payloadBytes: 0 }
  const finisher = new Finisher(receiver, result)
  try {
    for (;;) {
      const { header, payload } = await ch.expect<Record<string, any>>()
      if (header.t === 'sent') return await finisher.settle()
      if (header.t === 'bye') { result.paused = true; return await finisher.settle() }
      if (header.t === 'missing') {
        if (isSha256(header.sha256) && open.delete(header.sha256)) result.missing.add(header.sha256)
        continue
      }
      if (header.t !== 'chunk') throw new ProtocolError(`unexpected ${String(header.t)} during a file transfer`)
      const want = isSha256(header.sha256) ? open.get(header.sha256) : undefined
      const offset = header.offset
      if (want === undefined || !Number.isSafeInteger(offset) || offset > want.offset || offset + payload.byteLength <= want.offset) continue
      const fresh = payload.subarray(want.offset - offset)
      if (want.offset === 0 && fresh.byteLength === want.size && receiver.put) {
        // A whole file in one chunk (most pages): checked and written concurrently with the next ones.
        open.delete(want.sha256)
        result.payloadBytes += fresh.byteLength
        opts.onPayload?.(fresh.byteLength)
        await finisher.put(want.sha256, fresh)
        continue
      }
      if (want.offset + fresh.byteLength > want.size) {
        // More bytes than the log says the file has: it cannot be the file the entry vouches for.
        open.delete(want.sha256)
        await receiver.discard(want.sha256)
        result.mismatched.add(want.sha256)
        continue
      }
      want.offset = await receiver.append(want.sha256, want.offset, fresh)
      result.payloadBytes += fresh.byteLength
      opts.onPayload?.(fresh.byteLength)
      if (want.offset === want.size) {
        open.delete(want.sha256)
        await finisher.start(want.sha256, want.size)
      }
    }
  } finally {
    await finisher.drain()
  }
}

/**
 * Whole files are hashed, fsynced and moved into the store while the next ones arrive: with many small files the
 * fsyncs, not the network, set the pace, and concurrent fsyncs share the file system's journal commits.
 */
class Finisher {
  private readonly running = new Set<Promise<void>>()
  private failure: unknown = null

  constructor (private readonly receiver: FileReceiver, private readonly result: ReceiveResult) {}

  async start (sha256: string, size: number): Promise<void> {
    const job: Promise<void> = this.finish(sha256, size).finally(() => this.running.delete(job))
    this.running.add(job)
    if (this.running.size >= MAX_FINISHING) await Promise.race(this.running)
  }

  async put (sha256: string, bytes: Uint8Array): Promise<void> {
    const job: Promise<void> = (async () => {
      try {
        if (await this.receiver.put!(sha256, bytes)) this.result.complete.add(sha256)
        else this.result.mismatched.add(sha256)
      } catch (err) {
        this.failure ??= err
      }
    })().finally(() => this.running.delete(job))
    this.running.add(job)
    if (this.running.size >= MAX_FINISHING) await Promise.race(this.running)
  }

  async settle (): Promise<ReceiveResult> {
    await this.drain()
    if (this.failure !== null) throw this.failure
    return this.result
  }

  async drain (): Promise<void> {
    await Promise.all(this.running)
  }

  private async finish (sha256: string, size: number): Promise<void> {
    try {
      if (await this.receiver.complete(sha256, size)) this.result.complete.add(sha256)
      else this.result.mismatched.add(sha256)
    } catch (err) {
      this.failure ??= err
    }
  }
}

export interface FetchOptions {
  onPayload?: (bytes: number) => void
  /** Told what is asked of the sender each round (files and the offsets they resume at). */
  onWant?: (wants: WantedFile[]) => void
  maxRounds?: number
}

/**
 * Runs want → receive rounds until every file is whole, missing or definitely mismatched. A mismatch of a file
 * that resumed a partial from an earlier session may come from that partial (a power cut mid-write), so it is
 * fetched once more from zero before it counts as a mismatch.
 */
export async function fetchFiles (ch: Channel, receiver: FileReceiver, files: Array<{ sha256: string, size: number }>, opts: FetchOptions = {}): Promise<ReceiveResult> {
  const total: ReceiveResult = { complete: new Set(), mismatched: new Set(), missing: new Set(), paused: false, payloadBytes: 0 }
  const resumed = new Set<string>()
  const pending = new Map<string, number>()
  for (const f of files) {
    if (pending.has(f.sha256) || await receiver.has(f.sha256)) continue
    pending.set(f.sha256, f.size)
  }
  const owner = {}
  const reserved = new Set<string>()
  try {
    return await rounds(ch, receiver, pending, resumed, reserved, owner, total, opts)
  } finally {
    for (const sha of reserved) receiver.release(sha, owner)
  }
}

async function rounds (ch: Channel, receiver: FileReceiver, pending: Map<string, number>, resumed: Set<string>, reserved: Set<string>, owner: object, total: ReceiveResult, opts: FetchOptions): Promise<ReceiveResult> {
  let rounds = 0
  const seen = new Set<string>()
  let waitedSince = 0
  while (pending.size > 0) {
    // A file another session is receiving right now: wait for it rather than write the same partial twice.
    const mine = [...pending.keys()].filter(sha => reserved.has(sha) || (receiver.reserve(sha, owner) && reserved.add(sha)))
    if (mine.length === 0) {
      waitedSince ||= Date.now()
      if (Date.now() - waitedSince > 30_000) throw new ProtocolError('another session holds these files; try again later')
      await new Promise(resolve => setTimeout(resolve, 200))
      for (const sha of [...pending.keys()]) if (await receiver.has(sha)) { pending.delete(sha); total.complete.add(sha) }
      continue
    }
    if (++rounds > (opts.maxRounds ?? 8)) throw new ProtocolError('file transfer makes no progress')
    const wants: WantedFile[] = []
    for (const sha256 of mine) {
      const size = pending.get(sha256)!
      if (await receiver.has(sha256)) { pending.delete(sha256); total.complete.add(sha256); continue }
      let offset = await receiver.partialSize(sha256)
      if (offset > size) { await receiver.discard(sha256); offset = 0 }
      if (offset > 0 && !seen.has(sha256)) resumed.add(sha256)
      seen.add(sha256)
      wants.push({ sha256, offset, size })
    }
    // A partial that is already whole (cut right before it was hashed) needs no bytes.
    for (const w of wants.filter(w => w.offset === w.size)) {
      pending.delete(w.sha256)
      if (await receiver.complete(w.sha256, w.size)) total.complete.add(w.sha256)
      else {
        await receiver.discard(w.sha256)
        if (resumed.has(w.sha256)) { resumed.delete(w.sha256); pending.set(w.sha256, w.size) } else total.mismatched.add(w.sha256)
      }
    }
    waitedSince = 0
    const asked = wants.filter(w => w.offset < w.size)
    if (asked.length === 0) continue
    // The list travels in a frame header: a large batch asks in slices, each answered before the next.
    for (let i = 0; i < asked.length; i += WANT_FILES) {
      const slice = asked.slice(i, i + WANT_FILES)
      opts.onWant?.(slice)
      await ch.send({ t: 'want', files: slice })
      const r = await receiveFiles(ch, receiver, slice, opts)
      total.payloadBytes += r.payloadBytes
      for (const sha of r.complete) { pending.delete(sha); total.complete.add(sha) }
      for (const sha of r.missing) { pending.delete(sha); total.missing.add(sha) }
      for (const sha of r.mismatched) {
        await receiver.discard(sha)
        if (resumed.has(sha)) { resumed.delete(sha); continue }
        pending.delete(sha)
        total.mismatched.add(sha)
      }
      if (r.paused) { total.paused = true; return total }
    }
  }
  return total
}
