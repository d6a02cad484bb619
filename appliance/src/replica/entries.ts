/**
 * Checking log entries that arrive from another node (a district's entries at the province; the province's copy
 * at a district being restored) exactly as the log checks its own: signature by an allowed key, sequence without
 * gaps, each entry chained to the previous envelope's hash. The first failure stops the batch there.
 */
import { createHash } from 'node:crypto'
import { decodeEnvelope, verifyEnvelope, type LogEntryBody } from '../archive/index.js'
import { isAppError } from '../errors/index.js'
import type { CheckedBatch, EntryFailure, LogPosition, StoredEntry } from '../../../sync/src/index.js'

export interface CheckContext {
  /** The position the first new entry must follow. */
  after: LogPosition
  /** Peer IDs allowed to have signed these entries, each with the last seq it may sign (Infinity: no limit). */
  signers: Map<string, number>
  /** Largest size a file reference may claim (a claim is what the receiver reserves room for). */
  maxFileBytes: number
  /**
   * Restore: an entry `node.key {peerId}` signed by a trusted key introduces that key (added to `signers`), so a
   * node can hand its log over to a new key without the province's word.
   */
  introductions?: boolean
  /** Hash of an entry already held at `seq` (entries at or before `after` are compared, not re-applied). */
  held?: (seq: number) => Promise<string | undefined>
  /** Extra checks of a verified body (e.g. the record's unit belongs to the district). */
  inspect?: (body: LogEntryBody) => Promise<string | null>
}

export const entryHash = (envelope: Uint8Array): string => createHash('sha256').update(envelope).digest('hex')

export async function checkEntries (ctx: CheckContext, entries: StoredEntry[]): Promise<CheckedBatch & { bodies: LogEntryBody[] }> {
  const accepted: StoredEntry[] = []
  const bodies: LogEntryBody[] = []
  const files: CheckedBatch['files'] = []
  let prev = ctx.after
  const fail = (seq: number, problem: string): CheckedBatch & { bodies: LogEntryBody[] } => ({ accepted, bodies, files, failure: { seq, problem } })
  for (const entry of entries) {
    if (entry.seq <= prev.seq) {
      const held = await ctx.held?.(entry.seq)
      if (held === undefined || held !== entryHash(entry.envelope)) return fail(entry.seq, 'differs from the entry already held at this position')
      continue
    }
    if (entry.seq !== prev.seq + 1) return fail(entry.seq, `expected entry ${prev.seq + 1}`)
    let body: LogEntryBody
    try {
      const signer = String(decodeEnvelope(entry.envelope).body?.node ?? '')
      const until = ctx.signers.get(signer)
      if (until === undefined) return fail(entry.seq, 'signed by a key that is not this district\'s')
      if (entry.seq > until) return fail(entry.seq, `signed by a key revoked after entry ${until}`)
      body = verifyEnvelope(entry.envelope, { expectedSeq: entry.seq, prevHash: prev.hash, peerId: signer })
    } catch (err) {
      return fail(entry.seq, problemOf(err))
    }
    const extra = await ctx.inspect?.(body)
    if (extra) return fail(entry.seq, extra)
    const hash = entryHash(entry.envelope)
    const refs: CheckedBatch['files'] = []
    for (const f of body.files ?? []) {
      if (!/^[0-9a-f]{64}$/.test(String(f.sha256)) || !Number.isSafeInteger(f.size) || f.size < 0) return fail(entry.seq, 'a file reference is malformed')
      if (f.size > ctx.maxFileBytes) return fail(entry.seq, `a file claims ${f.size} bytes, more than the ${ctx.maxFileBytes} a file may have`)
      refs.push({ sha256: f.sha256, size: f.size, seq: entry.seq })
    }
    files.push(...refs)
    if (ctx.introductions && body.type === 'node.key' && typeof body.data?.peerId === 'string' && !ctx.signers.has(body.data.peerId)) {
      ctx.signers.set(body.data.peerId, Infinity)
    }
    accepted.push(entry)
    bodies.push(body)
    prev = { seq: entry.seq, hash }
  }
  return { accepted, bodies, files }
}

function problemOf (err: unknown): string {
  if (isAppError(err)) {
    const problem = err.details?.problem
    const detail = err.details?.detail
    if (typeof problem !== 'string') return err.messageEn
    return typeof detail === 'string' ? `${problem}: ${detail}` : problem
  }
  return err instanceof Error ? err.message : String(err)
}

export type { EntryFailure }
