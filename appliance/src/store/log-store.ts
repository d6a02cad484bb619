/**
 * The archive log's entries and their small indexes, in two sublevels. Only this file knows their keys.
 *
 * - `log`      `<seq, 12 digits>`               → the envelope as a JSON string (its UTF-8 bytes are the signed envelope)
 * - `logindex` `r!<recordId>!<seq, 12 digits>`  → seq: the entries that name a record (`forRecord`)
 *              `s!<seq, 12 digits>`             → recordId: the record an entry names, kept apart from the entry so a
 *                                                 damaged entry can still be traced to its record
 *              `k!<peerId>`                     → LogSigner: a key allowed to sign this log from `since` on
 *
 * Entries are read as raw text (not through the JSON value encoding): a stored value damaged on disk must come back
 * as bytes the verifier can refuse, not as an exception that stops the walk.
 */
import type { LogSigner } from './types.js'

/** What this class needs of a sublevel; `db.sublevel<string, any>(name, { valueEncoding: 'json' })` fits. */
export interface LogSublevel {
  get: (key: string, options?: { valueEncoding?: string }) => Promise<any>
  getMany: (keys: string[], options?: { valueEncoding?: string }) => Promise<any[]>
  iterator: (options: { gt?: string, gte?: string, lt?: string, lte?: string, reverse?: boolean, limit?: number, valueEncoding?: string }) => {
    nextv: (size: number) => Promise<Array<[string, any]>>
    close: () => Promise<void>
  }
  values: (options: { gt?: string, gte?: string, lt?: string, lte?: string, limit?: number }) => AsyncIterable<any>
}

/** One stored entry: its key's sequence number and the envelope bytes as stored (damaged or not). */
export interface LogRow {
  seq: number
  envelope: Uint8Array
}

/** A write for `Tx` (the store's transaction knows sublevels by name, this file knows the keys). */
export interface LogWrite {
  sublevel: 'log' | 'logindex'
  key: string
  value: unknown
}

export const SEQ_DIGITS = 12
const seqKey = (seq: number): string => String(seq).padStart(SEQ_DIGITS, '0')
const RAW = { valueEncoding: 'utf8' } as const

/** The writes that store one entry (`envelope` = the envelope bytes decoded as UTF-8) and its index keys. */
export function logEntryWrites (entry: { seq: number, envelope: string, recordId?: string }): LogWrite[] {
  const key = seqKey(entry.seq)
  const writes: LogWrite[] = [{ sublevel: 'log', key, value: entry.envelope }]
  if (entry.recordId !== undefined) {
    writes.push({ sublevel: 'logindex', key: `r!${entry.recordId}!${key}`, value: entry.seq })
    writes.push({ sublevel: 'logindex', key: `s!${key}`, value: entry.recordId })
  }
  return writes
}

export function logSignerWrite (signer: LogSigner): LogWrite {
  return { sublevel: 'logindex', key: `k!${signer.peerId}`, value: signer }
}

/** A stored value back to envelope bytes: a JSON string gives its UTF-8 bytes; anything else (damage) its raw text. */
function envelopeOf (raw: string): Uint8Array {
  try {
    const value = JSON.parse(raw)
    if (typeof value === 'string') return new Uint8Array(Buffer.from(value, 'utf8'))
  } catch {}
  return new Uint8Array(Buffer.from(raw, 'utf8'))
}

function rowOf ([key, raw]: [string, string]): LogRow {
  return { seq: Number(key), envelope: envelopeOf(raw) }
}

export class LogStore {
  constructor (private readonly entries: LogSublevel, private readonly index: LogSublevel) {}

  /** The last stored entry (the head), if any. */
  async last (): Promise<LogRow | undefined> {
    const it = this.entries.iterator({ reverse: true, limit: 1, ...RAW })
    try {
      const [first] = await it.nextv(1)
      return first ? rowOf(first) : undefined
    } finally {
      await it.close()
    }
  }

  async get (seq: number): Promise<LogRow | undefined> {
    const raw = await this.entries.get(seqKey(seq), RAW) as string | undefined
    return raw === undefined ? undefined : { seq, envelope: envelopeOf(raw) }
  }

  /** Up to `limit` entries from `from` (inclusive), in order. */
  async range (from: number, limit: number): Promise<LogRow[]> {
    if (limit <= 0) return []
    const it = this.entries.iterator({ gte: seqKey(Math.max(1, from)), limit, ...RAW })
    try {
      // nextv may answer fewer than asked before the end (LevelDB reads about 16 KB per call): ask until done.
      const out: LogRow[] = []
      while (out.length < limit) {
        const batch = await it.nextv(limit - out.length)
        if (batch.length === 0) break
        for (const entry of batch) out.push(rowOf(entry))
      }
      return out
    } finally {
      await it.close()
    }
  }

  /** Every entry in order, `size` per call of `fn` (whole-log passes: verification). */
  async scan (fn: (rows: LogRow[]) => Promise<void> | void, size = 256): Promise<void> {
    const it = this.entries.iterator({ ...RAW })
    try {
      for (let batch = await it.nextv(size); batch.length > 0; batch = await it.nextv(size)) await fn(batch.map(rowOf))
    } finally {
      await it.close()
    }
  }

  /** Sequence numbers of the entries naming a record, oldest first. */
  async seqsOf (recordId: string): Promise<number[]> {
    const out: number[] = []
    for await (const seq of this.index.values({ gt: `r!${recordId}!`, lt: `r!${recordId}!~` })) out.push(Number(seq))
    return out
  }

  /** The record each entry names according to the index (undefined: none, or the index lost it). */
  async recordsOf (seqs: number[]): Promise<Array<string | undefined>> {
    if (seqs.length === 0) return []
    const values = await this.index.getMany(seqs.map(s => `s!${seqKey(s)}`), RAW) as Array<string | undefined>
    return values.map(v => {
      if (v === undefined) return undefined
      try {
        const id = JSON.parse(v)
        return typeof id === 'string' ? id : undefined
      } catch {
        return undefined
      }
    })
  }

  async signer (peerId: string): Promise<LogSigner | undefined> {
    return await this.index.get(`k!${peerId}`) ?? undefined
  }

  async signers (): Promise<LogSigner[]> {
    const out: LogSigner[] = []
    for await (const s of this.index.values({ gt: 'k!', lt: 'k!~' })) out.push(s as LogSigner)
    return out
  }
}
