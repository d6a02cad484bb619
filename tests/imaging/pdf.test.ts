// Scanned PDFs into page masters: real PDFs (pdf-lib, libtiff's G4, qpdf), real PDF.js on its thread, and poppler
// as the independent reader that says how each page really looks.
import { createHash } from 'node:crypto'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import t from 'tap'
import sharp from 'sharp'
import { PDFDocument, StandardFonts, TextRenderingMode, beginText, endText, moveText, setFontAndSize, setTextRenderingMode, showText } from 'pdf-lib'
import { DEFAULT_MAX_PIXELS, closeImaging, inspectImage, openPdf, readPdfPages } from '../../appliance/src/imaging/index.js'
import { readPageDrawing, type XObjectLookup } from '../../appliance/src/imaging/pdf-content.js'
import { storedPixelOf } from '../../appliance/src/imaging/pdf-geometry.js'
import { withOrientation } from '../../appliance/src/imaging/pdf-jpeg.js'
import { corpusFile } from './helpers.js'
import { addImagePage, ccittImage, encrypt, flateImage, imagePdf, jpegPdf, manyPagesPdf, meanDifference, popplerImage, popplerPage, shownGrey, textPdf } from './pdf-fixtures.js'

const opts = { maxPixels: DEFAULT_MAX_PIXELS }
const A4: [number, number] = [595.28, 841.89]
t.teardown(closeImaging)

async function code (p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'no error'
  } catch (err) {
    return (err as { code?: string }).code ?? String(err)
  }
}

t.test('a copier\'s JPEG PDF: one master per page, the JPEG bytes as they were, the dpi from the page', async t => {
  const jpegs = ['0000.jpg', '0001.jpg', '0002.jpg'].map(corpusFile)
  const pdf = await jpegPdf(jpegs, [300, 200, 200])
  const started = performance.now()
  const pages = await readPdfPages(pdf, opts)
  t.comment(`3 JPEG pages in ${Math.round(performance.now() - started)} ms`)
  t.equal(pages.length, 3)
  for (const [i, page] of pages.entries()) {
    t.equal(page.method, 'jpeg')
    t.equal(page.mime, 'image/jpeg')
    t.ok(page.bytes.equals(jpegs[i]), `page ${i + 1}: byte for byte the JPEG the scanner made`)
    t.equal(page.sha256, createHash('sha256').update(page.bytes).digest('hex'), 'its SHA-256, hashed on the PDF thread')
    const info = await inspectImage(page.bytes, opts)
    t.match(page, { width: info.width, height: info.height, dpi: [300, 200, 200][i] })
  }
})

t.test('a JPEG whose own resolution is wrong gets the page\'s, in EXIF, its image data untouched', async t => {
  // The corpus scan re-labelled 72 dpi in its JFIF header, as some copiers write; printed at 200 dpi on the page.
  const jpeg = Buffer.from(corpusFile('0001.jpg'))
  t.equal(jpeg.toString('latin1', 6, 10), 'JFIF')
  jpeg[13] = 1
  jpeg.writeUInt16BE(72, 14)
  jpeg.writeUInt16BE(72, 16)
  t.equal((await inspectImage(jpeg, opts)).dpi, 72)
  const [page] = await readPdfPages(await jpegPdf([jpeg], [200]), opts)
  t.match(page, { method: 'jpeg', dpi: 200 })
  t.equal((await inspectImage(page.bytes, opts)).dpi, 200, 'the master says 200 dpi')
  t.ok((await sharp(page.bytes).raw().toBuffer()).equals(await sharp(jpeg).raw().toBuffer()), 'same image data')
})

