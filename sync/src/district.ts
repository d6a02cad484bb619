/**
 * The district's side of `/sohoa/sync/1.0.0`: offer the log from the position the province acknowledged, send the
 * files it asks for, move the acknowledged position only on the province's word. One call is one session over one
 * stream; the service decides when sessions run.
 */
import { createHash } from 'node:crypto'
import type { DistrictSyncState, EntryFailure, LogPosition, ReplicaSource, RunResult, SharedTable } from './types.js'
import { GENESIS } from './types.js'
import { sendFiles } from './file-transfer.js'
import { BATCH_BYTES, BATCH_ENTRIES, checkWanted, LEGACY_BATCH_ENTRIES, encodeEntries, isPosition, PROTOCOL_VERSION, type Hello } from './protocol.js'
import type { TokenBucket } from './token-bucket.js'
import { frameSize, ProtocolError, type Channel } from './wire.js'

export interface DistrictSessionOptions {
  bucket: TokenBucket
  shouldContinue: () => boolean
  onPayload?: (bytes: number) => void
  /** Called whenever the acknowledged position moves (to persist it and update status). */
  onAck?: (acked: LogPosition) => Promise<void> | void
}

export function emptyState (): DistrictSyncState {
  return { acked: GENESIS, lastSuccess: null, lastAttempt: null, lastError: null, lastContact: null, refused: null, bytesSent: 0 }
}

/** Refusal by the province: an entry or file failed its checks there. */
export class RefusedError extends Error {
  constructor (readonly failure: EntryFailure) {
    super(`the province refused entry ${failure.seq}: ${failure.problem}`)
    this.name = 'RefusedError'
  }
}

export async function replicate (ch: Channel, source: ReplicaSource, opts: DistrictSessionOptions): Promise<RunResult> {
  const state = (await source.loadState()) ?? emptyState()
  const head = await source.head()
  const behind = await source.pending(state.acked.seq)
  const hello: Hello = { t: 'hello', v: PROTOCOL_VERSION, head: head.seq, behind, shared: await source.sharedVersions() }
  await ch.send(hello as unknown as Record<string, unknown> & { t: string })
  const { header: welcome, payload } = await ch.expect<Record<string, any>>()
  if (welcome.t === 'refused') throw new ProtocolError(`the province refused the session: ${String(welcome.problem)}`)
  if (welcome.t !== 'welcome' || !isPosition(welcome.acked)) throw new ProtocolError(`expected welcome, got ${String(welcome.t)}`)
  if (welcome.tables > 0 && payload.byteLength > 0) await source.applyShared(parseTables(payload))
  if (welcome.halted) throw new RefusedError({ seq: welcome.halted.seq, problem: welcome.halted.problem })

  let acked: LogPosition = welcome.acked
  const batchEntries = Math.min(BATCH_ENTRIES, Number.isSafeInteger(welcome.batchEntries) && welcome.batchEntries > 0 ? welcome.batchEntries : LEGACY_BATCH_ENTRIES)
  await checkSameHistory(source, acked, head)
  await opts.onAck?.(acked)
  let entriesSent = 0
  let bytes = 0
  const onPayload = (n: number): void => { bytes += n; opts.onPayload?.(n) }

  for (;;) {
    if (!opts.shouldContinue()) {
      await ch.send({ t: 'bye', head: head.seq, paused: true })
      return { ok: true, paused: true, entries: entriesSent, bytes, acked: acked.seq, head: head.seq }
    }
    const batch = await nextBatch(source, acked.seq + 1, batchEntries)
    if (batch.length === 0) {
      await ch.send({ t: 'bye', head: (await source.head()).seq })
      return { ok: true, entries: entriesSent, bytes, acked: acked.seq, head: (await source.head()).seq }
    }
    const { header, payload: envelopes } = encodeEntries(batch)
    await opts.bucket.take(frameSize(header as unknown as Record<string, unknown> & { t: string }, envelopes.byteLength))
    await ch.send(header as unknown as Record<string, unknown> & { t: string }, envelopes)
    for (;;) {
      const { header: reply } = await ch.expect<Record<string, any>>()
      if (reply.t === 'want') {
        const sent = await sendFiles(ch, source, checkWanted(reply.files), { bucket: opts.bucket, shouldContinue: opts.shouldContinue, onPayload })
        if (sent === 'paused') {
          await ch.send({ t: 'bye', head: head.seq, paused: true })
          return { ok: true, paused: true, entries: entriesSent, bytes, acked: acked.seq, head: head.seq }
        }
        continue
      }
      if (reply.t === 'ack') {
        if (!isPosition(reply)) throw new ProtocolError('ack without a position')
        // A replayed or late ack never moves the position backwards.
        if (reply.seq > acked.seq) {
          entriesSent += reply.seq - acked.seq
          acked = { seq: reply.seq, hash: reply.hash }
          await opts.onAck?.(acked)
        }
        if (reply.refuse) throw new RefusedError({ seq: Number(reply.refuse.seq), problem: String(reply.refuse.problem) })
        break
      }
      if (reply.t === 'resync' && isPosition(reply.acked)) {
        acked = reply.acked
        await checkSameHistory(source, acked, await source.head())
        await opts.onAck?.(acked)
        break
      }
      throw new ProtocolError(`unexpected ${String(reply.t)} from the province`)
    }
  }
}

async function nextBatch (source: ReplicaSource, from: number, limit: number): Promise<Array<{ seq: number, envelope: Uint8Array }>> {
  const entries = await source.entries(from, limit)
  const out = []
  let bytes = 0
  for (const e of entries) {
    if (out.length > 0 && bytes + e.envelope.byteLength > BATCH_BYTES) break
    out.push(e)
    bytes += e.envelope.byteLength
  }
  return out
}

/** The province's acknowledged entry must be ours: otherwise this log is not the one the province holds. */
async function checkSameHistory (source: ReplicaSource, acked: LogPosition, head: LogPosition): Promise<void> {
  if (acked.seq === 0) return
  if (acked.seq > head.seq) throw new ProtocolError(`the province holds ${acked.seq} entries of this node, which has ${head.seq}: restore from the province first (sohoa restore --from-province)`)
  const [mine] = await source.entries(acked.seq, 1)
  if (!mine || createHash('sha256').update(mine.envelope).digest('hex') !== acked.hash) {
    throw new ProtocolError(`entry ${acked.seq} differs from the one the province acknowledged`)
  }
}

function parseTables (payload: Buffer): SharedTable[] {
  const parsed: unknown = JSON.parse(payload.toString('utf8'))
  if (!Array.isArray(parsed)) throw new ProtocolError('shared tables: not a list')
  return parsed.filter((t): t is SharedTable => typeof t?.name === 'string' && Number.isFinite(t?.version))
}
