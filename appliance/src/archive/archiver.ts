/**
 * Archiving an approved record, as three record steps (pipeline/steps.ts), each one atomic write that also holds
 * the next step's job, so a crash between two of them loses nothing and repeats nothing visible:
 * - `sign`: the signed "SAO Y" PDF/A and the OCR words as a file, stored (content-addressed) before the write that
 *   puts them on the record, still approved (`archiving`), with the signature event. A crash before that write
 *   signs again; the copy it made is an unreferenced file, harmless (`Store.sweepFiles` takes it at the next sweep).
 * - `package`: the archival package's manifest: the files its log entry will vouch for (with their sizes), the
 *   retention and the validity from the result-type table, fixed once so a repeated log step publishes the same.
 * - `log`: the record becomes archived (status, copy, retention, validity, version, archiving event) in ONE write
 *   with the signed `record.archived` entry. The record's status is its log state: archived exactly when that
 *   entry exists, so every reader of an archived record (verification, lookups, packages, the outbox, replicas,
 *   `sohoa verify`) may rely on the log, and a repeated step finds the record archived and appends nothing.
 */
import { stat } from 'node:fs/promises'
import { AppError } from '../errors/index.js'
import type { Logger } from '../log/index.js'
import { retentionOf, validUntilOf, type ResultTypeTable } from '../records/index.js'
import { archiveIdOf, type RecordLifecycle } from '../records/index.js'
import { newId, type ArchivedFile, type ArchivingState, type Page, type PageText, type RecordEntry, type Store, type Tx } from '../store/index.js'
import type { SigningIdentity } from './identity.js'
import { TOMBSTONE_FIELDS } from './lifecycle.js'
import type { ArchiveLog } from './log/index.js'
import { buildArchivalPdf } from './pdf/index.js'
import { signSaoY } from './signing/index.js'

export interface ArchiverOptions {
  store: Store
  lifecycle: RecordLifecycle
  archiveLog: ArchiveLog
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
   * All three steps at once, for an admin's retry (`POST /records/:id/archive`). Each is a no-op once done, so
   * it may meet the runner doing the same: the jobs the steps write are then found done and just deleted.
   */
  async archive (recordId: string): Promise<RecordEntry> {
    await this.sign(recordId)
    await this.package(recordId)
    return await this.logArchived(recordId)
  }

  /** The `sign` step. `include` (the step's job deletion) commits in its write. Done once the record has its copy. */
  async sign (recordId: string, include?: Tx): Promise<RecordEntry> {
    const { store, lifecycle, identity, logger } = this.opts
    const record = await this.pending(recordId)
    if (record.status !== 'approved' || record.archiving) return record
    const started = performance.now()
    const pages = await store.getPages(record.pageIds)
    const texts = await store.getPageTexts(record.pageIds)
    const signingTime = new Date()
    const pdf = await this.signedPdf(record, pages, texts, signingTime)
    // Durable before the write that references them (FileStore.put: fsync, rename, folder fsync).
    const pdfFile = await store.files.put(pdf)
    const textFile = await store.files.put(Buffer.from(JSON.stringify({ recordId, pages: texts.map((t, i) => ({ pageId: record.pageIds[i], ...(t ?? {}) })) })))
    const archiving: ArchivingState = {
      pdf: { sha256: pdfFile.sha256, size: pdfFile.size, filename: pdfFilename(record), testCertificate: identity.testCertificate },
      text: { sha256: textFile.sha256, size: textFile.size },
      signedAt: signingTime.toISOString()
    }
    const next = await lifecycle.change(recordId, async (current, tx) => {
      if (current.status !== 'approved' || current.archiving) return null
      tx.putEvent({ id: newId('e'), recordId, type: 'signature', at: archiving.signedAt, agent: identity.certificate.subjectName, outcome: 'success', detail: identity.testCertificate ? 'SAO Y, test certificate' : 'SAO Y' })
        .putRecordJob('package', recordId)
      return { ...current, archiving }
    }, committer(include))
    logger.info({ recordId, pages: pages.length, ms: Math.round(performance.now() - started) }, 'record signed')
    return next
  }

