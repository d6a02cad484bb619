/**
 * Records as people and clients see them: a record with its pages, their stage, the recognised text and the fields
 * read from it, its codes, validity and retention, and the batches they arrived in. Changes go through
 * `RecordLifecycle` (lifecycle.ts).
 */
import { AppError } from '../errors/index.js'
import { FIELD_NAMES } from '../extract/index.js'
import { STAGES, type Batch, type Page, type RecordCodes, type RecordEntry, type RecordEvent, type RecordStatus, type Retention, type Stage, type Store, type StoredField, type StoredParties } from '../store/index.js'
import { emptyCodes } from './lifecycle.js'

export { RecordLifecycle, type FieldPatch, type LifecycleHooks } from './lifecycle.js'
export { normaliseFieldValue, isoDate } from './field-values.js'
export { readRecordFields } from './extraction.js'
export { batchClosed, batchPreparing, segmentBatch, segmentIfComplete, type SegmentResult } from './segment.js'
export { loadResultTypes, retentionOf, retentionEnds, validUntilOf, type ResultType, type ResultTypeTable } from './retention.js'
export { searchDocumentOf, type RecordSearchDocument } from './search-document.js'

/** Below this, a field is shown to the reviewer as needing a look. */
export const LOW_CONFIDENCE = 0.8

/** The stable public identifier of a record: `SH-<unit>-<id>`; it names the record in its PDF's QR code. */
export function archiveIdOf (record: Pick<RecordEntry, 'id' | 'unit'>): string {
  return `SH-${record.unit}-${record.id.slice(2)}`
}

/** The record id an archive id names, or null when it is not one of ours. */
export function recordIdOfArchiveId (archiveId: string): { recordId: string, unit: string } | null {
  const m = /^SH-([0-9A-Za-z.]{1,40})-([0-9a-z]{23})$/.exec(archiveId)
  return m ? { recordId: `r_${m[2]}`, unit: m[1] } : null
}

export interface PageView {
  n: number
  id: string
  sha256: string
  size: number
  mime: string
  width: number
  height: number
  dpi: number | null
  stage: Stage
  failed?: Page['failed']
  skewDeg?: number
  ocrConfidence?: number
  ocrRuns: number
  blank?: boolean
  ocrSize?: { width: number, height: number }
  hasPreview: boolean
}

export interface RecordView {
  id: string
  archiveId: string
  status: RecordStatus
  unit: string
  batchId: string
  filename: string | null
  version: number
  fields: Record<string, StoredField>
  /** Everyone the result names; the main one is also `fields.subjectName`/`subjectId`. */
  parties: StoredParties
  codes: RecordCodes
  validity: NonNullable<RecordEntry['validity']>
  retention: Retention | null
  pages: PageView[]
  blankPages: PageView[]
  text: string
  createdAt: string
  updatedAt: string
  approvedBy?: string
  approvedAt?: string
  archivedAt?: string
  pdf?: RecordEntry['pdf']
  supersededBy?: string[]
}

export interface RecordSummary {
  id: string
  archiveId: string
  status: RecordStatus
  unit: string
  batchId: string
  filename: string | null
  pageCount: number
  createdAt: string
  documentType: string | null
  documentNumber: string | null
  issuedDate: string | null
  /** How many fields a reviewer should look at. */
  lowConfidence: number
  validity: string
}

export interface RecordFilter {
  status?: RecordStatus
  unit?: string
  batchId?: string
}

export interface BatchView {
  id: string
  unit: string
  source: Batch['source']
  status: Batch['status']
  reason?: string
  pageCount: number
  records: string[]
  stages: Record<Stage, number>
  /** True when every page is indexed or has failed for good. */
  done: boolean
  failures: Array<{ pageId: string, recordId: string, stage: Stage, reason: string, at: string }>
  createdAt: string
  updatedAt: string
}

/** Pages of a record are separated in its text by a form feed, as in `pdftotext` output. */
export const PAGE_SEPARATOR = '\n\f\n'

export class Records {
  constructor (private readonly store: Store) {}

  async entry (id: string): Promise<RecordEntry> {
    const record = await this.store.getRecord(id)
    if (!record || record.deleted) throw new AppError('RECORD_NOT_FOUND', { recordId: id })
    return record
  }

  /** As stored, tombstone included (the public verification page tells a deleted record from an unknown id). */
  async stored (id: string): Promise<RecordEntry | undefined> {
    return await this.store.getRecord(id)
  }

  /** A record's history, oldest first. */
  async events (id: string): Promise<RecordEvent[]> {
    await this.entry(id)
    return await this.store.listEvents(id)
  }

  async get (id: string): Promise<RecordView> {
    return await this.view(await this.entry(id))
  }

  async view (record: RecordEntry): Promise<RecordView> {
    const pages = await this.store.getPages(record.pageIds)
    const blank = await this.store.getPages(record.blankPageIds ?? [])
    return {
      id: record.id,
      archiveId: archiveIdOf(record),
      status: record.status,
      unit: record.unit,
      batchId: record.batchId,
      filename: record.filename,
      version: record.version ?? 0,
      fields: fieldsView(record.fields),
      parties: record.parties ?? { value: [], confidence: 0 },
      codes: record.codes ?? emptyCodes(),
      validity: record.validity ?? { state: 'valid' },
      retention: record.retention ?? null,
      pages: pages.map(pageView),
      blankPages: blank.map(pageView),
      text: await this.text(record.pageIds),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      ...(record.approvedBy ? { approvedBy: record.approvedBy, approvedAt: record.approvedAt } : {}),
      ...(record.archivedAt ? { archivedAt: record.archivedAt } : {}),
      ...(record.pdf ? { pdf: record.pdf } : {}),
      ...(record.supersededBy ? { supersededBy: record.supersededBy } : {})
    }
  }

