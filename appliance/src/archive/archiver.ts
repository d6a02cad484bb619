/**
 * Archiving an approved record: the signed "SAO Y" PDF/A, the OCR words as a file, the retention and validity from
 * the result-type table, then ONE atomic write holding the record's new state, its events and the signed log entry
 * that vouches for every file. It runs as the `archive` record step, whose job the approval wrote: a crash before
 * the write runs it again at the next start; a crash between storing the PDF and the log write leaves only an
 * unreferenced file (never a half-archived record).
 */
import { stat } from 'node:fs/promises'
import { AppError } from '../errors/index.js'
import type { Logger } from '../log/index.js'
import { retentionOf, validUntilOf, type ResultTypeTable } from '../records/index.js'
import { archiveIdOf, type RecordLifecycle } from '../records/index.js'
import { newId, type Page, type PageText, type RecordEntry, type Store, type Tx } from '../store/index.js'
import type { SigningIdentity } from './identity.js'
import { TOMBSTONE_FIELDS } from './lifecycle.js'
import type { ArchiveLog } from './log/index.js'
import { buildArchivalPdf } from './pdf/index.js'
import { signSaoY } from './signing/index.js'

export interface ArchiverOptions {
  store: Store
  lifecycle: RecordLifecycle
  log: ArchiveLog
  identity: SigningIdentity
  resultTypes: ResultTypeTable
  /** Base URL of the public verification page (`<publicUrl>/verify/<archiveId>`). */
  publicUrl: string
  producer: string
  logger: Logger
}

/** What the log says about an archived record: enough for the province to index it and for a restore. */
export function describeArchived (record: RecordEntry): Record<string, unknown> {
  return {
    id: record.id,
    archiveId: archiveIdOf(record),
    unit: record.unit,
    batchId: record.batchId,
    filename: record.filename,
    fields: Object.fromEntries(Object.entries(record.fields ?? {}).map(([k, f]) => [k, f.value])),
    parties: record.parties?.value ?? [],
    codes: record.codes ?? null,
    validity: record.validity ?? { state: 'valid' },
    retention: record.retention ?? null,
    pageCount: record.pageIds.length,
    createdAt: record.createdAt,
    approvedBy: record.approvedBy ?? null,
    approvedAt: record.approvedAt ?? null,
    archivedAt: record.archivedAt ?? null,
    pdf: record.pdf ? { sha256: record.pdf.sha256, filename: record.pdf.filename } : null,
    textSha256: record.textSha256 ?? null
  }
}

/**
 * What a replica keeps of a record once it is lawfully deleted: `describeArchived` without the person (subject,
 * personal ID, summary, parties), the file name and the files; the document's identity stays, as in the tombstone.
 */
export function describeDeleted (described: Record<string, unknown>): Record<string, unknown> {
  const fields = (described.fields ?? {}) as Record<string, unknown>
  const kept: Record<string, unknown> = {}
  for (const name of TOMBSTONE_FIELDS) if (fields[name] !== undefined) kept[name] = fields[name]
  const { id, archiveId, unit, batchId, codes, validity, retention, pageCount, createdAt, archivedAt } = described
  return { id, archiveId, unit, batchId, codes, validity, retention, pageCount, createdAt, archivedAt, fields: kept, parties: [], pdf: null, textSha256: null }
}

/** `<dossier code>.<NN>.pdf` (TT 05/2025) when the record has a dossier code; else its archive id. */
export function pdfFilename (record: RecordEntry, indexInDossier = 1): string {
  const dossier = record.codes?.dossierCode
  return dossier ? `${dossier}.${String(indexInDossier).padStart(2, '0')}.pdf` : `${archiveIdOf(record)}.pdf`
}

export class Archiver {
  constructor (private readonly opts: ArchiverOptions) {}

