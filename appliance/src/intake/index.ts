/**
 * Intake: the one door into storage. Every page, whatever brought it (HTTP, import, scanner, FTP, folder), comes
 * through `accept`: checked cheaply (type, pixel count, truncation), its bytes made durable in the file store, then
 * its record, pages and pipeline jobs committed in one synced LevelDB batch. Only then is it acknowledged.
 * The same bytes posted again for the same unit answer with the record they already made: retries after a crash
 * or a lost answer never duplicate anything.
 */
import type { Logger } from 'pino'
import { AppError } from '../errors/index.js'
import { inspectImage, splitPages } from '../imaging/index.js'
import { FileStore, newId, type Batch, type IntakeReceipt, type Job, type Page, type RecordEntry, type Store } from '../store/index.js'

export type IntakeSource = Batch['source']

export interface IntakeRequest {
  unit: string
  bytes: Buffer
  /** Content type the sender declared, if any; the bytes' own signature decides. */
  declaredType?: string
  batchId?: string
  filename?: string
  source: IntakeSource
  /** A client's key for this one upload: a retry with the same key gets the first answer. */
  idempotencyKey?: string
}

export interface IntakeResult extends IntakeReceipt {
  /** False when these bytes had already made a record for this unit (nothing new stored). */
  created: boolean
  /** Milliseconds spent per phase (checks, file write, database commit), for the Server-Timing header. */
  timings?: Record<string, number>
}

export interface IntakeOptions {
  store: Store
  maxPixels: number
  log: Logger
  /** Called after a commit, so the pipeline picks the new jobs up at once. */
  onAccepted?: (receipt: IntakeReceipt) => void
  /** Called after a batch's status changed (a finished stack can then be cut into records). */
  onBatchStatus?: (batch: Batch) => void
}

const ACCEPTED_TYPES = new Set(['image/jpeg', 'image/png', 'image/tiff', 'application/octet-stream'])

export class Intake {
  private readonly store: Store
  constructor (private readonly opts: IntakeOptions) {
    this.store = opts.store
  }

  /** Content types the HTTP door takes; anything else is refused before the body is read. */
  static acceptsContentType (type: string | undefined): boolean {
    return type !== undefined && ACCEPTED_TYPES.has(type.split(';')[0].trim().toLowerCase())
  }

  async newBatch (unit: string, source: IntakeSource, status: Batch['status'] = 'open'): Promise<Batch> {
    await this.requireUnit(unit)
    const now = new Date().toISOString()
    const batch: Batch = { id: newId('b'), unit, source, status, recordIds: [], pageCount: 0, createdAt: now, updatedAt: now }
    await this.store.tx().putBatch(batch).commit()
    return batch
  }

  /** Moves a batch to a new intake status (a scanner's batch: scanning, paused with a reason, finished, cancelled). */
  async setBatchStatus (batchId: string, status: Batch['status'], reason?: string): Promise<Batch> {
    return await this.store.lock(`batch:${batchId}`, async () => {
      const batch = await this.store.getBatch(batchId)
      if (!batch) throw new AppError('BATCH_NOT_FOUND', { batchId })
      const { reason: _old, ...rest } = batch
      const next: Batch = { ...rest, status, ...(reason ? { reason } : {}), updatedAt: new Date().toISOString() }
      await this.store.tx().putBatch(next).commit()
      this.opts.onBatchStatus?.(next)
      return next
    })
  }

