// Scanned PDFs through every door: the real appliance over HTTP (one record, a master per page, OCR on them like
// any page, the PDF itself kept, duplicates, refusals), and the FTP drop box and a watched folder on a real intake.
// Passive FTP ports 31300-31309 belong to this file.
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { Client, FTPError } from 'basic-ftp'
import { PDFDocument } from 'pdf-lib'
import sharp from 'sharp'
import t from 'tap'
import { FolderWatcher, FtpDropBox, type FolderResult } from '../../appliance/src/push/index.js'
import { createToken, startAppliance, truth, waitForBatch } from '../helpers/appliance.js'
import { CORPUS, tempDir } from '../helpers/tmp.js'
import { addImagePage, ccittImage, encrypt, jpegPdf, manyPagesPdf, textPdf } from '../imaging/pdf-fixtures.js'
import { countRecords, ftpConfig, openHarness, sha256, silent, waitFor } from '../push/setup.js'

const A4: [number, number] = [595.28, 841.89]
const corpus = async (n: number): Promise<Buffer> => await readFile(join(CORPUS, `${String(n).padStart(4, '0')}.jpg`))

/** What a black-and-white copier and a colour one make of three sheets: a JPEG page, a G4 page, a turned JPEG page. */
async function copierPdf (): Promise<Buffer> {
  const doc = await PDFDocument.create()
  doc.addPage(A4).drawImage(await doc.embedJpg(await corpus(1)), { x: 0, y: 0, width: A4[0], height: A4[1] })
  const [w, h] = [2480, 3504]
  const bilevel = await sharp(await corpus(0)).extract({ left: 0, top: 0, width: w, height: h }).toColourspace('b-w').threshold(128).raw().toBuffer()
  addImagePage(doc, { ...(await ccittImage(bilevel, w, h)), widthPt: w * 72 / 300, heightPt: h * 72 / 300 })
  // A sheet fed sideways: the scanner stores it lying on its side, the page's /Rotate stands it up again.
  const sideways = await sharp(await corpus(2)).rotate(270).jpeg({ quality: 90 }).toBuffer()
  const turned = doc.addPage([A4[1], A4[0]])
  turned.drawImage(await doc.embedJpg(sideways), { x: 0, y: 0, width: A4[1], height: A4[0] })
  turned.setRotation({ type: 'degrees', angle: 90 } as any)
  return Buffer.from(await doc.save())
}