t.test('an invisible OCR layer is ignored; visible text over the scan makes the page rendered', async t => {
  // A small page at 100 dpi: the rendered one comes out at 300 dpi (the least for OCR), 3x its pixels.
  const jpeg = await sharp(corpusFile('0001.jpg')).resize(413, 584).jpeg().withDensity(100).toBuffer()
  const size: [number, number] = [413 * 72 / 100, 584 * 72 / 100]
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  for (const visible of [false, true]) {
    const image = await doc.embedJpg(jpeg)
    const page = doc.addPage(size)
    page.drawImage(image, { x: 0, y: 0, width: size[0], height: size[1] })
    const key = page.node.newFontDictionary('F', font.ref)
    page.pushOperators(beginText(), setFontAndSize(key, 12),
      setTextRenderingMode(visible ? TextRenderingMode.Fill : TextRenderingMode.Invisible), moveText(20, 300), showText(font.encodeText('SO 123/QD-UBND')), endText())
  }
  const pages = await readPdfPages(Buffer.from(await doc.save()), opts)
  t.equal(pages[0].method, 'jpeg')
  t.ok(pages[0].bytes.equals(jpeg), 'searchable scan: still the JPEG as is')
  t.equal(pages[1].method, 'rendered')
  t.match(pages[1], { mime: 'image/png', dpi: 300, width: 1239, height: 1752 }, 'a 100 dpi scan with visible text: the page at 300 dpi')
})

t.test('Flate images are decoded exactly and stored as PNG, grey as grey', async t => {
  const rgb = await sharp(corpusFile('0001.jpg')).raw().toBuffer({ resolveWithObject: true })
  const grey = await sharp(corpusFile('0003.jpg')).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
  const pdf = await imagePdf([
    { ...flateImage(rgb.data, rgb.info.width, rgb.info.height, 3), widthPt: A4[0], heightPt: A4[1] },
    { ...flateImage(grey.data, grey.info.width, grey.info.height, 1), widthPt: A4[0], heightPt: A4[1] }
  ])
  const pages = await readPdfPages(pdf, opts)
  t.match(pages, [{ method: 'decoded', mime: 'image/png', dpi: 200, width: rgb.info.width }, { method: 'decoded', mime: 'image/png', dpi: 200, width: grey.info.width }])
  t.equal(pages[0].sha256, createHash('sha256').update(pages[0].bytes).digest('hex'), 'a PNG page\'s SHA-256')
  const back = await sharp(pages[0].bytes).raw().toBuffer({ resolveWithObject: true })
  t.equal(back.info.channels, 3)
  t.ok(back.data.equals(rgb.data), 'colour page: every sample identical')
  t.equal((await sharp(pages[1].bytes).metadata()).channels, 1, 'grey stays one channel')
  const backGrey = await sharp(pages[1].bytes).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
  t.ok(backGrey.data.equals(grey.data), 'grey page: every sample identical')
  t.match(await inspectImage(pages[1].bytes, opts), { format: 'png', dpi: 200 }, 'the PNG carries the dpi')
})

t.test('a CCITT G4 page (black-and-white copier) becomes an exact 1-bit PNG', async t => {
  const [w, h] = [2480, 3504]
  const bilevel = await sharp(corpusFile('0000.jpg')).extract({ left: 0, top: 0, width: w, height: h }).toColourspace('b-w').threshold(128).raw().toBuffer()
  const pdf = await imagePdf([{ ...(await ccittImage(bilevel, w, h)), widthPt: w * 72 / 300, heightPt: h * 72 / 300 }])
  // The fixture is honest: poppler lists a CCITT image and its own decoder reads the bilevel page back.
  const poppler = await popplerImage(pdf)
  t.equal(poppler.encoding, 'ccitt')
  t.ok(poppler.data.equals(bilevel), 'poppler decodes the G4 data to the page')
  const [page] = await readPdfPages(pdf, opts)
  t.match(page, { method: 'decoded', mime: 'image/png', dpi: 300, width: w, height: h })
  const meta = await sharp(page.bytes).metadata()
  t.equal(meta.bitsPerSample, 1, '1 bit per pixel')
  t.ok(page.bytes.length < 80_000, `small (${page.bytes.length} bytes)`)
  const back = await sharp(page.bytes).toColourspace('b-w').raw().toBuffer()
  t.ok(back.equals(bilevel), 'every pixel identical')
})

