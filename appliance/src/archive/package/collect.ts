/**
 * A stored, archived record as package input: its description, the files its log entries vouch for (page masters,
 * the as-received source when it differs, the signed PDF, the OCR words), its events and its log entries.
 */
import { extname } from 'node:path'
import { AppError } from '../../errors/index.js'
import { archiveIdOf } from '../../records/index.js'
import type { Store } from '../../store/index.js'
import type { ArchiveLog } from '../log/index.js'
import type { PackageFile, PackageInput } from './types.js'

const DATA = 'representations/rep1/data'
const EXT: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/tiff': 'tif', 'application/pdf': 'pdf', 'application/json': 'json' }
const MIME: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.tif': 'image/tiff', '.tiff': 'image/tiff', '.pdf': 'application/pdf' }
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/

export interface CollectOptions {
  store: Store
  archiveLog: ArchiveLog
  recordId: string
  unitName?: string | null
  software?: PackageInput['software']
}

export async function packageInputOf ({ store, archiveLog, recordId, unitName, software }: CollectOptions): Promise<PackageInput> {
  const record = await store.getRecord(recordId)
  if (!record || record.deleted) throw new AppError('RECORD_NOT_FOUND', { recordId })
  if (record.status !== 'archived' || !record.pdf) throw new AppError('RECORD_STATE', { recordId, status: record.status })
  const archiveId = archiveIdOf(record)
  const pages = await store.getPages(record.pageIds)
  const stored = (sha256: string): PackageFile['read'] => () => store.files.stream(sha256)
  const files: PackageFile[] = pages.map((p, i) => ({
    path: `${DATA}/page-${String(i + 1).padStart(3, '0')}.${EXT[p.mime] ?? 'bin'}`,
    sha256: p.sha256, size: p.size, mime: p.mime, role: 'master', read: stored(p.sha256)
  }))
  const entries = await archiveLog.forRecord(recordId)
  const vouched = new Map(entries.flatMap(e => e.body.files ?? []).map(f => [f.sha256, f]))
  const source = record.sourceSha256 && !pages.some(p => p.sha256 === record.sourceSha256) ? vouched.get(record.sourceSha256) : undefined
  if (source) {
    const ext = extname(record.filename ?? '').toLowerCase()
    const mime = MIME[ext] ?? 'application/octet-stream'
    files.push({ path: `${DATA}/source.${EXT[mime] ?? 'bin'}`, sha256: source.sha256, size: source.size, mime, role: 'source', read: stored(source.sha256) })
  }
  const pdfName = SAFE_NAME.test(record.pdf.filename) && record.pdf.filename.endsWith('.pdf') ? record.pdf.filename : `${archiveId}.pdf`
  files.push({ path: `${DATA}/${pdfName}`, sha256: record.pdf.sha256, size: record.pdf.size, mime: 'application/pdf', role: 'pdf', read: stored(record.pdf.sha256) })
  const text = record.textSha256 ? vouched.get(record.textSha256) : undefined
  if (text) files.push({ path: `${DATA}/ocr-text.json`, sha256: text.sha256, size: text.size, mime: 'application/json', role: 'text', read: stored(text.sha256) })

  return {
    record: {
      id: record.id,
      archiveId,
      unit: record.unit,
      unitName: unitName ?? null,
      fields: Object.fromEntries(Object.entries(record.fields ?? {}).map(([k, f]) => [k, f.value])),
      parties: record.parties?.value ?? [],
      codes: record.codes ? { ...record.codes } : null,
      status: record.status,
      validity: record.validity?.state ?? 'valid',
      retention: record.retention ?? null,
      createdAt: record.createdAt,
      approvedBy: record.approvedBy ?? null,
      approvedAt: record.approvedAt ?? null,
      archivedAt: record.archivedAt ?? null
    },
    files,
    events: await store.listEvents(recordId),
    logEntries: entries.map(e => ({ seq: e.seq, envelope: e.envelope })),
    node: archiveLog.peerId,
    ...(software ? { software } : {})
  }
}
