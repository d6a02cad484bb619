/**
 * The two protocols of sohoa replication and their messages (headers of wire.ts frames).
 *
 * `/sohoa/sync/1.0.0`, opened by a district to its province:
 * ```
 * D hello {v, head, behind, shared}         P welcome {acked, halted, tables, batchEntries}  (+ payload: shared tables, JSON)
 * D entries {first, sizes} + envelopes      P want {files:[{sha256, offset, size}]} | ack {seq, hash, refuse?} | resync {acked}
 * D chunk {sha256, offset} + bytes …, sent  P want … | ack …
 * D bye {head, paused?}
 * ```
 * `/sohoa/restore/1.0.0`, opened by a district taking its archive back:
 * ```
 * D restore {v, after}                      P restore-head {head, entries, bytes} | refused {problem}
 * D get-entries {from, limit}               P entries {first, sizes} + envelopes
 * D want {files}                            P chunk … , sent
 * D bye
 * ```
 * Every message is idempotent on the receiving side: entries already held are skipped (a different entry at a held
 * position is a failure), chunks are taken only at the receiver's current offset of a wanted file, and an ack never
 * moves a position backwards.
 */
import type { EntryFailure, LogPosition, StoredEntry } from './types.js'
import { ProtocolError } from './wire.js'

export const SYNC_PROTOCOL = '/sohoa/sync/1.0.0'
export const RESTORE_PROTOCOL = '/sohoa/restore/1.0.0'
export const PROTOCOL_VERSION = 1

/**
 * Entries per batch, and the batch's byte bound (envelopes only; files move separately). Large batches share one
 * round trip, one grouped file sync and one LevelDB commit among many records. A province says in its welcome how
 * many it takes (`batchEntries`); one that does not say takes LEGACY_BATCH_ENTRIES (sohoa before 2026-12).
 */
export const BATCH_ENTRIES = 512
export const LEGACY_BATCH_ENTRIES = 64
export const BATCH_BYTES = 2 * 1024 * 1024
/** Files named in one `want` frame: its list travels in the frame's header (at most 64 KiB, ~110 bytes a file). */
export const WANT_FILES = 400
/** File bytes per chunk frame (smaller under a low cap, so the rate stays smooth). */
export const CHUNK_BYTES = 256 * 1024

export interface WantedFile { sha256: string, offset: number, size: number }

export interface Hello { t: 'hello', v: number, head: number, behind: { entries: number, bytes: number }, shared: Record<string, number> }
export interface Welcome { t: 'welcome', acked: LogPosition, halted: (EntryFailure & { at: string }) | null, tables: number, batchEntries?: number }
export interface EntriesHeader { t: 'entries', first: number, sizes: number[] }
export interface Want { t: 'want', files: WantedFile[] }
export interface Ack { t: 'ack', seq: number, hash: string, refuse?: EntryFailure }
export interface ChunkHeader { t: 'chunk', sha256: string, offset: number }

const SHA256 = /^[0-9a-f]{64}$/

export function chunkSizeFor (bandwidth: number): number {
  if (!(bandwidth > 0)) return CHUNK_BYTES
  return Math.max(16 * 1024, Math.min(CHUNK_BYTES, Math.floor(bandwidth / 8)))
}

/** Splits an entries frame's payload into envelopes numbered from `first`. */
export function decodeEntries (header: Record<string, unknown>, payload: Buffer): StoredEntry[] {
  const first = header.first
  const sizes = header.sizes
  if (!Number.isSafeInteger(first) || (first as number) < 1) throw new ProtocolError('entries: bad first')
  if (!Array.isArray(sizes) || sizes.length > BATCH_ENTRIES || !sizes.every(n => Number.isSafeInteger(n) && n > 0)) throw new ProtocolError('entries: bad sizes')
  const total = (sizes as number[]).reduce((a, b) => a + b, 0)
  if (total !== payload.byteLength) throw new ProtocolError('entries: sizes do not add up to the payload')
  const out: StoredEntry[] = []
  let at = 0
  for (let i = 0; i < sizes.length; i++) {
    const n = sizes[i] as number
    out.push({ seq: (first as number) + i, envelope: new Uint8Array(payload.subarray(at, at + n)) })
    at += n
  }
  return out
}

export function encodeEntries (entries: StoredEntry[]): { header: EntriesHeader, payload: Buffer } {
  return {
    header: { t: 'entries', first: entries[0].seq, sizes: entries.map(e => e.envelope.byteLength) },
    payload: Buffer.concat(entries.map(e => e.envelope))
  }
}

export function checkWanted (files: unknown): WantedFile[] {
  if (!Array.isArray(files) || files.length > WANT_FILES * 4) throw new ProtocolError('want: bad file list')
  return files.map((f: any) => {
    if (!SHA256.test(f?.sha256) || !Number.isSafeInteger(f?.offset) || f.offset < 0 || !Number.isSafeInteger(f?.size) || f.size < 0) throw new ProtocolError('want: bad file')
    return { sha256: f.sha256, offset: f.offset, size: f.size }
  })
}

export function isSha256 (value: unknown): value is string {
  return typeof value === 'string' && SHA256.test(value)
}

export function isPosition (value: any): value is LogPosition {
  return Number.isSafeInteger(value?.seq) && value.seq >= 0 && typeof value?.hash === 'string' && /^[0-9a-f]{64}$/.test(value.hash)
}