t.test('turned pages come out the way a viewer shows them', async t => {
  const jpeg = corpusFile('0002.jpg')
  const rgb = await sharp(corpusFile('0004.jpg')).raw().toBuffer({ resolveWithObject: true })
  const { width: w, height: h } = rgb.info
  const [wPt, hPt] = [w * 72 / 200, h * 72 / 200]
  const doc = await PDFDocument.create()
  const image = await doc.embedJpg(jpeg)
  for (const rotate of [90, 180]) {
    const page = doc.addPage(A4)
    page.drawImage(image, { x: 0, y: 0, width: A4[0], height: A4[1] })
    page.setRotation({ type: 'degrees', angle: rotate } as any)
  }
  const flate = flateImage(rgb.data, w, h, 3)
  addImagePage(doc, { ...flate, widthPt: wPt, heightPt: hPt, rotate: 270 })
  // Landscape page, the portrait image placed turned a quarter by its matrix (no /Rotate): as some scanners do.
  addImagePage(doc, { ...flate, widthPt: hPt, heightPt: wPt, ctm: [0, -wPt, hPt, 0, 0, wPt] })
  // Mirrored by its matrix, and on a page turned a quarter: a transposed picture in the end.
  addImagePage(doc, { ...flate, widthPt: wPt, heightPt: hPt, rotate: 90, ctm: [-wPt, 0, 0, hPt, wPt, 0] })
  const pdf = Buffer.from(await doc.save())
  const pages = await readPdfPages(pdf, opts)
  t.same(pages.map(p => p.method), ['jpeg', 'jpeg', 'decoded', 'decoded', 'decoded'])
  for (const [i, page] of pages.entries()) {
    // Small copies are enough to see which way up a page is (a wrong turn differs by 40 or more).
    const poppler = await popplerPage(pdf, i + 1, 40)
    const shown = await shownGrey(page.bytes, poppler)
    const turned = (await sharp(page.bytes, { autoOrient: true }).metadata())
    t.equal(Math.sign(turned.autoOrient.width - turned.autoOrient.height), Math.sign(poppler.width - poppler.height), `page ${i + 1}: portrait or landscape as poppler shows`)
    const diff = meanDifference(shown, poppler)
    t.ok(diff < 6, `page ${i + 1}: same picture as poppler shows (mean difference ${diff.toFixed(2)})`)
  }
  // The turned JPEG is the same compressed image with an EXIF block in front: decoded as stored, identical.
  const stored = await sharp(pages[0].bytes, { autoOrient: false }).raw().toBuffer()
  t.ok(stored.equals(await sharp(jpeg).raw().toBuffer()), 'JPEG data untouched (no re-encoding)')
  t.ok(pages[0].bytes.length - jpeg.length < 120, 'only a small EXIF block added')
  t.match(await sharp(pages[0].bytes).metadata(), { orientation: 6, density: 200 })
})

t.test('the content walk: forms, inline images, strings, comments, invisible text', async t => {
  const lookup: XObjectLookup = (_resources, name) => name === 'Form1'
    ? { type: 'form', content: Buffer.from('/Im1 Do'), matrix: [2, 0, 0, 2, 0, 0], resources: 'form' }
    : name === 'Im1' ? { type: 'image' } : null
  const scan = Buffer.concat([Buffer.from(`% a comment: 1 0 0 1 5 5 cm /Im1 Do
q 1 0 0 1 10 20 cm <48656c6c6f> pop (a string with \\) /Im1 Do and (nested) parentheses) pop /Form1 Do Q
q 0 0 100 100 re W n BT 3 Tr /F1 12 Tf (invisible OCR layer) Tj [(more) -20 (text)] TJ ET Q
q 100 0 0 50 0 0 cm BI /W 2 /H 1 /BPC 8 /CS /G ID `, 'latin1'), Buffer.from([1, 2, 0x45, 0x49, 3]), Buffer.from(' EI Q\n', 'latin1')])
  const drawing = readPageDrawing(scan, 'page', lookup)
  t.same(drawing.images.map(i => [i.name, i.resources, i.ctm]), [['Im1', 'form', [2, 0, 0, 2, 10, 20]], [null, 'page', [100, 0, 0, 50, 0, 0]]])
  t.equal(drawing.otherMarks, false, 'a clip and invisible text paint nothing')
  t.equal(readPageDrawing(Buffer.from('BT /F1 12 Tf (visible) Tj ET'), null, lookup).otherMarks, true, 'visible text')
  t.equal(readPageDrawing(Buffer.from('0 0 10 10 re f'), null, lookup).otherMarks, true, 'a filled path')
  const loop: XObjectLookup = () => ({ type: 'form', content: Buffer.from('/Loop Do'), matrix: [1, 0, 0, 1, 0, 0], resources: null })
  t.throws(() => readPageDrawing(Buffer.from('/Loop Do'), null, loop), /nested too deeply/, 'a form that draws itself')
})

