/**
 * What happens to archived records over the years: validity changes (revoke, replace, and the daily sweep that
 * marks expired ones) and lawful deletion once retention is over. Each is an explicit act with a reason that enters
 * the signed log in the same atomic write as the record's change.
 */
import { rm } from 'node:fs/promises'
import { AppError } from '../errors/index.js'
import { retentionEnds } from '../records/retention.js'
import type { RecordLifecycle } from '../records/index.js'
import { newId, type RecordEntry, type Store, type Tx } from '../store/index.js'
import type { ArchiveLog } from './log/index.js'

export type ValidityAction = 'revoke' | 'replace' | 'expire'

export class ArchiveLifecycle {
  constructor (private readonly store: Store, private readonly lifecycle: RecordLifecycle, private readonly log: ArchiveLog) {}

  async changeValidity (recordId: string, change: { action: ValidityAction, reason: string, replacedBy?: string }, by: string): Promise<RecordEntry> {
    if (!change.reason?.trim()) throw new AppError('VALIDATION', { field: 'reason' })
    return await this.lifecycle.setValidity(recordId, change, by, async (tx, record) => {
      await this.log.append({
        type: 'record.validity',
        recordId,
        unit: record.unit,
        data: { validity: record.validity, by }
      }, (logTx: Tx) => { logTx.include(tx) })
    })
  }

  /** Marks archived records whose validUntil has passed (today in Vietnam) as expired. */
  async sweepExpired (today = vietnamToday()): Promise<{ expired: number }> {
    let expired = 0
    for await (const record of this.store.listRecords()) {
      const until = record.fields?.validUntil?.value
      if (record.status !== 'archived' || record.deleted || (record.validity?.state ?? 'valid') !== 'valid' || !until || until >= today) continue
      await this.changeValidity(record.id, { action: 'expire', reason: `validUntil ${until}` }, 'system')
      expired++
    }
    return { expired }
  }

  /**
   * Deletes an archived record whose retention is over: its OCR text, its search entry and the files no other
   * record uses go; a tombstone stays in the record and in the log.
   */
  async delete (recordId: string, reason: string, by: string, today = vietnamToday()): Promise<RecordEntry> {
    if (!reason?.trim()) throw new AppError('VALIDATION', { field: 'reason' })
    const record = await this.store.getRecord(recordId)
    if (!record || record.deleted) throw new AppError('RECORD_NOT_FOUND', { recordId })
    if (record.status !== 'archived') throw new AppError('RECORD_STATE', { recordId, status: record.status })
    const ends = retentionEnds(record)
    if (ends === null || ends > today) throw new AppError('RETENTION_NOT_OVER', { recordId, retention: record.retention ?? 'permanent', ends })
    const files = new Set<string>([record.pdf?.sha256, record.textSha256, record.sourceSha256].filter((s): s is string => !!s))
    for (const p of await this.store.getPages(record.pageIds)) {
      files.add(p.sha256)
      if (p.thumbnailSha256) files.add(p.thumbnailSha256)
      if (p.previewSha256) files.add(p.previewSha256)
    }
    const deleted = await this.lifecycle.change(recordId, async (current, tx) => {
      const now = new Date().toISOString()
      for (const pageId of current.pageIds) tx.delPageText(pageId)
      tx.putVersion({ recordId, version: (current.version ?? 0) + 1, at: now, by, action: 'delete', changes: { deleted: { from: null, to: reason } } })
        .putEvent({ id: newId('e'), recordId, type: 'deletion', at: now, agent: by, outcome: 'success', detail: 'retention over' })
      return { ...current, deleted: { at: now, by, reason }, version: (current.version ?? 0) + 1, updatedAt: now }
    }, async (tx, next) => {
      await this.log.append({ type: 'record.deleted', recordId, unit: next.unit, data: { reason, by, retention: next.retention ?? null, retentionEnded: ends } }, (logTx: Tx) => { logTx.include(tx) })
    })
    // After the tombstone is durable: a file still used by any other live record stays.
    for await (const other of this.store.listPages()) if (other.recordId !== recordId) { files.delete(other.sha256); if (other.thumbnailSha256) files.delete(other.thumbnailSha256); if (other.previewSha256) files.delete(other.previewSha256) }
    for await (const r of this.store.listRecords()) if (r.id !== recordId && !r.deleted) { files.delete(r.pdf?.sha256 ?? ''); files.delete(r.textSha256 ?? ''); files.delete(r.sourceSha256) }
    for (const sha of files) await rm(this.store.files.path(sha), { force: true })
    return deleted
  }
}

export function vietnamToday (now = Date.now()): string {
  return new Date(now + 7 * 3600_000).toISOString().slice(0, 10)
}
