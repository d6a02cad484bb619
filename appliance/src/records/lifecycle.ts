/**
 * How a record changes after intake: extraction fills its fields, reviewers correct them (optimistic concurrency:
 * every change bumps `version`, the ETag), approve it, split and merge records, and later change its validity.
 * Every change is kept as a RecordVersion (who, when, what) and a RecordEvent (for the archival package).
 * An archived record's content never changes again: only its validity can, by an explicit, logged action.
 */
import { AppError } from '../errors/index.js'
import { checkPersonalId, FIELD_NAMES, type ExtractedFields, type FieldName } from '../extract/index.js'
import { newId, type Batch, type RecordCodes, type RecordEntry, type RecordParty, type RecordVersion, type Store, type StoredField, type Tx } from '../store/index.js'
import { normaliseFieldValue } from './field-values.js'

export interface FieldPatch {
  fields?: Partial<Record<FieldName, string | null>>
  /** The whole list as the reviewer leaves it. */
  parties?: RecordParty[]
  codes?: Partial<Pick<RecordCodes, 'dossierCode' | 'resultTypeCode' | 'procedureCode' | 'box' | 'file'>>
}

/**
 * Told after a record change committed. Only notices: the work a change needs (index, extract, sign…) is a record
 * step whose job the change wrote in its own batch.
 */
export interface LifecycleHooks {
  /** The record changed (an archiving, a validity change or a deletion is also a new log entry for the outbox). */
  changed?: (recordId: string) => void
  /** A record disappeared into others (merge). */
  removed?: (recordId: string) => void
}

/** Commits a record change's writes (`tx`, already holding the record) together with the caller's own. */
export type Committer = (tx: Tx, record: RecordEntry) => Promise<void>

const CODE_PATTERNS: Record<string, RegExp> = {
  // Mã hồ sơ: <agency code>-<YYMMDD>-<XXXX> (TT 01/2018/TT-VPCP Điều 19).
  dossierCode: /^[0-9A-Z]{1,10}(\.[0-9A-Z]{1,10}){0,5}-\d{6}-\d{4}$/,
  resultTypeCode: /^[0-9A-Za-z.\-_]{1,40}$/,
  procedureCode: /^[0-9A-Za-z.\-_]{1,40}$/,
  box: /^[0-9A-Za-z.\-_/ ]{1,20}$/,
  file: /^[0-9A-Za-z.\-_/ ]{1,20}$/
}

export class RecordLifecycle {
  constructor (private readonly store: Store, private readonly hooks: LifecycleHooks = {}) {}

  /**
   * Runs `fn` on the record under its lock; `fn` returns the changed record (or null for no change) and adds its
   * other writes to `tx`. `commit` lets a caller fold those writes into its own atomic batch (the archive log).
   */
  private async mutate (recordId: string, fn: (record: RecordEntry, tx: Tx) => Promise<RecordEntry | null>, commit?: Committer): Promise<RecordEntry> {
    return await this.store.lockRecord(recordId, async () => {
      const record = await this.store.getRecord(recordId)
      if (!record || record.deleted) throw new AppError('RECORD_NOT_FOUND', { recordId })
      if (record.supersededBy) throw new AppError('RECORD_STATE', { recordId, status: 'merged', supersededBy: record.supersededBy })
      const tx = this.store.tx()
      const next = await fn(record, tx)
      if (!next) return record
      tx.putRecord(next)
      if (commit) await commit(tx, next)
      else await tx.commit()
      return next
    })
  }

  /** Any change under the record's lock, committed through `commit` (used by archiving and deletion). */
  async change (recordId: string, fn: (record: RecordEntry, tx: Tx) => Promise<RecordEntry | null>, commit?: Committer): Promise<RecordEntry> {
    const next = await this.mutate(recordId, fn, commit)
    this.hooks.changed?.(recordId)
    return next
  }

  private static checkVersion (record: RecordEntry, ifMatch: number | undefined): void {
    if (ifMatch === undefined) throw new AppError('VERSION_REQUIRED', { recordId: record.id })
    if (ifMatch !== (record.version ?? 0)) throw new AppError('VERSION_CONFLICT', { recordId: record.id, current: record.version ?? 0 })
  }

