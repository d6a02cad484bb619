/**
 * Records as people and clients see them: a record with its pages, their stage and the recognised text, and the
 * batches they arrived in. Review and approval (issue 4) grow here.
 */
import { AppError } from '../errors/index.js'
import { STAGES, type Batch, type Page, type Stage, type Store } from '../store/index.js'

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
}

export interface RecordView {
  id: string
  status: string
  unit: string
  batchId: string
  filename: string | null
  pages: PageView[]
  text: string
  createdAt: string
  updatedAt: string
}

export interface RecordSummary {
  id: string
  status: string
  unit: string
  batchId: string
  filename: string | null
  pageCount: number
  createdAt: string
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

  async get (id: string): Promise<RecordView> {
    const record = await this.store.getRecord(id)
    if (!record) throw new AppError('RECORD_NOT_FOUND', { recordId: id })
    const pages = await this.store.getPages(record.pageIds)
    return {
      id: record.id,
      status: record.status,
      unit: record.unit,
      batchId: record.batchId,
      filename: record.filename,
      pages: pages.map(pageView),
      text: await this.text(record.pageIds),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt
    }
  }

  /** Newest first, `limit` at a time; `next` is the `before` of the following page. */
  async list (opts: { limit: number, before?: string }): Promise<{ records: RecordSummary[], next: string | null }> {
    const records: RecordSummary[] = []
    for await (const r of this.store.listRecords({ limit: opts.limit, before: opts.before })) {
      records.push({ id: r.id, status: r.status, unit: r.unit, batchId: r.batchId, filename: r.filename, pageCount: r.pageIds.length, createdAt: r.createdAt })
    }
    return { records, next: records.length === opts.limit ? records[records.length - 1].id : null }
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

  async batch (id: string): Promise<BatchView> {
    const batch = await this.store.getBatch(id)
    if (!batch) throw new AppError('BATCH_NOT_FOUND', { batchId: id })
    const stages = Object.fromEntries(STAGES.map(s => [s, 0])) as Record<Stage, number>
    const failures: BatchView['failures'] = []
    for (const recordId of batch.recordIds) {
      const record = await this.store.getRecord(recordId)
      if (!record) continue
      for (const page of await this.store.getPages(record.pageIds)) {
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
      records: batch.recordIds,
      stages,
      done: settled >= batch.pageCount && batch.status !== 'scanning' && batch.status !== 'paused',
      failures,
      createdAt: batch.createdAt,
      updatedAt: batch.updatedAt
    }
  }
}

function pageView (p: Page, i: number): PageView {
  return {
    n: i + 1, id: p.id, sha256: p.sha256, size: p.size, mime: p.mime, width: p.width, height: p.height, dpi: p.dpi,
    stage: p.stage, ...(p.failed ? { failed: p.failed } : {}), ...(p.skewDeg !== undefined ? { skewDeg: p.skewDeg } : {}),
    ...(p.ocrConfidence !== undefined ? { ocrConfidence: p.ocrConfidence } : {}), ocrRuns: p.ocrRuns
  }
}