  /**
   * Signs, stores and logs one approved record. Idempotent: an archived record is left as it is. `include` (the
   * archive step's job deletion) commits in the same batch as the archiving.
   */
  async archive (recordId: string, include?: Tx): Promise<RecordEntry> {
    const { store, lifecycle, log, identity, logger } = this.opts
    const record = await store.getRecord(recordId)
    if (!record) throw new AppError('RECORD_NOT_FOUND', { recordId })
    if (record.status === 'archived') return record
    if (record.status !== 'approved') throw new AppError('RECORD_STATE', { recordId, status: record.status })
    const started = performance.now()
    const pages = await store.getPages(record.pageIds)
    const texts = await store.getPageTexts(record.pageIds)
    const signingTime = new Date()
    const filename = pdfFilename(record)
    const pdf = await this.signedPdf(record, pages, texts, signingTime)
    const pdfFile = await store.files.put(pdf)
    const textFile = await store.files.put(Buffer.from(JSON.stringify({ recordId, pages: texts.map((t, i) => ({ pageId: record.pageIds[i], ...(t ?? {}) })) })))
    const now = new Date().toISOString()

    const next = await lifecycle.change(recordId, async (current, tx) => {
      if (current.status !== 'approved') return null
      const archived: RecordEntry = {
        ...current,
        status: 'archived',
        archivedAt: now,
        pdf: { sha256: pdfFile.sha256, size: pdfFile.size, filename, testCertificate: identity.testCertificate },
        textSha256: textFile.sha256,
        validity: { state: 'valid' },
        version: (current.version ?? 0) + 1,
        updatedAt: now
      }
      archived.retention = retentionOf(this.opts.resultTypes, archived)
      const validUntil = validUntilOf(this.opts.resultTypes, archived)
      if (validUntil && !archived.fields?.validUntil?.value) {
        archived.fields = { ...archived.fields, validUntil: { value: validUntil, confidence: 1, boxes: [], warnings: ['FROM_RESULT_TYPE'] } }
      }
      tx.putVersion({ recordId, version: archived.version!, at: now, by: 'system', action: 'archive', changes: { status: { from: 'approved', to: 'archived' } } })
        .putEvent({ id: newId('e'), recordId, type: 'signature', at: signingTime.toISOString(), agent: identity.certificate.subjectName, outcome: 'success', detail: identity.testCertificate ? 'SAO Y, test certificate' : 'SAO Y' })
        .putEvent({ id: newId('e'), recordId, type: 'archiving', at: now, agent: 'system', outcome: 'success', detail: `retention ${archived.retention}` })
      return archived
    }, async (tx, archived) => {
      const files = [
        ...pages.map(p => ({ sha256: p.sha256, size: p.size, role: 'master' })),
        ...(record.sourceSha256 && !pages.some(p => p.sha256 === record.sourceSha256) ? [{ sha256: record.sourceSha256, size: 0, role: 'source' }] : []),
        { sha256: pdfFile.sha256, size: pdfFile.size, role: 'pdf' },
        { sha256: textFile.sha256, size: textFile.size, role: 'text' }
      ]
      await fillSourceSize(store, files)
      await log.append({ type: 'record.archived', recordId, unit: archived.unit, files, data: { record: describeArchived(archived) } }, (logTx: Tx) => { logTx.include(tx); if (include) logTx.include(include) })
    })
    logger.info({ recordId, pages: pages.length, ms: Math.round(performance.now() - started) }, 'record archived')
    return next
  }

  private async signedPdf (record: RecordEntry, pages: Page[], texts: Array<PageText | undefined>, signingTime: Date): Promise<Uint8Array> {
    const { store, identity } = this.opts
    const field = (n: string): string | null => record.fields?.[n]?.value ?? null
    const archiveId = archiveIdOf(record)
    const unsigned = await buildArchivalPdf({
      pages: await Promise.all(pages.map(async (p, i) => ({
        image: await store.files.read(p.sha256),
        mime: p.mime,
        dpi: p.dpi ?? 300,
        words: texts[i]?.words ?? [],
        ...(texts[i] ? { wordsSpace: { width: texts[i]!.width, height: texts[i]!.height, skewDeg: p.skewDeg ?? 0 } } : {})
      }))),
      metadata: {
        title: [field('documentType'), field('documentNumber')].filter(Boolean).join(' ') || archiveId,
        agency: identity.agencyName,
        archiveId,
        unit: record.unit,
        dossierCode: record.codes?.dossierCode ?? null,
        fields: Object.fromEntries(Object.entries(record.fields ?? {}).map(([k, f]) => [k, f.value]))
      },
      producer: this.opts.producer,
      createdAt: signingTime
    })
    return await signSaoY(unsigned, {
      p12: identity.p12,
      passphrase: identity.passphrase,
      agencyName: identity.agencyName,
      signingTime,
      verifyUrl: `${this.opts.publicUrl.replace(/\/$/, '')}/verify/${archiveId}`,
      testCertificate: identity.testCertificate
    })
  }
}

async function fillSourceSize (store: Store, files: Array<{ sha256: string, size: number, role: string }>): Promise<void> {
  for (const f of files) if (f.size === 0) f.size = (await stat(store.files.path(f.sha256))).size
}