  private static versionEntry (record: RecordEntry, by: string, action: RecordVersion['action'], changes: RecordVersion['changes'], at: string): RecordVersion {
    return { recordId: record.id, version: (record.version ?? 0) + 1, at, by, action, changes }
  }

  private static event (recordId: string, type: string, agent: string, at: string, detail?: string): Parameters<Tx['putEvent']>[0] {
    return { id: newId('e'), recordId, type, at, agent, outcome: 'success', ...(detail ? { detail } : {}) }
  }

  /**
   * Stores what extraction read. Fields a reviewer already set are kept; an archived or approved record is left
   * alone. Not a version: nobody changed anything, the machine read it.
   */
  async storeExtracted (recordId: string, extracted: ExtractedFields, agent: string, include?: Tx): Promise<RecordEntry> {
    const next = await this.mutate(recordId, async (record, tx) => {
      if (record.status !== 'draft') return null
      const fields: Record<string, StoredField> = { ...(record.fields ?? {}) }
      for (const name of FIELD_NAMES) {
        if (fields[name]?.edited) continue
        const f = extracted[name]
        fields[name] = {
          value: f.value, confidence: round(f.confidence), boxes: f.boxes,
          ...(f.warnings?.length ? { warnings: f.warnings } : {}), ...(f.raw !== undefined ? { raw: f.raw, snapped: f.snapped } : {})
        }
      }
      const parties = record.parties?.edited ? record.parties : { value: extracted.parties?.value ?? [], confidence: round(extracted.parties?.confidence ?? 0) }
      const now = new Date().toISOString()
      const found = FIELD_NAMES.filter(n => fields[n].value !== null).length
      tx.putEvent(RecordLifecycle.event(recordId, 'extraction', agent, now, `${found}/${FIELD_NAMES.length} fields`))
      return { ...record, fields, parties, updatedAt: now }
    }, include ? async (tx) => { await tx.include(include).commit() } : undefined)
    this.hooks.changed?.(recordId)
    return next
  }

  /** A reviewer's correction of fields, parties and codes. */
  async edit (recordId: string, ifMatch: number | undefined, patch: FieldPatch, by: string): Promise<RecordEntry> {
    const next = await this.mutate(recordId, async (record, tx) => {
      if (record.status === 'archived') throw new AppError('RECORD_ARCHIVED', { recordId })
      if (record.status !== 'draft') throw new AppError('RECORD_STATE', { recordId, status: record.status })
      RecordLifecycle.checkVersion(record, ifMatch)
      const changes: RecordVersion['changes'] = {}
      const fields: Record<string, StoredField> = { ...(record.fields ?? {}) }
      for (const [name, raw] of Object.entries(patch.fields ?? {})) {
        if (!(FIELD_NAMES as readonly string[]).includes(name)) throw new AppError('FIELD_INVALID', { field: name })
        const value = raw === null || raw === undefined ? null : normaliseFieldValue(name as FieldName, raw)
        const before = fields[name]
        if (before?.value === value && before.edited) continue
        changes[name] = { from: before?.value ?? null, to: value }
        fields[name] = { value, confidence: 1, boxes: before?.value === value ? before.boxes : [], edited: true, ...warningsFor(name as FieldName, value) }
      }
      let parties = record.parties
      if (patch.parties !== undefined) {
        const next = normaliseParties(patch.parties)
        if (JSON.stringify(next) !== JSON.stringify(record.parties?.value ?? []) || !record.parties?.edited) {
          if (JSON.stringify(next) !== JSON.stringify(record.parties?.value ?? [])) changes.parties = { from: record.parties?.value ?? [], to: next }
          parties = { value: next, confidence: 1, edited: true }
        }
      }
      const codes: RecordCodes = { ...(record.codes ?? emptyCodes()) }
      for (const [name, raw] of Object.entries(patch.codes ?? {})) {
        const pattern = CODE_PATTERNS[name]
        if (!pattern) throw new AppError('FIELD_INVALID', { field: `codes.${name}` })
        const value = raw === null || raw === undefined || raw === '' ? null : String(raw).trim()
        if (value !== null && !pattern.test(value)) throw new AppError('FIELD_INVALID', { field: `codes.${name}` })
        if ((codes as any)[name] === value) continue
        changes[`codes.${name}`] = { from: (codes as any)[name] ?? null, to: value }
        ;(codes as any)[name] = value
      }
      if (Object.keys(changes).length === 0) return null
      const now = new Date().toISOString()
      const version = RecordLifecycle.versionEntry(record, by, 'edit', changes, now)
      tx.putVersion(version).putEvent(RecordLifecycle.event(recordId, 'review', by, now, `changed ${Object.keys(changes).join(', ')}`))
      return { ...record, fields, codes, ...(parties ? { parties } : {}), version: version.version, updatedAt: now }
    })
    this.hooks.changed?.(recordId)
    return next
  }