t.test('EXIF orientations and the PDF thread\'s pixel turning agree with libvips', async t => {
  // 2 x 3 blocks of 8 x 8 pixels, each its own grey: survives JPEG at quality 100 block for block.
  const [bw, bh] = [2, 3]
  const levels = [20, 60, 100, 140, 180, 220]
  const raw = Buffer.alloc(bw * 8 * bh * 8)
  for (let y = 0; y < bh * 8; y++) for (let x = 0; x < bw * 8; x++) raw[y * bw * 8 + x] = levels[Math.floor(y / 8) * bw + Math.floor(x / 8)]
  const jpeg = await sharp(raw, { raw: { width: bw * 8, height: bh * 8, channels: 1 } }).jpeg({ quality: 100 }).toBuffer()
  for (let o = 1; o <= 8; o++) {
    const shown = await shownGrey(withOrientation(jpeg, o, 300))
    const ok = [...Array(shown.width * shown.height).keys()].every(i => {
      const [x, y] = [i % shown.width, Math.floor(i / shown.width)]
      const [sx, sy] = storedPixelOf(o, x, y, bw * 8, bh * 8)
      return Math.abs(shown.data[i] - raw[sy * bw * 8 + sx]) < 6
    })
    t.ok(ok, `orientation ${o}`)
  }
})

t.test('a page of several images (mixed raster) is rendered whole at its finest resolution', async t => {
  // An A6 page (rendering is the slow part): a 150 dpi background and a 400 dpi stamp.
  const A6: [number, number] = [297.64, 419.53]
  const doc = await PDFDocument.create()
  const page = doc.addPage(A6)
  const background = await sharp(corpusFile('0001.jpg')).resize(620, 874, { fit: 'fill' }).jpeg().toBuffer()
  page.drawImage(await doc.embedJpg(background), { x: 0, y: 0, width: A6[0], height: A6[1] })
  const stamp = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#c00000' } }).png().toBuffer()
  page.drawImage(await doc.embedPng(stamp), { x: 180, y: 40, width: 72, height: 72 })
  const pdf = Buffer.from(await doc.save())
  const [out] = await readPdfPages(pdf, opts)
  t.match(out, { method: 'rendered', mime: 'image/png', dpi: 400, width: 1654, height: 2331 }, 'the stamp is 400 dpi: so is the page')
  const poppler = await popplerPage(pdf, 1, 100)
  const diff = meanDifference(await shownGrey(out.bytes, poppler), poppler)
  t.ok(diff < 6, `the page as poppler shows it (mean difference ${diff.toFixed(2)})`)
})

