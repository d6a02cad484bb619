/**
 * Shared by the log and package tests: a real store on disk with its node key and log, and archived records made the
 * way the archiver makes them (files stored first, then ONE log append carrying the record, its pages and events).
 */
import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { ArchiveLog, loadOrCreateNodeKey, type NodeKey } from '../../appliance/src/archive/log/index.js'
import { newId, Store, type Page, type RecordEntry, type RecordParty } from '../../appliance/src/store/index.js'
import { tempDir } from '../helpers/tmp.js'

export interface Opened {
  dir: string
  store: Store
  key: NodeKey
  archiveLog: ArchiveLog
}

export async function openArchive (t: { teardown: (fn: () => unknown) => void }, dir?: string): Promise<Opened> {
  const dataDir = dir ?? await tempDir(t, 'sohoa-log-')
  const store = await Store.open(dataDir)
  t.teardown(async () => await store.close())
  const key = await loadOrCreateNodeKey(dataDir)
  return { dir: dataDir, store, key, archiveLog: await ArchiveLog.open(store, key) }
}

export interface Archived {
  record: RecordEntry
  pages: Page[]
  files: Array<{ sha256: string, size: number, role: string }>
}

/** One archived record with `masters` page files (random bytes unless given), a PDF and an OCR text file. */
export async function archiveRecord (a: Opened, opts: { unit?: string, masters?: Buffer[], fields?: Record<string, string | null>, parties?: RecordParty[] } = {}): Promise<Archived> {
  const { store, archiveLog } = a
  const unit = opts.unit ?? '622'
  const id = newId('r')
  const batchId = newId('b')
  const now = new Date().toISOString()
  const masters = opts.masters ?? [randomBytes(3000), randomBytes(5000)]
  const pages: Page[] = []
  for (const [i, bytes] of masters.entries()) {
    const stored = await store.files.put(bytes)
    const thumb = await store.files.put(randomBytes(400))
    pages.push({
      id: newId('p'), recordId: id, batchId, unit, index: i, sha256: stored.sha256, size: bytes.byteLength, mime: 'image/jpeg',
      width: 100, height: 140, dpi: 300, stage: 'indexed', ocrRuns: 1, thumbnailSha256: thumb.sha256, createdAt: now, updatedAt: now
    })
  }
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n% sohoa test\n'), randomBytes(2000)])
  const pdfFile = await store.files.put(pdf)
  const text = Buffer.from(JSON.stringify({ recordId: id, pages: pages.map(p => ({ pageId: p.id, text: 'GIẤY PHÉP XÂY DỰNG', confidence: 90, words: [] })) }))
  const textFile = await store.files.put(text)
  const fields = opts.fields ?? { documentType: 'GIẤY PHÉP XÂY DỰNG', documentNumber: '1470/GPXD-UBND', issuedDate: '2019-05-14', issuer: 'UBND HUYỆN CHƯ SÊ' }
  const record: RecordEntry = {
    id, unit, batchId, filename: 'scan.jpg', sourceSha256: pages[0].sha256, pageIds: pages.map(p => p.id), status: 'archived',
    createdAt: now, updatedAt: now, version: 2, approvedBy: 'reviewer1', approvedAt: now, archivedAt: now,
    fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, { value: v, confidence: 1, boxes: [] }])),
    ...(opts.parties ? { parties: { value: opts.parties, confidence: 1, edited: true } } : {}),
    codes: { agencyCode: 'H21.12', dossierCode: 'H21.12-190514-0001', resultTypeCode: 'KQ.G15.000031', procedureCode: '1.003560' },
    validity: { state: 'valid' }, retention: 'permanent',
    pdf: { sha256: pdfFile.sha256, size: pdf.byteLength, filename: 'H21.12-190514-0001.01.pdf', testCertificate: true },
    textSha256: textFile.sha256
  }
  const files = [
    ...pages.map(p => ({ sha256: p.sha256, size: p.size, role: 'master' })),
    { sha256: pdfFile.sha256, size: pdf.byteLength, role: 'pdf' },
    { sha256: textFile.sha256, size: text.byteLength, role: 'text' }
  ]
  await archiveLog.append({ type: 'record.archived', recordId: id, unit, files, data: { record: { id, unit, fields, ...(opts.parties ? { parties: opts.parties } : {}) } } }, (tx) => {
    tx.putRecord(record)
    for (const p of pages) tx.putPage(p)
    tx.putEvent({ id: newId('e'), recordId: id, type: 'capture', at: now, agent: 'scanner-1', outcome: 'success', detail: '300 dpi colour' })
      .putEvent({ id: newId('e'), recordId: id, type: 'ocr', at: now, agent: 'tesseract.js 7', outcome: 'success' })
      .putEvent({ id: newId('e'), recordId: id, type: 'approval', at: now, agent: 'reviewer1', outcome: 'success' })
      .putEvent({ id: newId('e'), recordId: id, type: 'signature', at: now, agent: 'UBND HUYỆN CHƯ SÊ', outcome: 'success', detail: 'SAO Y, test certificate' })
  })
  return { record, pages, files }
}

/** XORs one byte of a stored file in place (the name stays: the content no longer matches it). */
export async function flipFileByte (store: Store, sha256: string, at: number, mask = 0x01): Promise<void> {
  const handle = await open(store.files.path(sha256), 'r+')
  try {
    const b = Buffer.alloc(1)
    await handle.read(b, 0, 1, at)
    b[0] ^= mask
    await handle.write(b, 0, 1, at)
  } finally {
    await handle.close()
  }
}

/** The raw stored value of a log entry (the sublevel's bytes, not through the JSON encoding), and a way to write it back. */
export function rawLogValue (store: Store): { get: (seq: number) => Promise<Buffer>, put: (seq: number, value: Buffer) => Promise<void>, del: (seq: number) => Promise<void> } {
  const sub = store.sub('log') as any
  const key = (seq: number): string => String(seq).padStart(12, '0')
  return {
    get: async (seq) => await sub.get(key(seq), { valueEncoding: 'buffer' }),
    put: async (seq, value) => await sub.put(key(seq), value, { valueEncoding: 'buffer' }),
    del: async (seq) => await sub.del(key(seq))
  }
}