  /** Approval by a reviewer: the record's content is settled; archiving follows. */
  async approve (recordId: string, ifMatch: number | undefined, by: string): Promise<RecordEntry> {
    const next = await this.mutate(recordId, async (record, tx) => {
      if (record.status !== 'draft') throw new AppError('RECORD_STATE', { recordId, status: record.status })
      if (ifMatch !== undefined) RecordLifecycle.checkVersion(record, ifMatch)
      const pages = await this.store.getPages(record.pageIds)
      if (pages.length === 0 || pages.some(p => p.stage !== 'indexed')) throw new AppError('RECORD_NOT_READY', { recordId })
      const now = new Date().toISOString()
      const version = RecordLifecycle.versionEntry(record, by, 'approve', { status: { from: 'draft', to: 'approved' } }, now)
      // Archiving follows as record steps (sign, package, log), the first written with the approval: a crash cannot
      // leave one without the other.
      tx.putVersion(version).putEvent(RecordLifecycle.event(recordId, 'approval', by, now)).putRecordJob('sign', recordId)
      return { ...record, status: 'approved', approvedBy: by, approvedAt: now, version: version.version, updatedAt: now }
    })
    this.hooks.changed?.(recordId)
    return next
  }

  /**
   * Splits a draft record before page `atPage` (1-based, 2..pages): the record keeps the first pages, a new record
   * in the same batch takes the rest. Both need their fields read again.
   */
  async split (recordId: string, atPage: number, by: string): Promise<[RecordEntry, RecordEntry]> {
    const result = await this.store.lockRecord(recordId, async () => {
      const record = await this.store.getRecord(recordId)
      if (!record || record.deleted) throw new AppError('RECORD_NOT_FOUND', { recordId })
      if (record.status !== 'draft' || record.supersededBy) throw new AppError('RECORD_STATE', { recordId, status: record.status })
      if (!Number.isInteger(atPage) || atPage < 2 || atPage > record.pageIds.length) throw new AppError('VALIDATION', { field: 'atPage' })
      const now = new Date().toISOString()
      const keep = record.pageIds.slice(0, atPage - 1)
      const move = record.pageIds.slice(atPage - 1)
      const newRecord: RecordEntry = {
        id: newId('r'), unit: record.unit, batchId: record.batchId, filename: record.filename, sourceSha256: record.sourceSha256,
        pageIds: move, status: 'draft', createdAt: now, updatedAt: now, version: 1, codes: record.codes, validity: { state: 'valid' }
      }
      const versionA = RecordLifecycle.versionEntry(record, by, 'split', { pages: { from: record.pageIds.length, to: keep.length }, newRecord: { from: null, to: newRecord.id } }, now)
      const updated: RecordEntry = { ...record, pageIds: keep, fields: unedited(record.fields), version: versionA.version, updatedAt: now }
      const tx = this.store.tx()
      const batch = await this.store.getBatch(record.batchId)
      if (batch) tx.putBatch(insertAfter(batch, record.id, newRecord.id, now))
      // Both read their fields again from their new page sets (the extract step, in this batch).
      tx.putRecord(updated).putRecord(newRecord).putRecordJob('extract', updated.id).putRecordJob('extract', newRecord.id).putVersion(versionA)
        .putVersion({ recordId: newRecord.id, version: 1, at: now, by, action: 'split', changes: { splitFrom: { from: null, to: record.id } } })
        .putEvent(RecordLifecycle.event(record.id, 'split', by, now, `pages ${atPage}-${record.pageIds.length} to a new record`))
        .putEvent(RecordLifecycle.event(newRecord.id, 'split', by, now, 'made by splitting another record'))
      // Pages are re-read under their locks: the pipeline may be committing one of them right now.
      await this.store.lockPages(move, async () => {
        const pages = await this.store.getPages(move)
        pages.forEach((p, i) => tx.putPage({ ...p, recordId: newRecord.id, index: i, updatedAt: now }))
        await tx.commit()
      })
      return [updated, newRecord] as [RecordEntry, RecordEntry]
    })
    for (const r of result) this.hooks.changed?.(r.id)
    return result
  }