t.test('what is not a scanned PDF is refused, before anything is decoded', async t => {
  const jpegPdf3 = await jpegPdf([corpusFile('0001.jpg')], [200])
  t.equal(await code(openPdf(await textPdf(), opts)), 'PDF_NO_IMAGES', 'born-digital text')
  t.equal(await code(openPdf(await encrypt(jpegPdf3, 'user-secret'), opts)), 'PDF_ENCRYPTED', 'encrypted with a password')
  t.equal(await code(openPdf(await encrypt(jpegPdf3, ''), opts)), 'PDF_ENCRYPTED', 'encrypted, owner password only')
  t.equal(await code(openPdf(jpegPdf3.subarray(0, Math.floor(jpegPdf3.length * 0.7)), opts)), 'PDF_TRUNCATED', 'cut short')
  t.equal(await code(openPdf(Buffer.from('Đây là văn bản, không phải PDF.'), opts)), 'UNSUPPORTED_MEDIA_TYPE', 'not a PDF')
  t.equal(await code(openPdf(Buffer.from('%PDF-1.7\nthis is no PDF structure at all\n%%EOF\n'), opts)), 'PDF_UNREADABLE', 'a header and nothing else')

  // The JPEG inside a complete PDF lost its end: damaged image data.
  const jpeg = corpusFile('0001.jpg')
  const broken = Buffer.from(jpegPdf3)
  const at = broken.indexOf(jpeg.subarray(jpeg.length - 64))
  broken.fill(0, at + 62, at + 64)
  t.equal(await code(readPdfPages(broken, opts)), 'PDF_UNREADABLE', 'damaged JPEG data')

  const bomb = await imagePdf([{ dict: { Type: 'XObject', Subtype: 'Image', Width: 100000, Height: 100000, ColorSpace: 'DeviceGray', BitsPerComponent: 8, Filter: 'FlateDecode' }, data: Buffer.alloc(64), widthPt: A4[0], heightPt: A4[1] }])
  t.equal(await code(openPdf(bomb, opts)), 'IMAGE_TOO_MANY_PIXELS', '100000 x 100000 image: refused from its dictionary')

  const small = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ffffff' } }).jpeg().toBuffer()
  const started = performance.now()
  t.equal(await code(openPdf(manyPagesPdf(2000, small, [16, 16]), opts)), 'PDF_TOO_MANY_PAGES', '2,000 pages')
  t.comment(`2,000-page PDF refused in ${Math.round(performance.now() - started)} ms`)
  const few = await openPdf(manyPagesPdf(3, small, [16, 16]), { ...opts, maxPages: 3 })
  t.equal(few.pageCount, 3, 'at the limit: taken')
  await few.close()
})

t.test('a 50-page PDF never stalls the caller\'s event loop', async t => {
  const jpegs = Array.from({ length: 24 }, (_, i) => corpusFile(`${String(i).padStart(4, '0')}.jpg`))
  const doc = await PDFDocument.create()
  const images = await Promise.all(jpegs.map(async j => await doc.embedJpg(j)))
  for (let i = 0; i < 50; i++) doc.addPage(A4).drawImage(images[i % 24], { x: 0, y: 0, width: A4[0], height: A4[1] })
  // Every fifth page Flate, so PDF.js decodes and sharp encodes too.
  const rgb = await sharp(corpusFile('0005.jpg')).raw().toBuffer({ resolveWithObject: true })
  for (let i = 0; i < 5; i++) addImagePage(doc, { ...flateImage(rgb.data, rgb.info.width, rgb.info.height, 3), widthPt: A4[0], heightPt: A4[1] })
  const pdf = Buffer.from(await doc.save())
  await readPdfPages(await jpegPdf([corpusFile('0001.jpg')], [200]), opts) // the PDF thread is up
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  const started = performance.now()
  const before = performance.eventLoopUtilization()
  const pages = await readPdfPages(pdf, opts)
  const used = performance.eventLoopUtilization(before)
  const ms = performance.now() - started
  delay.disable()
  t.equal(pages.length, 55)
  t.comment(`55 pages (50 JPEG, 5 Flate) in ${Math.round(ms)} ms; this thread busy ${(used.utilization * 100).toFixed(1)} % of it; event loop delay max ${(delay.max / 1e6).toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms`)
  // PDF.js on this thread kept it busy all along (0.8-1.4 s per decoded page). How busy the thread was, not the
  // longest delay, is the test: a loaded machine delays any thread's timers, but cannot make an idle loop busy.
  t.ok(used.utilization < 0.5, 'the caller\'s thread stayed mostly idle: the work ran elsewhere')
})
