/**
 * Intake: the one door into storage. Every page, whatever brought it (HTTP, import, scanner, FTP, folder), comes
 * through `accept`: checked cheaply (type, pixel count, truncation), its bytes made durable in the file store, then
 * its record, pages and pipeline jobs committed in one synced LevelDB batch. Only then is it acknowledged.
 * The same bytes posted again for the same unit answer with the record they already made: retries after a crash
 * or a lost answer never duplicate anything.
 * A multi-page file (TIFF, or a copier's scanned PDF) is one record with one master per page; the file as sent is
 * kept beside them (`sourceSha256`).
 */
import type { Logger } from 'pino'
import { AppError } from '../errors/index.js'
import { inspectImage, isPdf, masterPages, openPdf, type ImageInfo, type PdfDocument } from '../imaging/index.js'
import { FileStore, newId, type Batch, type IntakeReceipt, type Job, type Page, type RecordEntry, type Store } from '../store/index.js'

export type IntakeSource = Batch['source']

/** A master made durable in the file store, with what its page record says about it. */
interface StoredPage {
  sha256: string
  size: number
  mime: string
  width: number
  height: number
  dpi: number | null
}

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
  /**
   * Who sent it (`user:<name>`, `token:<id>`, `local`): an idempotency key is scoped by its sender, so one client's
   * key never answers with another client's ids. Required with `idempotencyKey`.
   */
  principal?: string
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
  /** Pixels of all pages of one file together (unset: no total budget). */
  maxFilePixels?: number
  /** HTTP uploads taken at once (see `tryUploadSlot`); default 4. */
  maxConcurrentUploads?: number
  logger: Logger
  /** Called after a commit, so the pipeline picks the new jobs up at once. */
  onAccepted?: (receipt: IntakeReceipt) => void
  /** Called after a batch's status changed (a finished stack can then be cut into records). */
  onBatchStatus?: (batch: Batch) => void
}

/**
 * Page files of one PDF written at once. On the 2-core VM the files phase of a 50-page PDF took 0.7-1.1 s with 4,
 * 1.1-1.9 s one at a time (each write ends in an fsync; the next page is made on the PDF thread meanwhile).
 */
const PDF_WRITES_IN_FLIGHT = 4

const ACCEPTED_TYPES = new Set(['image/jpeg', 'image/png', 'image/tiff', 'application/pdf', 'application/octet-stream'])