  /** Appends the pages of `others` (drafts of the same unit) to a draft record, in the order given. */
  async merge (recordId: string, others: string[], by: string): Promise<RecordEntry> {
    if (others.length === 0 || others.includes(recordId) || new Set(others).size !== others.length) throw new AppError('VALIDATION', { field: 'records' })
    const ids = [recordId, ...others]
    const merged = await this.store.lockRecords(ids, async () => {
      const records = await Promise.all(ids.map(async id => await this.store.getRecord(id)))
      records.forEach((r, i) => { if (!r || r.deleted) throw new AppError('RECORD_NOT_FOUND', { recordId: ids[i] }) })
      const [target, ...rest] = records as RecordEntry[]
      for (const r of [target, ...rest]) {
        if (r.status !== 'draft' || r.supersededBy) throw new AppError('RECORD_STATE', { recordId: r.id, status: r.supersededBy ? 'merged' : r.status })
        if (r.status !== 'draft') throw new AppError('RECORD_STATE', { recordId: r.id, status: r.status })
        if (r.unit !== target.unit) throw new AppError('VALIDATION', { field: 'records', reason: 'different units' })
      }
      const now = new Date().toISOString()
      const pageIds = [...target.pageIds, ...rest.flatMap(r => r.pageIds)]
      const tx = this.store.tx()
      return await this.store.lockPages(pageIds, async () => {
      const pages = await this.store.getPages(pageIds)
      pages.forEach((p, i) => tx.putPage({ ...p, recordId: target.id, index: i, updatedAt: now }))
      const version = RecordLifecycle.versionEntry(target, by, 'merge', { pages: { from: target.pageIds.length, to: pageIds.length }, merged: { from: null, to: others } }, now)
      const updated: RecordEntry = { ...target, pageIds, fields: unedited(target.fields), version: version.version, updatedAt: now }
      tx.putRecord(updated).putRecordJob('extract', target.id).putVersion(version).putEvent(RecordLifecycle.event(target.id, 'merge', by, now, `${rest.length} record(s) merged in`))
      const batches = new Map<string, Batch>()
      for (const r of rest) {
        const v = RecordLifecycle.versionEntry(r, by, 'merge', { mergedInto: { from: null, to: target.id } }, now)
        tx.putRecord({ ...r, pageIds: [], supersededBy: [target.id], version: v.version, updatedAt: now }).putVersion(v)
          .putEvent(RecordLifecycle.event(r.id, 'merge', by, now, 'merged into another record'))
        const batch = batches.get(r.batchId) ?? await this.store.getBatch(r.batchId)
        if (batch) batches.set(batch.id, { ...batch, recordIds: batch.recordIds.filter(id => id !== r.id), updatedAt: now })
      }
      for (const batch of batches.values()) tx.putBatch(batch)
      await tx.commit()
      return updated
      })
    })
    for (const id of others) this.hooks.removed?.(id)
    this.hooks.changed?.(recordId)
    return merged
  }