  /**
   * Newest first, `limit` at a time; `next` is the `before` of the following page. Records merged into others and
   * deleted ones are left out.
   */
  async list (opts: { limit: number, before?: string } & RecordFilter): Promise<{ records: RecordSummary[], next: string | null }> {
    const records: RecordSummary[] = []
    let last: string | undefined
    for await (const r of this.store.listRecords({ before: opts.before })) {
      last = r.id
      if (r.deleted || r.supersededBy || r.pageIds.length === 0) continue
      if ((opts.status && r.status !== opts.status) || (opts.unit && r.unit !== opts.unit) || (opts.batchId && r.batchId !== opts.batchId)) continue
      records.push(summaryOf(r))
      if (records.length === opts.limit) break
    }
    return { records, next: records.length === opts.limit ? last ?? null : null }
  }

  /** The OCR text of a record's pages, in order; pages not yet recognised contribute nothing. */
  async text (pageIds: string[]): Promise<string> {
    const texts = await this.store.getPageTexts(pageIds)
    return texts.map(t => t?.text.trim() ?? '').filter(Boolean).join(PAGE_SEPARATOR)
  }

  /** The master image of page `n` (1-based) of a record. */
  async master (recordId: string, n: number): Promise<{ sha256: string, mime: string, size: number }> {
    const record = await this.store.getRecord(recordId)
    if (!record) throw new AppError('RECORD_NOT_FOUND', { recordId })
    const pageId = record.pageIds[n - 1]
    const page = pageId ? await this.store.getPage(pageId) : undefined
    if (!page) throw new AppError('PAGE_NOT_FOUND', { recordId, n })
    return { sha256: page.sha256, mime: page.mime, size: page.size }
  }

  /** The review preview of page `n` (1-based): the prepared page the OCR read, downsized. */
  async preview (recordId: string, n: number): Promise<{ sha256: string }> {
    const record = await this.entry(recordId)
    const pageId = record.pageIds[n - 1]
    const page = pageId ? await this.store.getPage(pageId) : undefined
    if (!page?.previewSha256) throw new AppError('PAGE_NOT_FOUND', { recordId, n })
    return { sha256: page.previewSha256 }
  }

  async batch (id: string): Promise<BatchView> {
    const batch = await this.store.getBatch(id)
    if (!batch) throw new AppError('BATCH_NOT_FOUND', { batchId: id })
    const stages = Object.fromEntries(STAGES.map(s => [s, 0])) as Record<Stage, number>
    const failures: BatchView['failures'] = []
    const listed: string[] = []
    for (const recordId of batch.recordIds) {
      const record = await this.store.getRecord(recordId)
      if (!record) continue
      if (record.pageIds.length > 0 && !record.supersededBy && !record.deleted) listed.push(record.id)
      // Cover sheets and blank backs are pages of the batch too: they go through the pipeline like the others.
      const all = [...record.pageIds, ...(record.blankPageIds ?? []), ...(record.separatorPageId ? [record.separatorPageId] : [])]
      for (const page of await this.store.getPages(all)) {
        stages[page.stage]++
        if (page.failed) failures.push({ pageId: page.id, recordId, ...page.failed })
      }
    }
    const settled = stages.indexed + failures.length
    return {
      id: batch.id,
      unit: batch.unit,
      source: batch.source,
      status: batch.status,
      ...(batch.reason ? { reason: batch.reason } : {}),
      pageCount: batch.pageCount,
      records: listed,
      stages,
      done: settled >= batch.pageCount && batch.status !== 'scanning' && batch.status !== 'paused',
      failures,
      createdAt: batch.createdAt,
      updatedAt: batch.updatedAt
    }
  }
}

function summaryOf (r: RecordEntry): RecordSummary {
  const f = r.fields ?? {}
  return {
    id: r.id, archiveId: archiveIdOf(r), status: r.status, unit: r.unit, batchId: r.batchId, filename: r.filename,
    pageCount: r.pageIds.length, createdAt: r.createdAt,
    documentType: f.documentType?.value ?? null, documentNumber: f.documentNumber?.value ?? null, issuedDate: f.issuedDate?.value ?? null,
    lowConfidence: Object.values(f).filter(x => x.confidence < LOW_CONFIDENCE).length + (r.parties && r.parties.value.length > 0 && !r.parties.edited && r.parties.confidence < LOW_CONFIDENCE ? 1 : 0),
    validity: r.validity?.state ?? 'valid'
  }
}

/** Every field name present, so clients need no special case for a field extraction did not produce. */
function fieldsView (fields: RecordEntry['fields']): Record<string, StoredField> {
  return Object.fromEntries(FIELD_NAMES.map(n => [n, fields?.[n] ?? { value: null, confidence: 0, boxes: [] }]))
}

function pageView (p: Page, i: number): PageView {
  return {
    n: i + 1, id: p.id, sha256: p.sha256, size: p.size, mime: p.mime, width: p.width, height: p.height, dpi: p.dpi,
    stage: p.stage, ...(p.failed ? { failed: p.failed } : {}), ...(p.skewDeg !== undefined ? { skewDeg: p.skewDeg } : {}),
    ...(p.ocrConfidence !== undefined ? { ocrConfidence: p.ocrConfidence } : {}), ocrRuns: p.ocrRuns,
    ...(p.blank ? { blank: true } : {}), ...(p.ocrSize ? { ocrSize: p.ocrSize } : {}), hasPreview: p.previewSha256 !== undefined
  }
}