  async accept (req: IntakeRequest): Promise<IntakeResult> {
    if (req.idempotencyKey) {
      const receipt = await this.store.getReceipt(req.idempotencyKey)
      if (receipt) return { ...receipt, created: false }
    }
    await this.requireUnit(req.unit)
    if (req.bytes.length === 0) throw new AppError('EMPTY_BODY')
    const t0 = performance.now()
    const info = await inspectImage(req.bytes, { maxPixels: this.opts.maxPixels })
    const sha256 = FileStore.hash(req.bytes)
    const timings: Record<string, number> = { check: performance.now() - t0 }

    // One upload at a time per (unit, file): two identical concurrent posts make one record.
    return await this.store.lock(`intake:${req.unit}:${sha256}`, async () => {
      const existing = await this.store.findImport(req.unit, sha256)
      if (existing) return { ...(await this.receiptOf(existing)), created: false }

      const t1 = performance.now()
      const masters = await splitPages(req.bytes, info)
      const stored: Array<{ sha256: string, size: number }> = []
      await this.store.files.put(req.bytes, sha256)
      for (const bytes of masters) stored.push(bytes === req.bytes ? { sha256, size: bytes.length } : await this.store.files.put(bytes))
      timings.files = performance.now() - t1

      const commit = async (): Promise<IntakeResult> => {
        const batch = req.batchId ? await this.requireBatch(req.batchId, req.unit) : await this.makeBatch(req.unit, req.source)
        const now = new Date().toISOString()
        const recordId = newId('r')
        const pages: Page[] = stored.map((file, index) => {
          const dims = info.pagesInfo?.[index] ?? info
          return {
            id: newId('p'), recordId, batchId: batch.id, unit: req.unit, index, sha256: file.sha256, size: file.size,
            mime: masters.length > 1 ? 'image/png' : info.mime, width: dims.width, height: dims.height, dpi: dims.dpi ?? null,
            stage: 'received', ocrRuns: 0, createdAt: now, updatedAt: now
          }
        })
        const record: RecordEntry = {
          id: recordId, unit: req.unit, batchId: batch.id, filename: cleanFilename(req.filename), sourceSha256: sha256,
          pageIds: pages.map(p => p.id), status: 'draft', createdAt: now, updatedAt: now
        }
        const receipt: IntakeReceipt = { batchId: batch.id, recordId, pages: pages.map(p => ({ id: p.id, sha256: p.sha256 })) }
        const tx = this.store.tx()
          .putBatch({ ...batch, recordIds: [...batch.recordIds, recordId], pageCount: batch.pageCount + pages.length, updatedAt: now })
          .putRecord(record)
          .putImport(req.unit, sha256, recordId)
        for (const page of pages) {
          const job: Job = { id: page.id, pageId: page.id, stage: 'received', state: 'queued', attempts: 0, notBefore: 0, updatedAt: now }
          tx.putPage(page).putJob(job)
        }
        if (req.idempotencyKey) tx.putReceipt(req.idempotencyKey, receipt)
        const t2 = performance.now()
        await tx.commit()
        timings.commit = performance.now() - t2
        return { ...receipt, created: true, timings }
      }
      const result = req.batchId ? await this.store.lock(`batch:${req.batchId}`, commit) : await commit()
      this.opts.log.info({ batchId: result.batchId, recordId: result.recordId, pages: result.pages.length, source: req.source }, 'page(s) accepted')
      this.opts.onAccepted?.(result)
      return result
    })
  }

  private async receiptOf (recordId: string): Promise<IntakeReceipt> {
    const record = await this.store.getRecord(recordId)
    if (!record) throw new AppError('RECORD_NOT_FOUND', { recordId })
    const pages = await this.store.getPages(record.pageIds)
    return { batchId: record.batchId, recordId, pages: pages.map(p => ({ id: p.id, sha256: p.sha256 })) }
  }

  private async requireUnit (code: string): Promise<void> {
    if (!code || !(await this.store.getUnit(code))) throw new AppError('UNKNOWN_UNIT', { unit: code })
  }

  private async requireBatch (id: string, unit: string): Promise<Batch> {
    const batch = await this.store.getBatch(id)
    if (!batch) throw new AppError('BATCH_NOT_FOUND', { batchId: id })
    if (batch.unit !== unit) throw new AppError('VALIDATION', { batch: 'belongs to another unit' })
    if (batch.status === 'cancelled' || batch.status === 'finished') throw new AppError('VALIDATION', { batch: `is ${batch.status}` })
    return batch
  }

  /** The batch of a single upload is complete the moment it is made. */
  private async makeBatch (unit: string, source: IntakeSource): Promise<Batch> {
    const now = new Date().toISOString()
    return { id: newId('b'), unit, source, status: 'finished', recordIds: [], pageCount: 0, createdAt: now, updatedAt: now }
  }
}

/** Keeps the base name only (no folders), NFC, printable, at most 255 characters. */
function cleanFilename (name: string | undefined): string | null {
  if (!name) return null
  const base = name.normalize('NFC').split(/[\\/]/).pop()!.replace(/[\u0000-\u001f\u007f]/g, '').trim()
  return base ? base.slice(0, 255) : null
}