  /** Revocation or replacement of an archived record: its content stays, its validity changes, with a reason. */
  async setValidity (recordId: string, change: { action: 'revoke' | 'replace' | 'expire', reason: string, replacedBy?: string }, by: string, commit?: Committer): Promise<RecordEntry> {
    if (change.action === 'replace') {
      if (!change.replacedBy || change.replacedBy === recordId) throw new AppError('VALIDATION', { field: 'replacedBy' })
      const other = await this.store.getRecord(change.replacedBy)
      if (!other || other.deleted) throw new AppError('RECORD_NOT_FOUND', { recordId: change.replacedBy })
    }
    const next = await this.mutate(recordId, async (record, tx) => {
      if (record.status !== 'archived') throw new AppError('RECORD_STATE', { recordId, status: record.status })
      const from = record.validity?.state ?? 'valid'
      if (from !== 'valid') throw new AppError('RECORD_STATE', { recordId, validity: from })
      const state = change.action === 'revoke' ? 'revoked' : change.action === 'replace' ? 'replaced' : 'expired'
      const now = new Date().toISOString()
      const validity = { state, reason: change.reason, at: now, by, ...(change.replacedBy ? { replacedBy: change.replacedBy } : {}) } as const
      const version = RecordLifecycle.versionEntry(record, by, 'validity', { validity: { from, to: state } }, now)
      tx.putVersion(version).putEvent(RecordLifecycle.event(recordId, 'validity', by, now, `${from} → ${state}`))
      return { ...record, validity, version: version.version, updatedAt: now }
    }, commit)
    this.hooks.changed?.(recordId)
    return next
  }

  async versions (recordId: string): Promise<RecordVersion[]> {
    const record = await this.store.getRecord(recordId)
    if (!record) throw new AppError('RECORD_NOT_FOUND', { recordId })
    return await this.store.listVersions(recordId)
  }
}

export function emptyCodes (): RecordCodes {
  return { agencyCode: null, dossierCode: null, resultTypeCode: null, procedureCode: null }
}

function round (n: number): number { return Math.round(n * 1000) / 1000 }

function warningsFor (name: FieldName, value: string | null): { warnings?: string[] } {
  if (name !== 'subjectId' || value === null) return {}
  const warnings = checkPersonalId(value)
  return warnings.length ? { warnings } : {}
}

/** Reviewer-set fields survive a re-extraction; machine-read ones are read again from the new page set. */
function unedited (fields: RecordEntry['fields']): RecordEntry['fields'] {
  if (!fields) return undefined
  return Object.fromEntries(Object.entries(fields).filter(([, f]) => f.edited))
}

function insertAfter (batch: Batch, afterId: string, newId: string, now: string): Batch {
  const ids = [...batch.recordIds]
  const at = ids.indexOf(afterId)
  ids.splice(at < 0 ? ids.length : at + 1, 0, newId)
  return { ...batch, recordIds: ids, updatedAt: now }
}

/** A reviewer's list of parties: roles and names trimmed and NFC, ID digits only, dates ISO; empty names refused. */
export function normaliseParties (raw: unknown): RecordParty[] {
  if (!Array.isArray(raw) || raw.length > 20) throw new AppError('FIELD_INVALID', { field: 'parties' })
  return raw.map((p, i) => {
    const field = `parties.${i}`
    if (p === null || typeof p !== 'object') throw new AppError('FIELD_INVALID', { field })
    const { role, name, idNumber, birthDate } = p as Record<string, unknown>
    const text = (v: unknown): string => typeof v === 'string' ? v.normalize('NFC').replace(/\s+/gu, ' ').trim() : ''
    if (text(role) === '' || text(name) === '') throw new AppError('FIELD_INVALID', { field })
    const out: RecordParty = { role: text(role), name: text(name) }
    if (idNumber !== undefined && idNumber !== null && idNumber !== '') {
      const digits = text(idNumber).replace(/[\s.]/gu, '')
      if (!/^\d{9,13}$/u.test(digits)) throw new AppError('FIELD_INVALID', { field: `${field}.idNumber` })
      out.idNumber = digits
    }
    if (birthDate !== undefined && birthDate !== null && birthDate !== '') {
      const d = normaliseFieldValue('issuedDate', text(birthDate))
      if (d === null) throw new AppError('FIELD_INVALID', { field: `${field}.birthDate` })
      out.birthDate = d
    }
    return out
  })
}