  /** The `package` step: the manifest the log entry will carry. Done once the record has it. */
  async package (recordId: string, include?: Tx): Promise<RecordEntry> {
    const { store, lifecycle, resultTypes } = this.opts
    const record = await this.pending(recordId)
    if (record.status !== 'approved' || !record.archiving || record.archiving.manifest) return record
    const signed = record.archiving
    const pages = await store.getPages(record.pageIds)
    const files: ArchivedFile[] = [
      ...pages.map(p => ({ sha256: p.sha256, size: p.size, role: 'master' })),
      ...(record.sourceSha256 && !pages.some(p => p.sha256 === record.sourceSha256) ? [{ sha256: record.sourceSha256, size: 0, role: 'source' }] : []),
      { sha256: signed.pdf.sha256, size: signed.pdf.size, role: 'pdf' },
      { sha256: signed.text.sha256, size: signed.text.size, role: 'text' }
    ]
    await fillSourceSize(store, files)
    const manifest = { files, retention: retentionOf(resultTypes, record), validUntil: validUntilOf(resultTypes, record), at: new Date().toISOString() }
    return await lifecycle.change(recordId, async (current, tx) => {
      if (current.status !== 'approved' || current.archiving?.pdf.sha256 !== signed.pdf.sha256 || current.archiving.manifest) return null
      tx.putRecordJob('log', recordId)
      return { ...current, archiving: { ...current.archiving, manifest } }
    }, committer(include))
  }

  /**
   * The `log` step: the record archived and its `record.archived` entry, in one write. Exactly one entry per
   * record: a record already archived (this step ran, or its write committed before a crash) is left as it is.
   */
  async logArchived (recordId: string, include?: Tx): Promise<RecordEntry> {
    const { lifecycle, archiveLog, logger } = this.opts
    const record = await this.pending(recordId)
    if (record.status !== 'approved' || !record.archiving?.manifest) return record
    let files: ArchivedFile[] = []
    let appended = false
    const next = await lifecycle.change(recordId, async (current, tx) => {
      const { archiving, ...rest } = current
      if (current.status !== 'approved' || !archiving?.manifest) return null
      const now = new Date().toISOString()
      const { manifest } = archiving
      files = manifest.files
      const archived: RecordEntry = {
        ...rest,
        status: 'archived',
        archivedAt: now,
        pdf: archiving.pdf,
        textSha256: archiving.text.sha256,
        validity: { state: 'valid' },
        retention: manifest.retention,
        version: (current.version ?? 0) + 1,
        updatedAt: now
      }
      if (manifest.validUntil && !archived.fields?.validUntil?.value) {
        archived.fields = { ...archived.fields, validUntil: { value: manifest.validUntil, confidence: 1, boxes: [], warnings: ['FROM_RESULT_TYPE'] } }
      }
      tx.putVersion({ recordId, version: archived.version!, at: now, by: 'system', action: 'archive', changes: { status: { from: 'approved', to: 'archived' } } })
        .putEvent({ id: newId('e'), recordId, type: 'archiving', at: now, agent: 'system', outcome: 'success', detail: `retention ${archived.retention}` })
      return archived
    }, async (tx, archived) => {
      await archiveLog.append({ type: 'record.archived', recordId, unit: archived.unit, files, data: { record: describeArchived(archived) } }, (logTx: Tx) => { logTx.include(tx); if (include) logTx.include(include) })
      appended = true
    })
    if (appended) logger.info({ recordId, retention: next.retention }, 'record archived')
    return next
  }

  /** The record the steps work on; an unknown or deleted one is an error (the runner retries, the route answers 404). */
  private async pending (recordId: string): Promise<RecordEntry> {
    const record = await this.opts.store.getRecord(recordId)
    if (!record || record.deleted) throw new AppError('RECORD_NOT_FOUND', { recordId })
    if (record.status === 'draft') throw new AppError('RECORD_STATE', { recordId, status: record.status })
    return record
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

/** Commits a step's record change together with its job deletion (when the runner runs it). */
function committer (include?: Tx): ((tx: Tx) => Promise<void>) | undefined {
  return include ? async (tx) => { await tx.include(include).commit() } : undefined
}

async function fillSourceSize (store: Store, files: ArchivedFile[]): Promise<void> {
  for (const f of files) if (f.size === 0) f.size = (await stat(store.files.path(f.sha256))).size
}
