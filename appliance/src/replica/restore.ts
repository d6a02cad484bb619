/**
 * Restore on a district (`RestoreTarget`): its own log coming back from the province is checked like any foreign
 * log, stored byte for byte, and replayed into records, pages, OCR text and search, so the node serves its archive
 * again and `sohoa verify` passes. Each entry and the records it changes are one atomic write with the log.
 */
import { rm } from 'node:fs/promises'
import { decodeEnvelope, type ArchiveLog, type LogEntryBody } from '../archive/index.js'
import { inspectImage } from '../imaging/index.js'
import type { Logger } from '../log/index.js'
import { searchDocumentOf } from '../records/index.js'
import type { SearchService } from '../search/index.js'
import type { Batch, Page, PageText, RecordEntry, StoredField, Store, Tx } from '../store/index.js'
import type { CheckedBatch, LogPosition, RestoreTarget, StoredEntry } from '../../../sync/src/index.js'
import { checkEntries } from './entries.js'
import type { PartialFiles } from './partial-files.js'
import { textOfTextFile } from './stored-files.js'

export interface RestoreOptions {
  store: Store
  archiveLog: ArchiveLog
  search: SearchService
  partial: PartialFiles
  peerId: string
  maxPixels: number
  /** Largest file an entry may claim. */
  maxFileBytes: number
  logger: Logger
}

export class DistrictRestore implements RestoreTarget {
  readonly files: PartialFiles

  constructor (private readonly opts: RestoreOptions) {
    this.files = opts.partial
  }

  async head (): Promise<LogPosition> {
    const h = await this.opts.archiveLog.head()
    return { seq: h.seq, hash: h.hash }
  }

  /**
   * Keys this node trusts: its own, those that signed its log before (still in its log index), those its admin
   * names for this restore (the lost key this node replaced), and keys a `node.key` entry signed by a trusted key
   * introduced. The province's list of signers is not asked for: a province could name any key.
   */
  async check (after: LogPosition, entries: StoredEntry[], trust: string[] = []): Promise<CheckedBatch> {
    const signers = new Map<string, number>()
    for (const id of [this.opts.peerId, ...(await this.opts.store.archiveLog.signers()).map(s => s.peerId), ...trust, ...this.introduced]) signers.set(id, Infinity)
    const { accepted, files, failure } = await checkEntries({ after, signers, maxFileBytes: this.opts.maxFileBytes, introductions: true }, entries)
    for (const id of signers.keys()) this.introduced.add(id)
    return { accepted, files, ...(failure ? { failure } : {}) }
  }

  private readonly introduced = new Set<string>()

  async apply (entries: StoredEntry[]): Promise<LogPosition> {
    const touched = new Set<string>()
    const deleted: string[] = []
    for (const entry of entries) {
      const body = decodeEnvelope(entry.envelope).body
      const tx = this.opts.store.tx()
      const recordId = await this.replay(body, tx)
      if (recordId) touched.add(recordId)
      await this.opts.archiveLog.importEntry(entry.envelope, (logTx: Tx) => { logTx.include(tx) })
      if (recordId && body.type === 'record.deleted') deleted.push(recordId)
    }
    for (const id of touched) await this.index(id)
    for (const id of deleted) await this.purge(id)
    return await this.head()
  }

  /** A lawfully deleted record's content does not come back with the restore: its files go unless another live record uses them. */
  private async purge (recordId: string): Promise<void> {
    const { store } = this.opts
    const record = await store.getRecord(recordId)
    if (!record?.deleted) return
    const files = new Set<string>([record.pdf?.sha256, record.textSha256, record.sourceSha256].filter((x): x is string => !!x))
    for (const p of await store.getPages(record.pageIds)) files.add(p.sha256)
    for await (const p of store.listPages()) if (p.recordId !== recordId) files.delete(p.sha256)
    for await (const r of store.listRecords()) {
      if (r.id === recordId || r.deleted) continue
      for (const sha of [r.pdf?.sha256, r.textSha256, r.sourceSha256]) if (sha) files.delete(sha)
    }
    for (const sha of files) await rm(store.files.path(sha), { force: true })
  }

  /** Writes what one entry says about a record into `tx`; returns the record's id when it changed one. */
  private async replay (body: LogEntryBody, tx: Tx): Promise<string | null> {
    const { store } = this.opts
    const id = body.recordId
    if (!id) return null
    if (body.type === 'record.archived') {
      if (await store.getRecord(id)) return id
      await this.rebuildRecord(id, body, tx)
      return id
    }
    const record = await store.getRecord(id)
    if (!record) return null
    const now = new Date().toISOString()
    if (body.type === 'record.validity' && body.data?.validity) {
      tx.putRecord({ ...record, validity: body.data.validity as RecordEntry['validity'], updatedAt: now })
      return id
    }
    if (body.type === 'record.deleted') {
      for (const pageId of record.pageIds) tx.delPageText(pageId)
      const data = body.data as { reason?: string, by?: string }
      tx.putRecord({ ...record, deleted: { at: body.at, by: String(data.by ?? 'system'), reason: String(data.reason ?? '') }, updatedAt: now })
      return id
    }
    return null
  }