t.test('the appliance takes a scanned PDF like a multi-page TIFF', async t => {
  const dataDir = await tempDir(t)
  const app = await startAppliance({ dataDir })
  t.teardown(() => app.stop())
  const ingest = await createToken(app.url, 'ingest')
  const read = await createToken(app.url, 'read')
  const get = async (path: string): Promise<any> => await (await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${read.secret}` } })).json()
  const post = async (body: Buffer, type = 'application/pdf', filename = 'scan.pdf'): Promise<{ status: number, body: any, ms: number, timing: string }> => {
    const started = performance.now()
    const res = await fetch(`${app.url}/api/v1/pages?unit=622&filename=${encodeURIComponent(filename)}`, {
      method: 'POST', headers: { authorization: `Bearer ${ingest.secret}`, 'content-type': type }, body: new Uint8Array(body)
    })
    return { status: res.status, body: await res.json(), ms: performance.now() - started, timing: res.headers.get('server-timing') ?? '' }
  }

  const pdf = await copierPdf()
  const first = await post(pdf, 'application/pdf', 'scan-001.pdf')
  t.equal(first.status, 201, 'accepted')
  t.equal(first.body.pages.length, 3, 'one record, a page per PDF page')

  await t.test('its pages are masters like any other, and go through OCR', async t => {
    const batch = await waitForBatch(app.url, read.secret, first.body.batchId)
    t.match(batch, { pageCount: 3, records: [first.body.recordId], stages: { indexed: 3 }, failures: [] })
    const record = await get(`/api/v1/records/${first.body.recordId}`)
    t.match(record, { filename: 'scan-001.pdf', pages: [{ mime: 'image/jpeg', dpi: 200 }, { mime: 'image/png', dpi: 300 }, { mime: 'image/jpeg', dpi: 200 }] })
    const master = await fetch(`${app.url}/api/v1/records/${first.body.recordId}/pages/1`, { headers: { authorization: `Bearer ${read.secret}` } })
    t.ok(Buffer.from(await master.arrayBuffer()).equals(await corpus(1)), 'page 1 is the JPEG the copier made, byte for byte')
    t.ok(record.text.trim().length > 0, 'OCR text')
    const numbers = truth().filter(s => ['0001.jpg', '0000.jpg', '0002.jpg'].includes(s.file)).map(s => s.so_ky_hieu as string)
    for (const n of numbers) t.ok(record.text.includes(n), `the text holds ${n} (JPEG page, G4 page, turned page)`)
    const sha = sha256(pdf)
    t.ok(existsSync(join(dataDir, 'files', sha.slice(0, 2), sha.slice(2, 4), sha)), 'the PDF as sent is kept too')
  })

  await t.test('the same PDF again is the same record', async t => {
    const again = await post(pdf)
    t.equal(again.status, 200)
    t.match(again.body, { duplicate: true, recordId: first.body.recordId })
  })

  await t.test('refused PDFs get a clear answer and store nothing', async t => {
    const before = (await get('/api/v1/records?limit=100')).records.length
    const plain = await jpegPdf([await corpus(5)], [200])
    const small = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ffffff' } }).jpeg().toBuffer()
    const cases: Array<[string, Buffer, string, number, string]> = [
      ['encrypted', await encrypt(plain, 'mat-khau'), 'application/pdf', 422, 'PDF_ENCRYPTED'],
      ['born-digital text', await textPdf(), 'application/pdf', 422, 'PDF_NO_IMAGES'],
      ['cut short', plain.subarray(0, Math.floor(plain.length / 2)), 'application/pdf', 422, 'PDF_TRUNCATED'],
      ['not a PDF', Buffer.from('Đây là một tệp văn bản.\n'.repeat(20)), 'application/pdf', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['2,000 pages', manyPagesPdf(2000, small, [16, 16]), 'application/pdf', 422, 'PDF_TOO_MANY_PAGES']
    ]
    for (const [name, body, type, status, code] of cases) {
      const res = await post(body, type)
      t.equal(res.status, status, `${name}: ${status}`)
      t.equal(res.body.error, code, `${name}: ${code}`)
      t.ok(res.body.message && res.body.messageEn && res.body.message !== res.body.messageEn, `${name}: Vietnamese and English messages`)
    }
    t.equal((await get('/api/v1/records?limit=100')).records.length, before, 'no record made')
  })

  await t.test('ack time of 10- and 50-page PDFs while OCR runs, and of a JPEG posted meanwhile', async t => {
    const jpegs = await Promise.all(Array.from({ length: 24 }, async (_, i) => await corpus(i)))
    // Fifty different sheets: the corpus scans, each with a comment segment naming its page (no two files alike).
    const sheet = (i: number): Buffer => Buffer.concat([jpegs[i % 24].subarray(0, 2), Buffer.from([0xff, 0xfe, 0x00, 0x0a]), Buffer.from(`sheet${String(i).padStart(3, '0')}`), jpegs[i % 24].subarray(2)])
    const ten = await jpegPdf(Array.from({ length: 10 }, (_, i) => sheet(100 + i)), Array.from({ length: 10 }, (_, i) => truth()[(100 + i) % 24].dpi))
    const fifty = await jpegPdf(Array.from({ length: 50 }, (_, i) => sheet(i)), Array.from({ length: 50 }, (_, i) => truth()[i % 24].dpi))
    const r10 = await post(ten, 'application/pdf', 'ten.pdf')
    t.equal(r10.status, 201)
    t.equal(r10.body.pages.length, 10)
    const during: number[] = []
    const big = post(fifty, 'application/pdf', 'fifty.pdf')
    for (let i = 0; i < 3; i++) {
      const single = await post(await sharp(jpegs[i]).rotate(180).jpeg().toBuffer(), 'image/jpeg', 'single.jpg')
      t.equal(single.status, 201)
      during.push(Math.round(single.ms))
    }
    const r50 = await big
    t.equal(r50.status, 201)
    t.equal(r50.body.pages.length, 50)
    t.comment(`ack: 10-page PDF (${(ten.length / 1e6).toFixed(1)} MB) ${Math.round(r10.ms)} ms [${r10.timing}]; 50-page PDF (${(fifty.length / 1e6).toFixed(1)} MB) ${Math.round(r50.ms)} ms [${r50.timing}]; single JPEGs posted meanwhile ${during.join(', ')} ms`)
    t.ok(r50.ms < 60_000, 'a 50-page PDF is acknowledged within a minute')
  })
})

t.test('the FTP drop box and a watched folder take PDFs too', async t => {
  const h = await openHarness(t)
  const pdf = await jpegPdf([await corpus(6), await corpus(7)], [200, 200])
  const locked = await encrypt(pdf, 'mat-khau')

  const box = new FtpDropBox({ config: ftpConfig(31300, 31309, [{ username: 'copier', password: 'mat-khau-ftp', unit: '622' }]), intake: h.intake, logger: silent, maxUploadBytes: 20 << 20 })
  await box.listen()
  h.cleanup(async () => { await box.close() })
  const client = new Client(30_000)
  t.teardown(() => { client.close() })
  await client.access({ host: '127.0.0.1', port: box.port, user: 'copier', password: 'mat-khau-ftp' })
  const stored = await client.uploadFrom(Readable.from([pdf]), 'scan-0001.pdf')
  t.equal(stored.code, 226, 'FTP: 226 once durable')
  const recordId = await h.store.findImport('622', sha256(pdf))
  t.ok(recordId, 'FTP: a record for the PDF')
  t.equal((await h.store.getRecord(recordId!))?.pageIds.length, 2, 'FTP: two pages')
  const refused = await client.uploadFrom(Readable.from([locked]), 'scan-0002.pdf').then(() => undefined, (err: unknown) => err)
  t.ok(refused instanceof FTPError && refused.code === 550, 'FTP: an encrypted PDF gets 550')
  t.match((refused as Error).message, /mã hóa/, 'with the Vietnamese reason')
  t.equal(await countRecords(h.store), 1, 'FTP: nothing stored for it')

  const dir = join(h.dir, 'share')
  await mkdir(dir)
  const results: FolderResult[] = []
  const watcher = new FolderWatcher({ folder: { path: dir, unit: '623', intervalMs: 40, stableMs: 200 }, intake: h.intake, logger: silent, maxUploadBytes: 20 << 20, onResult: r => { results.push(r) } })
  h.cleanup(async () => { await watcher.stop() })
  watcher.start()
  await writeFile(join(dir, 'Scan_0001.PDF'), pdf)
  await writeFile(join(dir, 'Scan_0002.pdf'), locked)
  await waitFor(() => results.length >= 2, 20_000, 'both files handled')
  t.same(results.map(r => r.outcome).sort(), ['accepted', 'refused'], 'folder: the scan taken, the encrypted one refused')
  t.same(await readdir(join(dir, 'done')), ['Scan_0001.PDF'])
  const reason = await readFile(join(dir, 'failed', 'Scan_0002.pdf.reason.txt'), 'utf8')
  t.match(reason, /PDF_ENCRYPTED/, 'folder: the reason file names the code')
  t.equal((await h.store.getRecord((await h.store.findImport('623', sha256(pdf)))!))?.pageIds.length, 2, 'folder: two pages')
})
