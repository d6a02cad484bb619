import t from 'tap'
import { execFile } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PDFDocument } from 'pdf-lib'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'
import { encodeSeparator, renderSeparatorSheets, type SeparatorInfo } from '../../appliance/src/separator/index.js'
import { tempDir } from '../helpers/tmp.js'
import { SHEETS, rasterise } from './helpers.js'

const run = promisify(execFile)
const require = createRequire(import.meta.url)
const MM_PER_INCH = 25.4

/** Case and accents folded, whitespace collapsed: OCR output compared with what was printed. */
function fold (s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim()
}

const started = performance.now()
const pdf = await renderSeparatorSheets(SHEETS, { unitName: { 622: 'Thành phố Pleiku', 628: 'Huyện Ia Grai' }, language: 'vi' })
const firstMs = performance.now() - started

t.test('an A4 PDF, one page per sheet, Tinos embedded, text in Vietnamese', async t => {
  const dir = await tempDir(t, 'sohoa-sheet-')
  const file = join(dir, 'sheets.pdf')
  writeFileSync(file, pdf)
  const doc = await PDFDocument.load(pdf)
  t.equal(doc.getPageCount(), SHEETS.length)
  for (const page of doc.getPages()) {
    t.equal(Math.round(page.getWidth() / 72 * MM_PER_INCH), 210)
    t.equal(Math.round(page.getHeight() / 72 * MM_PER_INCH), 297)
  }
  const fonts = (await run('pdffonts', [file])).stdout
  t.match(fonts, /Tinos-Regular/)
  t.match(fonts, /Tinos-Bold/)

  const pages = await Promise.all(SHEETS.map(async (_, i) => (await run('pdftotext', ['-f', String(i + 1), '-l', String(i + 1), file, '-'])).stdout))
  for (const [i, sheet] of SHEETS.entries()) {
    const text = pages[i]
    t.equal(text, text.normalize('NFC'), 'NFC text')
    for (const words of ['TỜ PHÂN CÁCH HỒ SƠ', 'Mã hồ sơ:', 'Mã thủ tục hành chính:', 'Mã kết quả:', 'Hộp số:', 'Hồ sơ số:', 'Đặt tờ này lên trước hồ sơ khi quét.']) {
      t.ok(text.includes(words), `sheet ${i + 1} says "${words}"`)
    }
    for (const value of [sheet.unit, sheet.dossierCode, sheet.procedureCode, sheet.resultTypeCode, sheet.box, sheet.file, sheet.inventoryFileId]) {
      if (value) t.ok(text.includes(value), `sheet ${i + 1} shows ${value}`)
    }
    t.ok(text.includes(`Tờ ${i + 1}/${SHEETS.length}`))
  }
  t.ok(pages[0].includes('Thành phố Pleiku'), 'unit name by code')
  t.ok(pages[2].includes('Huyện Ia Grai'))
  t.match(pages[2], /Mã hồ sơ:\s+—/, 'an absent code shows a dash')
  t.comment(`render ${SHEETS.length} sheets: first call ${firstMs.toFixed(0)} ms, ${pdf.length} bytes`)
  const again = performance.now()
  await renderSeparatorSheets(SHEETS, { language: 'vi' })
  t.comment(`render ${SHEETS.length} sheets again: ${(performance.now() - again).toFixed(0)} ms`)
})

t.test('printed: the glyphs render (OCR of the 300 dpi raster) and the QR is large, level Q, exact', async t => {
  const dir = await tempDir(t, 'sohoa-sheet-')
  const images = await rasterise(pdf, 300, dir)
  t.equal(images.length, SHEETS.length)

  // A subset font with broken glyphs still extracts as text; only the rendered page shows it (tech-notes §7).
  writeFileSync(join(dir, 'page2.jpg'), images[1])
  const ocr = (await run('tesseract', [join(dir, 'page2.jpg'), '-', '-l', 'vie', '--psm', '4'], { env: { ...process.env, OMP_THREAD_LIMIT: '1' } })).stdout
  const folded = fold(ocr)
  for (const words of ['TỜ PHÂN CÁCH HỒ SƠ', 'Mã thủ tục hành chính', 'Đặt tờ này lên trước hồ sơ khi quét', 'Tờ này không được lưu vào hồ sơ']) {
    t.ok(folded.includes(fold(words)), `OCR reads "${words}"`)
  }
  t.ok(folded.includes('2.000635.000.00.00.h21'), 'OCR reads the procedure code')

  const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
  await prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) }, fireImmediately: true })
  for (const [i, image] of images.entries()) {
    const found = await readBarcodes(new Uint8Array(image), { formats: ['QRCode'] })
    t.equal(found.length, 1, `sheet ${i + 1}: one QR code`)
    const qr = found[0]
    t.equal(qr.text, encodeSeparator(SHEETS[i]))
    t.equal(qr.ecLevel, 'Q')
    const { topLeft, topRight, bottomLeft } = qr.position
    const sideMm = Math.hypot(topRight.x - topLeft.x, topRight.y - topLeft.y) / 300 * MM_PER_INCH
    const heightMm = Math.hypot(bottomLeft.x - topLeft.x, bottomLeft.y - topLeft.y) / 300 * MM_PER_INCH
    t.ok(sideMm >= 60 && heightMm >= 60, `sheet ${i + 1}: QR ${sideMm.toFixed(1)} x ${heightMm.toFixed(1)} mm`)
  }
})

t.test('English labels, and one name for every sheet', async t => {
  const dir = await tempDir(t, 'sohoa-sheet-')
  const file = join(dir, 'en.pdf')
  writeFileSync(file, await renderSeparatorSheets([SHEETS[0]], { unitName: 'Thành phố Pleiku', language: 'en' }))
  const text = (await run('pdftotext', [file, '-'])).stdout
  for (const words of ['RECORD SEPARATOR SHEET', 'Dossier code:', 'Put this sheet on top of the record when scanning.', 'Thành phố Pleiku', 'Sheet 1 of 1']) {
    t.ok(text.includes(words), words)
  }
})

t.test('bad input is refused before anything is drawn', async t => {
  await t.rejects(renderSeparatorSheets([SHEETS[0], { unit: '622', box: '3|4' }], { language: 'vi' }), { name: 'RangeError', message: /box/ })
  await t.rejects(renderSeparatorSheets([], { language: 'vi' }), RangeError)
  await t.rejects(renderSeparatorSheets([SHEETS[0]], { language: 'fr' as 'vi' }), RangeError)
  const longest: SeparatorInfo = {
    unit: 'A'.repeat(35), dossierCode: 'ABCDEFGHIJ.ABCDEFGHIJ.ABCDEFGHIJ.ABCDEFGHIJ.ABCDEFGHIJ.ABCDEFGHIJ-230505-0001', procedureCode: '1'.repeat(40),
    resultTypeCode: 'K'.repeat(40), box: '/'.repeat(20), file: '/'.repeat(20), inventoryFileId: 'x'.repeat(64)
  }
  const doc = await PDFDocument.load(await renderSeparatorSheets([longest], { language: 'vi' }))
  t.equal(doc.getPageCount(), 1, 'the longest payload the rules allow still makes one page')
})