  private async rebuildRecord (id: string, body: LogEntryBody, tx: Tx): Promise<void> {
    const { store } = this.opts
    const d = (body.data?.record ?? {}) as Record<string, any>
    const files = body.files ?? []
    const masters = files.filter(f => f.role === 'master')
    const textFile = files.find(f => f.role === 'text')
    const textPages = textFile ? textOfTextFile(await store.files.read(textFile.sha256)).pages : []
    const unit = String(body.unit ?? d.unit)
    const batchId = String(d.batchId ?? `b_restored`)
    const createdAt = String(d.createdAt ?? body.at)
    const pageIds = masters.map((_, i) => typeof textPages[i]?.pageId === 'string' ? textPages[i].pageId as string : `${id.replace(/^r_/, 'p_')}${i}`)
    for (let i = 0; i < masters.length; i++) {
      const m = masters[i]
      const bytes = await store.files.read(m.sha256)
      const info = await inspectImage(bytes, { maxPixels: this.opts.maxPixels }).catch(() => null)
      const t = textPages[i] as Partial<PageText> | undefined
      const page: Page = {
        id: pageIds[i], recordId: id, batchId, unit, index: i, sha256: m.sha256, size: m.size,
        mime: info?.mime ?? 'application/octet-stream', width: info?.width ?? 0, height: info?.height ?? 0, dpi: info?.dpi ?? null,
        stage: 'indexed', ocrRuns: 1, ...(typeof t?.confidence === 'number' ? { ocrConfidence: t.confidence } : {}),
        createdAt, updatedAt: body.at
      }
      tx.putPage(page)
      if (t && typeof t.text === 'string') tx.putPageText(page.id, { text: t.text, confidence: t.confidence ?? 0, words: t.words ?? [], width: t.width ?? 0, height: t.height ?? 0 })
    }
    const fields: Record<string, StoredField> = {}
    for (const [k, v] of Object.entries((d.fields ?? {}) as Record<string, string | null>)) fields[k] = { value: v, confidence: 1, boxes: [] }
    const pdf = files.find(f => f.role === 'pdf')
    const source = files.find(f => f.role === 'source')
    const record: RecordEntry = {
      id, unit, batchId, filename: d.filename ?? null, sourceSha256: source?.sha256 ?? masters[0]?.sha256 ?? '', pageIds,
      status: 'archived', createdAt, updatedAt: body.at, version: 1, fields,
      ...(Array.isArray(d.parties) ? { parties: { value: d.parties, confidence: 1 } } : {}),
      ...(d.codes ? { codes: d.codes } : {}),
      validity: d.validity ?? { state: 'valid' },
      ...(d.retention ? { retention: d.retention } : {}),
      ...(d.approvedBy ? { approvedBy: d.approvedBy, approvedAt: d.approvedAt } : {}),
      archivedAt: d.archivedAt ?? body.at,
      ...(pdf ? { pdf: { sha256: pdf.sha256, size: pdf.size, filename: String(d.pdf?.filename ?? `${id}.pdf`), testCertificate: false } } : {}),
      ...(textFile ? { textSha256: textFile.sha256 } : {})
    }
    tx.putRecord(record)
    if (record.sourceSha256) tx.putImport(unit, record.sourceSha256, id)
    const batch: Batch = await store.getBatch(batchId) ?? { id: batchId, unit, source: 'import', status: 'finished', recordIds: [], pageCount: 0, createdAt, updatedAt: body.at }
    if (!batch.recordIds.includes(id)) tx.putBatch({ ...batch, recordIds: [...batch.recordIds, id], pageCount: batch.pageCount + masters.length, updatedAt: body.at })
  }

  private async index (recordId: string): Promise<void> {
    const { store, search } = this.opts
    const record = await store.getRecord(recordId)
    if (!record || record.deleted || record.pageIds.length === 0) {
      await search.removeDocument(recordId)
      return
    }
    const texts = await store.getPageTexts(record.pageIds)
    const doc = searchDocumentOf(record, texts.map(t => t?.text ?? '').join('\n\n'))
    await search.indexDocument(record.id, { text: doc.text, attrs: doc.attrs })
  }
}