export class Intake {
  private readonly store: Store
  private uploads = 0
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
    return await this.store.lockBatch(batchId, async () => {
      const batch = await this.store.getBatch(batchId)
      if (!batch) throw new AppError('BATCH_NOT_FOUND', { batchId })
      const { reason: _old, ...rest } = batch
      const next: Batch = { ...rest, status, ...(reason ? { reason } : {}), updatedAt: new Date().toISOString() }
      const tx = this.store.tx().putBatch(next)
      // A finished (or cancelled) stack is cut into records once every page is prepared: the segment step, due now.
      if (status === 'finished' || status === 'cancelled') tx.putRecordJob('segment', batchId)
      await tx.commit()
      this.opts.onBatchStatus?.(next)
      return next
    })
  }

  async accept (req: IntakeRequest): Promise<IntakeResult> {
    if (!req.idempotencyKey) return await this.acceptOnce(req)
    const principal = req.principal ?? 'anonymous'
    const key = req.idempotencyKey
    // The key is checked against the request it first answered: same unit and same bytes, or 409. One request per
    // key at a time, so two different uploads racing on one key cannot both commit.
    return await this.store.lockReceipt(principal, key, async () => {
      const sha256 = FileStore.hash(req.bytes)
      const receipt = await this.store.getReceipt(principal, key)
      if (receipt) {
        if (receipt.unit !== req.unit || receipt.sha256 !== sha256) throw new AppError('IDEMPOTENCY_KEY_REUSED')
        const { unit: _u, sha256: _s, ...answer } = receipt
        return { ...answer, created: false }
      }
      const result = await this.acceptOnce({ ...req, principal }, sha256)
      // A duplicate of bytes already taken answers with that record; its receipt makes the key's answer stable.
      if (!result.created) {
        const { created: _c, timings: _t, ...answer } = result
        await this.store.tx().putReceipt(principal, key, { ...answer, unit: req.unit, sha256 }).commit()
      }
      return result
    })
  }

  private async acceptOnce (req: IntakeRequest, knownSha256?: string): Promise<IntakeResult> {
    await this.requireUnit(req.unit)
    if (req.bytes.length === 0) throw new AppError('EMPTY_BODY')
    const t0 = performance.now()
    // A PDF is checked and planned whole here (on the PDF thread); an image by its headers.
    const limits = { maxPixels: this.opts.maxPixels, ...(this.opts.maxFilePixels !== undefined ? { maxFilePixels: this.opts.maxFilePixels } : {}) }
    const pdf = isPdf(req.bytes) ? await openPdf(req.bytes, limits) : undefined
    try {
      const info = pdf ? undefined : await inspectImage(req.bytes, limits)
      const sha256 = pdf?.sha256 ?? knownSha256 ?? FileStore.hash(req.bytes)
      const timings: Record<string, number> = { check: performance.now() - t0 }

      // One upload at a time per (unit, file): two identical concurrent posts make one record.
      return await this.store.lockIntake(req.unit, sha256, async () => {
        const existing = await this.store.findImport(req.unit, sha256)
        if (existing) return { ...(await this.receiptOf(existing)), created: false }

        const t1 = performance.now()
        const stored = pdf ? await this.storePdfPages(pdf) : await this.storeImagePages(req.bytes, sha256, info!)
        // The file as sent is kept too (the record's sourceSha256): nothing the scanner sent is lost.
        if (pdf || stored.length > 1) await this.store.files.put(req.bytes, sha256)
        timings.files = performance.now() - t1
        return await this.commit(req, sha256, stored, timings)
      })
    } finally {
      await pdf?.close()
    }
  }

  /** Each page of a multi-page TIFF as a PNG master, written before the next is made; any other image is its own master. */
  private async storeImagePages (bytes: Buffer, sha256: string, info: ImageInfo): Promise<StoredPage[]> {
    const stored: StoredPage[] = []
    let index = 0
    for await (const master of masterPages(bytes, info)) {
      const dims = info.pagesInfo?.[index] ?? info
      const file = master === bytes ? await this.store.files.put(bytes, sha256) : await this.store.files.put(master)
      stored.push({ ...file, mime: info.pages > 1 ? 'image/png' : info.mime, width: dims.width, height: dims.height, dpi: dims.dpi ?? null })
      index++
    }
    return stored
  }

  /**
   * A slot for one HTTP upload, or null when `maxConcurrentUploads` are being taken: the route answers 429 then,
   * before reading the body, so a burst of uploads cannot hold bodies, decoders and fsyncs without bound.
   */
  tryUploadSlot (): (() => void) | null {
    if (this.uploads >= (this.opts.maxConcurrentUploads ?? 4)) return null
    this.uploads++
    let released = false
    return () => {
      if (released) return
      released = true
      this.uploads--
    }
  }

  /**
   * Each page of a PDF, made on the PDF thread while the pages before it are written: a few writes in flight
   * (each ends in an fsync), never the whole document in memory.
   */
  private async storePdfPages (pdf: PdfDocument): Promise<StoredPage[]> {
    const stored: Array<Promise<StoredPage>> = []
    const inFlight: Array<Promise<unknown>> = []
    for await (const page of pdf.pages()) {
      const write = this.store.files.put(page.bytes, page.sha256)
        .then(file => ({ ...file, mime: page.mime, width: page.width, height: page.height, dpi: page.dpi }))
      stored.push(write)
      // A failed write is reported by Promise.all below; this copy only paces the loop.
      inFlight.push(write.catch(() => {}))
      if (inFlight.length >= PDF_WRITES_IN_FLIGHT) await inFlight.shift()
    }
    return await Promise.all(stored)
  }

  /** The record, its pages and their jobs in one synced batch; then the answer. */
  private async commit (req: IntakeRequest, sha256: string, stored: StoredPage[], timings: Record<string, number>): Promise<IntakeResult> {
    const commit = async (): Promise<IntakeResult> => {
      const batch = req.batchId ? await this.requireBatch(req.batchId, req.unit) : await this.makeBatch(req.unit, req.source)
      const now = new Date().toISOString()
      const recordId = newId('r')
      const pages: Page[] = stored.map((file, index) => ({
        id: newId('p'), recordId, batchId: batch.id, unit: req.unit, index, sha256: file.sha256, size: file.size,
        mime: file.mime, width: file.width, height: file.height, dpi: file.dpi,
        stage: 'received', ocrRuns: 0, createdAt: now, updatedAt: now
      }))
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
      if (req.idempotencyKey) tx.putReceipt(req.principal ?? 'anonymous', req.idempotencyKey, { ...receipt, unit: req.unit, sha256 })
      const t2 = performance.now()
      await tx.commit()
      timings.commit = performance.now() - t2
      return { ...receipt, created: true, timings }
    }
    const result = req.batchId ? await this.store.lockBatch(req.batchId, commit) : await commit()
    this.opts.logger.info({ batchId: result.batchId, recordId: result.recordId, pages: result.pages.length, source: req.source }, 'page(s) accepted')
    this.opts.onAccepted?.(result)
    return result
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
