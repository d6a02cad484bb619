/**
 * What happens to archived records over the years: validity changes (revoke, replace, and the daily sweep that
 * marks expired ones) and lawful deletion once retention is over. Each is an explicit act with a reason that enters
 * the signed log in the same atomic write as the record's change.
 */
import { rm } from 'node:fs/promises'
import { AppError } from '../errors/index.js'
import { retentionEnds } from '../records/index.js'
import type { RecordLifecycle } from '../records/index.js'
import { newId, type RecordEntry, type RecordVersion, type Store, type Tx } from '../store/index.js'
import { FIELD_NAMES, type FieldName } from '../extract/index.js'
import type { SearchService } from '../search/index.js'
import type { ArchiveLog } from './log/index.js'

export type ValidityAction = 'revoke' | 'replace' | 'expire'

export class ArchiveLifecycle {
  constructor (
    private readonly store: Store,
    private readonly lifecycle: RecordLifecycle,
    private readonly archiveLog: ArchiveLog,
    /** The search module's public face: a deleted record leaves the index before the deletion answers. */
    private readonly search?: Pick<SearchService, 'removeDocument'>
  ) {}

  async changeValidity (recordId: string, change: { action: ValidityAction, reason: string, replacedBy?: string }, by: string): Promise<RecordEntry> {
    if (!change.reason?.trim()) throw new AppError('VALIDATION', { field: 'reason' })
    return await this.lifecycle.setValidity(recordId, change, by, async (tx, record) => {
      await this.archiveLog.append({
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
   * Deletes an archived record whose retention is over (issue 15: completely, and crash-safely).
   * - In one synced batch with its log entry: the tombstone keeps only what says which document it was (type,
   *   number, date, issuer, validity end), never the person (subject, personal ID, summary) or the file name; the
   *   record's versions lose those fields' values; its OCR text goes; the file store is marked for a sweep.
   * - Then its search entry is removed and its files that nothing else references are removed; the mark is cleared
   *   last, so a crash anywhere after the commit leaves the mark and the next open sweeps (Store.sweepFiles).
   * The signed log is append-only: what an earlier `record.archived` entry said stays in it (and in replicas).
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
    const versions = await this.store.listVersions(recordId)
    const deleted = await this.lifecycle.change(recordId, async (current, tx) => {
      const now = new Date().toISOString()
      for (const pageId of current.pageIds) tx.delPageText(pageId)
      for (const v of versions) {
        const redacted = redactVersion(v)
        if (redacted) tx.putVersion(redacted)
      }
      tx.putVersion({ recordId, version: (current.version ?? 0) + 1, at: now, by, action: 'delete', changes: { deleted: { from: null, to: reason } } })
        .putEvent({ id: newId('e'), recordId, type: 'deletion', at: now, agent: by, outcome: 'success', detail: 'retention over' })
        .markFilesSweep()
      return { ...tombstoneOf(current), deleted: { at: now, by, reason }, version: (current.version ?? 0) + 1, updatedAt: now }
    }, async (tx, next) => {
      await this.archiveLog.append({ type: 'record.deleted', recordId, unit: next.unit, data: { reason, by, retention: next.retention ?? null, retentionEnded: ends } }, (logTx: Tx) => { logTx.include(tx) })
    })
    // The search index's copy of the text and fields goes now, not in a background reindex.
    await this.search?.removeDocument(recordId)
    // A file still used by any other live record (or a replica) stays; only this record's files are candidates
    // (a full sweep now could take a file an intake in flight has written but not yet committed).
    const refs = await this.store.referencedFiles()
    for (const sha of files) if (!refs.has(sha)) await rm(this.store.files.path(sha), { force: true })
    await this.store.tx().clearFilesSweep().commit()
    return deleted
  }
}

/**
 * Fields a tombstone keeps: they say which document it was (and the log says the same), none names the person.
 * Everything else (subject, personal ID, summary, signer's words…) is dropped.
 */
export const TOMBSTONE_FIELDS = ['documentType', 'documentNumber', 'issuedDate', 'issuer', 'validUntil'] as const

function tombstoneOf (record: RecordEntry): RecordEntry {
  const { fields, ...rest } = record
  const kept: NonNullable<RecordEntry['fields']> = {}
  for (const name of TOMBSTONE_FIELDS) {
    const f = fields?.[name]
    if (f) kept[name] = { value: f.value, confidence: f.confidence, boxes: [] }
  }
  return { ...rest, filename: null, ...(fields ? { fields: kept } : {}) }
}

/** A version with the values of dropped fields replaced by null; undefined when it had none. */
function redactVersion (v: RecordVersion): RecordVersion | undefined {
  let changed = false
  const changes: RecordVersion['changes'] = {}
  for (const [key, change] of Object.entries(v.changes)) {
    const field = key.startsWith('fields.') ? key.slice(7) : key
    const personal = FIELD_NAMES.includes(field as FieldName) && !(TOMBSTONE_FIELDS as readonly string[]).includes(field)
    if (personal || key === 'filename') {
      changes[key] = { from: null, to: null, redacted: true } as RecordVersion['changes'][string]
      changed = true
    } else changes[key] = change
  }
  return changed ? { ...v, changes } : undefined
}

export function vietnamToday (now = Date.now()): string {
  return new Date(now + 7 * 3600_000).toISOString().slice(0, 10)
}
