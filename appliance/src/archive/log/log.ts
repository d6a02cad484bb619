/**
 * The archive log: append-only, hash-chained, signed by the node key. Every change the archive vouches for (a
 * record archived with its files, a validity change, a lawful deletion, a fixity check…) is one entry, written in
 * the SAME synced LevelDB batch as the change itself, so the log and the records never disagree after a crash.
 *
 * Appends are serialised by a store lock, and the head is read from LevelDB inside it (not cached): two ArchiveLog
 * objects on one store still build one linear chain. An append refuses to chain onto a head entry that does not
 * verify: building on damaged bytes would bury the damage under valid signatures.
 */
import { AppError } from '../../errors/index.js'
import type { LogRow, LogSigner, Store, Tx } from '../../store/index.js'
import { bodyProblem, decodeEnvelope, entryHash, signEnvelope, verifyEnvelope, ZERO_HASH, type LogEntry, type LogEntryBody, type LogFileRef } from './envelope.js'
import type { NodeKey } from './node-key.js'

export interface LogAppendInput {
  type: string
  recordId?: string
  unit?: string
  files?: LogFileRef[]
  data: Record<string, unknown>
}

export interface LogHead {
  /** 0 for an empty log. */
  seq: number
  /** Hex SHA-256 of the head entry's envelope; 64 × '0' for an empty log. */
  hash: string
}

/** Adds the caller's own writes to the transaction that stores the entry (one atomic, synced batch). */
export type ExtraWrites = (tx: Tx) => void

const MAX_PAGE = 10_000

export class ArchiveLog {
  private readonly listeners = new Set<() => void>()
  private constructor (private readonly store: Store, readonly key: NodeKey) {}

  /** Called after every committed append (the outbox looks at the log now instead of at its next poll). */
  onAppend (fn: () => void): void { this.listeners.add(fn) }

  /** Opens the node's log; the node key becomes one of its signers (from the next entry on) if it is not yet. */
  static async open (store: Store, key: NodeKey): Promise<ArchiveLog> {
    const archiveLog = new ArchiveLog(store, key)
    await store.lockArchiveLog(async () => {
      if (await store.archiveLog.signer(key.peerId)) return
      const head = await archiveLog.readHead()
      await store.tx().putLogSigner({ peerId: key.peerId, since: head.seq + 1, addedAt: new Date().toISOString() }).commit()
    })
    return archiveLog
  }

  get peerId (): string { return this.key.peerId }

  async head (): Promise<LogHead> {
    return await this.readHead()
  }

  private async readHead (): Promise<LogHead> {
    const last = await this.store.archiveLog.last()
    return last ? { seq: last.seq, hash: entryHash(last.envelope) } : { seq: 0, hash: ZERO_HASH }
  }

  /** The head, after checking that its entry is intact (an append never chains onto damaged bytes). */
  private async checkedHead (): Promise<LogHead> {
    const last = await this.store.archiveLog.last()
    if (!last) return { seq: 0, hash: ZERO_HASH }
    const signer = signerOf(last)
    verifyEnvelope(last.envelope, { expectedSeq: last.seq, peerId: signer })
    return { seq: last.seq, hash: entryHash(last.envelope) }
  }

  /**
   * Signs and stores the next entry. `extra` adds the caller's writes (the record's change) to the same
   * transaction, committed synced: the entry and the change exist together or not at all.
   */
  async append (input: LogAppendInput, extra?: ExtraWrites): Promise<LogEntry> {
    return await this.store.lockArchiveLog(async () => {
      const head = await this.checkedHead()
      const body: LogEntryBody = {
        v: 1,
        seq: head.seq + 1,
        prev: head.hash,
        at: new Date().toISOString(),
        node: this.key.peerId,
        type: input.type,
        ...(input.recordId !== undefined ? { recordId: input.recordId } : {}),
        ...(input.unit !== undefined ? { unit: input.unit } : {}),
        ...(input.files !== undefined ? { files: input.files.map(f => ({ sha256: f.sha256, size: f.size, role: f.role })) } : {}),
        data: input.data
      }
      const problem = bodyProblem(body)
      if (problem) throw new AppError('VALIDATION', { logEntry: problem })
      const signed = await signEnvelope(body, this.key)
      const tx = this.store.tx().putLogEntry({ seq: body.seq, envelope: signed.text, ...(body.recordId !== undefined ? { recordId: body.recordId } : {}) })
      extra?.(tx)
      await tx.commit()
      for (const fn of this.listeners) fn()
      // The stored body is the canonical one (undefined properties dropped): hand out what a reader will decode.
      return { seq: body.seq, hash: signed.hash, body: decodeEnvelope(signed.envelope).body, envelope: signed.envelope }
    })
  }

  /**
   * Stores an entry signed elsewhere, byte for byte: this node's own log coming back from the province (restore).
   * It must follow the head exactly and carry a valid signature of the node it names; whether that node may sign
   * this log is the caller's decision (restore checks its allowed signers first). Its signer is remembered.
   */
  async importEntry (envelope: Uint8Array, extra?: ExtraWrites): Promise<LogEntry> {
    return await this.store.lockArchiveLog(async () => {
      const head = await this.checkedHead()
      const decoded = decodeEnvelope(envelope)
      const body = verifyEnvelope(envelope, { expectedSeq: head.seq + 1, prevHash: head.hash, peerId: decoded.body.node })
      const text = Buffer.from(envelope).toString('utf8')
      const tx = this.store.tx().putLogEntry({ seq: body.seq, envelope: text, ...(body.recordId !== undefined ? { recordId: body.recordId } : {}) })
      const known = await this.store.archiveLog.signer(body.node)
      if (!known || known.since > body.seq) tx.putLogSigner({ peerId: body.node, since: body.seq, addedAt: new Date().toISOString() })
      extra?.(tx)
      await tx.commit()
      return { seq: body.seq, hash: decoded.hash, body, envelope: new Uint8Array(envelope) }
    })
  }

  /** One entry, decoded (throws LOG_ENTRY_INVALID `format` when its stored bytes are damaged). */
  async get (seq: number): Promise<LogEntry | undefined> {
    const row = await this.store.archiveLog.get(seq)
    return row ? entryOf(row) : undefined
  }

  /** Up to `limit` entries from `from` (inclusive) exactly as stored: what replication sends. */
  async entries (from: number, limit: number): Promise<Array<{ seq: number, envelope: Uint8Array }>> {
    return await this.store.archiveLog.range(from, Math.min(Math.max(0, Math.floor(limit)), MAX_PAGE))
  }

  /** The entries naming a record, oldest first. */
  async forRecord (recordId: string): Promise<LogEntry[]> {
    const out: LogEntry[] = []
    for (const seq of await this.store.archiveLog.seqsOf(recordId)) {
      const entry = await this.get(seq)
      if (entry) out.push(entry)
    }
    return out
  }

  /** The keys allowed to sign this log, each from its `since` on. */
  async signers (): Promise<LogSigner[]> {
    return await this.store.archiveLog.signers()
  }
}

function entryOf (row: LogRow): LogEntry {
  const decoded = decodeEnvelope(row.envelope)
  return { seq: row.seq, hash: decoded.hash, body: decoded.body, envelope: row.envelope }
}

function signerOf (row: LogRow): string {
  return decodeEnvelope(row.envelope).body.node
}
