/**
 * The district's side of `/sohoa/restore/1.0.0`: take the archive back from the province after a loss. Every
 * entry is checked here as the province checked it (signature, chain, signer: by the keys this node trusts, not the
 * ones the province names) and every file against its SHA-256
 * before it is applied; the local log is rebuilt byte for byte, so `sohoa verify` passes on the result. It resumes:
 * a restore cut halfway continues after the last entry applied, and partial files continue at their offset.
 */
import type { LogPosition, RestoreProgress, RestoreTarget } from './types.js'
import { fetchFiles } from './file-transfer.js'
import { BATCH_ENTRIES, decodeEntries, isPosition, PROTOCOL_VERSION } from './protocol.js'
import { ProtocolError, type Channel } from './wire.js'

export class RestoreRefusedError extends Error {
  constructor (readonly problem: string, readonly seq?: number) {
    super(seq === undefined ? problem : `entry ${seq}: ${problem}`)
    this.name = 'RestoreRefusedError'
  }
}

export function idleRestore (): RestoreProgress {
  return { state: 'idle', startedAt: null, finishedAt: null, entries: 0, totalEntries: 0, bytes: 0, error: null }
}

export async function pullArchive (ch: Channel, target: RestoreTarget, progress: RestoreProgress, opts: { onPayload?: (bytes: number) => void, trust?: string[] } = {}): Promise<LogPosition> {
  let head = await target.head()
  await ch.send({ t: 'restore', v: PROTOCOL_VERSION, after: head })
  const { header: answer } = await ch.expect<Record<string, any>>()
  if (answer.t === 'refused') throw new RestoreRefusedError(String(answer.problem))
  if (answer.t !== 'restore-head' || !isPosition(answer.head)) throw new ProtocolError(`expected restore-head, got ${String(answer.t)}`)
  const target_: LogPosition = answer.head
  progress.totalEntries = target_.seq
  progress.entries = head.seq
  while (head.seq < target_.seq) {
    await ch.send({ t: 'get-entries', from: head.seq + 1, limit: BATCH_ENTRIES })
    const { header, payload } = await ch.expect<Record<string, any>>()
    if (header.t !== 'entries') throw new ProtocolError(`expected entries, got ${String(header.t)}`)
    const entries = decodeEntries(header, payload)
    if (entries.length === 0 || entries[0].seq !== head.seq + 1) throw new ProtocolError('the province sent entries out of order')
    // The keys come from this node and its admin, never from the province's answer.
    const checked = await target.check(head, entries, opts.trust ?? [])
    if (checked.failure) throw new RestoreRefusedError(checked.failure.problem, checked.failure.seq)
    const fetched = await fetchFiles(ch, target.files, checked.files, {
      onPayload: (n) => { progress.bytes += n; opts.onPayload?.(n) }
    })
    await target.files.flush()
    if (fetched.paused) throw new ProtocolError('the province paused the restore')
    const bad = checked.files.find(f => fetched.mismatched.has(f.sha256) || fetched.missing.has(f.sha256))
    if (bad) {
      throw new RestoreRefusedError(fetched.missing.has(bad.sha256) ? `file ${bad.sha256} is not held by the province` : `file ${bad.sha256} does not match its SHA-256`, bad.seq)
    }
    head = await target.apply(checked.accepted)
    progress.entries = head.seq
  }
  if (head.hash !== target_.hash) throw new RestoreRefusedError('the restored log does not end where the province\'s copy ends', head.seq)
  await ch.send({ t: 'bye' })
  return head
}
