import t from 'tap'
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import sharp from 'sharp'
import { buildArchivalPdf, vietnamTime, type ArchivalPdfInput, type ArchivalWord } from '../../appliance/src/archive/pdf/index.js'
import { isAppError } from '../../appliance/src/errors/index.js'
import { createOcrPool } from '../../appliance/src/ocr/index.js'
import { tempDir } from '../helpers/tmp.js'
import { bboxWords, corpusPage, corpusTruth, darkPixels, deref, gridWords, qpdfObjects, render, run, runBytes, wellFormed, writePdf, xmpOf, type QpdfValue } from './pdf-helpers.js'

const dir = await tempDir(t, 'sohoa-archive-pdf-')
const createdAt = new Date('2026-11-28T03:15:00Z')
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

const page300 = corpusPage('0000.jpg') // 300 dpi, 2481 x 3507
const page200 = corpusPage('0001.jpg') // 200 dpi, 1654 x 2338
const truth0 = corpusTruth('0000.jpg')
const truth1 = corpusTruth('0001.jpg')
const words0 = gridWords(truth0.text, 2481)
// The second page's words come from an image twice the master's size, as a prepared page would be.
const words1 = gridWords(truth1.text, 1654, 2)

const metadata: ArchivalPdfInput['metadata'] = {
  title: 'GIẤY PHÉP XÂY DỰNG 1470/GPXD-UBND',
  agency: 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI',
  archiveId: 'SH-622-0mabcdefghijklmnopqrstu',
  unit: '622',
  dossierCode: '000.00.21.H21-180224-0001',
  fields: {
    documentType: 'GIẤY PHÉP XÂY DỰNG',
    documentNumber: '1470/GPXD-UBND',
    issuedDate: '2018-02-24',
    issuer: 'ỦY BAN NHÂN DÂN HUYỆN IA GRAI',
    summary: 'Nhà ở riêng lẻ & <công trình>',
    subjectName: 'Nguyễn Hồng Quang',
    validUntil: null
  }
}

const twoPages: ArchivalPdfInput = {
  pages: [
    { image: page300, mime: 'image/jpeg', widthPx: 2481, heightPx: 3507, dpi: 300, words: words0 },
    { image: page200, mime: 'image/jpeg', widthPx: 1654, heightPx: 2338, dpi: 200, words: words1, wordsSpace: { width: 3308, height: 4676 } }
  ],
  metadata,
  producer: 'sohoa 0.1.0',
  createdAt
}

const started = performance.now()
const pdf = await buildArchivalPdf(twoPages)
const firstMs = performance.now() - started
const file = await writePdf(dir, 'record.pdf', pdf)
t.comment(`2-page build, first in process: ${firstMs.toFixed(0)} ms; ${pdf.length} bytes for ${page300.length + page200.length} bytes of JPEG`)

t.test('qpdf finds no error; one revision, no object streams, header and trailer /ID as PDF/A asks', async t => {
  const check = await run('qpdf', ['--check', file])
  t.equal(check.code, 0, 'qpdf --check exits 0')
  t.match(check.stdout, /No syntax or stream encoding errors found/)
  const bytes = Buffer.from(pdf)
  t.equal(bytes.subarray(0, 9).toString('latin1'), '%PDF-1.7\n')
  t.ok([...bytes.subarray(10, 14)].every(b => b > 127), 'binary comment of four bytes above 127 on the second line')
  t.notOk(bytes.includes('/ObjStm'), 'no object streams')
  t.notOk(bytes.includes('/XRef'), 'a classic xref table')
  t.equal(bytes.toString('latin1').split('%%EOF').length - 1, 1, 'a single revision')
  const objects = await qpdfObjects(file)
  const trailer = objects.get('trailer')!.value as Record<string, QpdfValue>
  const id = trailer['/ID'] as string[]
  t.equal(id.length, 2)
  t.match(id[0], /^b:[0-9a-f]{32}$/, 'a 16-byte file identifier')
  t.equal(id[0], id[1], 'both halves equal in a new file')
})

t.test('pages at their scanned size; JPEG masters embedded byte for byte as RGB at 300 and 200 ppi', async t => {
  const list = await run('pdfimages', ['-list', file])
  const rows = list.stdout.trim().split('\n').slice(2).map(l => l.trim().split(/\s+/))
  t.equal(rows.length, 2)
  t.same(rows.map(r => [r[0], r[3], r[4], r[5], r[6], r[7], r[8], r[12], r[13]]), [
    ['1', '2481', '3507', 'rgb', '3', '8', 'jpeg', '300', '300'],
    ['2', '1654', '2338', 'rgb', '3', '8', 'jpeg', '200', '200']
  ], 'page, size, colour, components, bits, encoding, ppi')
  const out = join(dir, 'img')
  await run('pdfimages', ['-j', file, out])
  const files = (await readdir(dir)).filter(f => f.startsWith('img-')).sort()
  t.same(await Promise.all(files.map(async f => sha256(await readFile(join(dir, f))))), [sha256(page300), sha256(page200)], 'the extracted JPEGs are the masters')
  const info = await run('pdfinfo', ['-f', '1', '-l', '2', file])
  const sizes = [...info.stdout.matchAll(/Page +\d size: +([\d.]+) x ([\d.]+) pts/g)].map(m => [Number(m[1]), Number(m[2])])
  t.equal(sizes.length, 2)
  for (const [w, h] of sizes) t.ok(Math.abs(w - 595.3) < 1.5 && Math.abs(h - 841.9) < 1.5, `A4 at 100 % (${w} x ${h} pt)`)
  t.ok(pdf.length < page300.length + page200.length + 80_000, `overhead ${pdf.length - page300.length - page200.length} bytes`)
})

t.test('XMP: PDF/A-2b identification, Dublin Core, sohoa schema declared; Info agrees; one instant in +07:00', async t => {
  const xmp = xmpOf(pdf)
  t.ok(wellFormed(xmp), 'well-formed XML')
  t.notMatch(xmp.slice(0, 60), /bytes=|encoding=/, 'no bytes or encoding attribute in the packet header')
  t.match(xmp, '<pdfaid:part>2</pdfaid:part>')
  t.match(xmp, '<pdfaid:conformance>B</pdfaid:conformance>')
  t.match(xmp, '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">GIẤY PHÉP XÂY DỰNG 1470/GPXD-UBND</rdf:li></rdf:Alt></dc:title>')
  t.match(xmp, '<dc:creator><rdf:Seq><rdf:li>ỦY BAN NHÂN DÂN HUYỆN IA GRAI</rdf:li></rdf:Seq></dc:creator>')
  t.match(xmp, '<dc:date><rdf:Seq><rdf:li>2018-02-24</rdf:li></rdf:Seq></dc:date>')
  t.match(xmp, '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">Nhà ở riêng lẻ &amp; &lt;công trình&gt;</rdf:li></rdf:Alt></dc:description>')
  t.match(xmp, `<dc:identifier>${metadata.archiveId}</dc:identifier>`)
  t.match(xmp, '<xmp:CreateDate>2026-11-28T10:15:00+07:00</xmp:CreateDate>')
  t.match(xmp, '<xmp:ModifyDate>2026-11-28T10:15:00+07:00</xmp:ModifyDate>')
  t.match(xmp, '<pdf:Producer>sohoa 0.1.0</pdf:Producer>')
  for (const [k, v] of [['archiveId', metadata.archiveId], ['unit', '622'], ['dossierCode', metadata.dossierCode], ['copyingAgency', metadata.agency], ['documentNumber', '1470/GPXD-UBND'], ['subjectName', 'Nguyễn Hồng Quang']]) {
    t.match(xmp, `<sohoa:${k}>${v}</sohoa:${k}>`, `sohoa:${k}`)
    t.match(xmp, `<pdfaProperty:name>${k}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>`, `${k} declared in the extension schema`)
  }
  t.notMatch(xmp, 'sohoa:validUntil', 'null fields are left out')
  t.match(xmp, /<pdfaSchema:namespaceURI>urn:sohoa:xmp:record:1\.0#<\/pdfaSchema:namespaceURI>/)

  const info = await run('pdfinfo', ['-isodates', file])
  t.match(info.stdout, /Title: +GIẤY PHÉP XÂY DỰNG 1470\/GPXD-UBND\n/)
  t.match(info.stdout, /Subject: +Nhà ở riêng lẻ & <công trình>\n/)
  t.match(info.stdout, /Author: +ỦY BAN NHÂN DÂN HUYỆN IA GRAI\n/)
  t.match(info.stdout, /Creator: +sohoa 0\.1\.0\n/)
  t.match(info.stdout, /Producer: +sohoa 0\.1\.0\n/)
  t.match(info.stdout, /CreationDate: +2026-11-28T10:15:00\+07(:00)?\n/)
  t.match(info.stdout, /ModDate: +2026-11-28T10:15:00\+07(:00)?\n/)
  t.equal(vietnamTime(createdAt), '2026-11-28T10:15:00+07:00')
})

t.test('sRGB output intent, embedded Tinos subset', async t => {
  const objects = await qpdfObjects(file)
  const catalog = deref(objects, (objects.get('trailer')!.value as Record<string, QpdfValue>)['/Root'])
  const intents = catalog['/OutputIntents'] as QpdfValue[]
  t.equal(intents.length, 1)
  const intent = deref(objects, intents[0])
  t.equal(intent['/S'], '/GTS_PDFA1')
  t.equal(intent['/OutputConditionIdentifier'], 'u:sRGB IEC61966-2.1')
  const profileRef = intent['/DestOutputProfile'] as string
  t.equal(deref(objects, profileRef)['/N'], 3)
  const icc = await runBytes('qpdf', [`--show-object=${profileRef.split(' ')[0]}`, '--filtered-stream-data', file])
  t.equal(icc.readUInt32BE(0), icc.length, 'ICC header size matches the stream')
  t.equal(icc.toString('latin1', 36, 40), 'acsp')
  t.equal(icc.toString('latin1', 12, 16), 'mntr', 'a monitor profile (allowed as PDF/A destination profile)')
  t.equal(icc.toString('latin1', 16, 20), 'RGB ')
  t.ok(icc[8] < 5, `ICC version ${icc[8]}.x is below 5`)
  const fonts = await run('pdffonts', [file])
  t.match(fonts.stdout, /[A-Z]{6}\+Tinos-Regular +CID TrueType +Identity-H +yes yes yes/, 'subset tag, embedded, subset, ToUnicode')
})

t.test('text layer: the page\'s Vietnamese text in NFC, each word on its box', async t => {
  for (const [page, truth, words, k] of [[1, truth0, words0, 72 / 300], [2, truth1, words1, 72 / 200 / 2]] as const) {
    const text = (await run('pdftotext', ['-f', String(page), '-l', String(page), file, '-'])).stdout
    t.equal(text, text.normalize('NFC'), `page ${page}: NFC`)
    t.notMatch(text, /[\u0300-\u036f]/, 'no combining marks')
    const flat = (s: string): string => s.replace(/\s+/g, ' ').trim()
    t.equal(flat(text), flat(truth.text), `page ${page}: the words in reading order`)
    const found = await bboxWords(file, page)
    t.equal(found.length, words.length, `page ${page}: ${found.length} words`)
    // pdftotext draws a word's box from the font's ascent and descent around the baseline it reads; poppler puts
    // that box's bottom on the baseline, so it sits up to one descent (0.22 em) above the OCR box.
    let worst = { dx: 0, dy: 0, dh: 0 }
    for (const [i, w] of words.entries()) {
      const f = found[i]
      t.equal(f.text, w.text.normalize('NFC'))
      const h = (w.bbox.y1 - w.bbox.y0) * k
      worst = {
        dx: Math.max(worst.dx, Math.abs(f.xMin - w.bbox.x0 * k), Math.abs(f.xMax - w.bbox.x1 * k)),
        dy: Math.max(worst.dy, Math.abs(f.yMin - w.bbox.y0 * k) / h, Math.abs(f.yMax - w.bbox.y1 * k) / h),
        dh: Math.max(worst.dh, Math.abs((f.yMax - f.yMin) - h) / h)
      }
    }
    t.ok(worst.dx < 0.5, `page ${page}: left and right edges within ${worst.dx.toFixed(2)} pt`)
    t.ok(worst.dh < 0.03, `page ${page}: box heights within ${(100 * worst.dh).toFixed(1)} %`)
    t.ok(worst.dy < 0.25, `page ${page}: tops and bottoms within ${(100 * worst.dy).toFixed(1)} % of the line height`)
  }
})

t.test('the invisible text does not show: renders with and without it are identical', async t => {
  const bare = await buildArchivalPdf({ ...twoPages, pages: twoPages.pages.map(p => ({ ...p, words: [] })) })
  const bareFile = await writePdf(dir, 'bare.pdf', bare)
  const [a, b] = await Promise.all([render(file, 1, 60, dir), render(bareFile, 1, 60, dir)])
  t.equal(a.data.length, b.data.length)
  t.ok(a.data.equals(b.data), 'pixel for pixel')
  t.ok(darkPixels(a, 0, 0, a.width, a.height) > 1000, 'the scan itself renders')
  t.notOk((await run('pdffonts', [bareFile])).stdout.includes('Tinos'), 'no words, no font')
})

t.test('a PNG master becomes a colour JPEG at its dpi; an EXIF-rotated JPEG is turned by the matrix, not re-encoded', async t => {
  const png = await sharp(page200).png({ compressionLevel: 6 }).toBuffer()
  const fromPng = await buildArchivalPdf({ ...twoPages, pages: [{ image: png, mime: 'image/png', dpi: 200 }] })
  const pngFile = await writePdf(dir, 'png.pdf', fromPng)
  const list = (await run('pdfimages', ['-list', pngFile])).stdout.trim().split('\n')[2].trim().split(/\s+/)
  t.same([list[3], list[4], list[5], list[6], list[8], list[12]], ['1654', '2338', 'rgb', '3', 'jpeg', '200'])
  t.ok(fromPng.length < png.length, `${fromPng.length} bytes for a ${png.length}-byte PNG`)

  // Stored on its side with orientation 6 ("turn 90° clockwise to view"), as a phone or some copiers write it.
  const sideways = await sharp(await sharp(page200).rotate(-90).toBuffer()).withMetadata({ orientation: 6, density: 200 }).jpeg({ quality: 90 }).toBuffer()
  const turned = await buildArchivalPdf({ ...twoPages, pages: [{ image: sideways, dpi: 200 }] })
  const upright = await buildArchivalPdf({ ...twoPages, pages: [{ image: page200, dpi: 200 }] })
  const [turnedFile, uprightFile] = await Promise.all([writePdf(dir, 'turned.pdf', turned), writePdf(dir, 'upright.pdf', upright)])
  const size = (await run('pdfinfo', [turnedFile])).stdout.match(/Page size: +([\d.]+) x ([\d.]+)/)!
  t.ok(Number(size[1]) < Number(size[2]), `portrait page (${size[1]} x ${size[2]})`)
  t.same((await run('pdfimages', ['-list', turnedFile])).stdout.trim().split('\n')[2].trim().split(/\s+/).slice(3, 5), ['2338', '1654'], 'the image stays as stored')
  const [a, b] = await Promise.all([render(turnedFile, 1, 40, dir), render(uprightFile, 1, 40, dir)])
  t.same([a.width, a.height], [b.width, b.height])
  let diff = 0
  for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i] - b.data[i])
  t.ok(diff / a.data.length < 4, `renders match (mean difference ${(diff / a.data.length).toFixed(2)} of 255)`)
})

t.test('words the font cannot draw lose only those characters; refusals are AppErrors', async t => {
  const odd: ArchivalWord[] = [
    { text: 'Số:\u2603', bbox: { x0: 200, y0: 300, x1: 300, y1: 340 }, block: 0, par: 0, line: 0 },
    { text: '\u2603', bbox: { x0: 320, y0: 300, x1: 360, y1: 340 }, block: 0, par: 0, line: 0 },
    { text: 'Nguye\u0302\u0303n', bbox: { x0: 380, y0: 300, x1: 520, y1: 340 }, block: 0, par: 0, line: 0 },
    { text: 'x', bbox: { x0: 10, y0: 10, x1: 10, y1: 20 } }
  ]
  const out = await buildArchivalPdf({ ...twoPages, pages: [{ image: page200, dpi: 200, words: odd }] })
  const oddFile = await writePdf(dir, 'odd.pdf', out)
  t.same((await bboxWords(oddFile, 1)).map(w => w.text), ['Số:', 'Nguyễn'], 'snowman dropped, NFD composed, empty box skipped')

  const refused = async (input: ArchivalPdfInput): Promise<string> => {
    const err = await buildArchivalPdf(input).catch(e => e)
    return isAppError(err) ? err.code : String(err)
  }
  t.equal(await refused({ ...twoPages, pages: [] }), 'VALIDATION')
  t.equal(await refused({ ...twoPages, pages: [{ image: page200, dpi: 0 }] }), 'VALIDATION')
  t.equal(await refused({ ...twoPages, metadata: { ...metadata, archiveId: ' ' } }), 'VALIDATION')
  t.equal(await refused({ ...twoPages, pages: [{ image: Buffer.from('not an image at all'), dpi: 300 }] }), 'IMAGE_UNDECODABLE')
})

t.test('real OCR of a skewed 200 dpi page, prepared as imaging does (turned, upscaled): the text layer lies on the ink', async t => {
  const master = corpusPage('0012.jpg') // 200 dpi, 1654 x 2338, skewed 1.76°
  const skewDeg = corpusTruth('0012.jpg').skew_deg
  // The OCR input's geometry as imaging's Prepared type documents it: the master turned clockwise by skewDeg about
  // its centre onto a larger canvas, the centre cropped back to the master's size, then scaled (here 200 -> 300 dpi).
  // Built here with sharp rather than preparePage, whose analysis thread costs seconds to start under the test runner.
  const turned = await sharp(master).rotate(skewDeg, { background: '#ffffff' }).toBuffer({ resolveWithObject: true })
  const ocrInput = await sharp(turned.data)
    .extract({ left: Math.floor((turned.info.width - 1654) / 2), top: Math.floor((turned.info.height - 2338) / 2), width: 1654, height: 2338 })
    .resize({ width: 2481, height: 3507 }).extractChannel(0).png({ compressionLevel: 1 }).withDensity(300).toBuffer()
  const t1 = performance.now()
  const pool = await createOcrPool({ workers: 1, cacheDir: await tempDir(t, 'sohoa-archive-ocr-') })
  t.teardown(async () => await pool.close())
  const ocr = await pool.recognize(ocrInput)
  t.comment(`pool start + OCR ${(performance.now() - t1).toFixed(0)} ms (${ocr.ms} ms on the worker), ${ocr.words.length} words`)
  t.same([ocr.width, ocr.height], [2481, 3507])
  const out = await buildArchivalPdf({
    ...twoPages,
    pages: [{ image: master, dpi: 200, words: ocr.words, wordsSpace: { width: ocr.width, height: ocr.height, skewDeg } }]
  })
  const ocrFile = await writePdf(dir, 'ocr.pdf', out)
  const text = (await run('pdftotext', [ocrFile, '-'])).stdout
  t.ok(text.includes(corpusTruth('0012.jpg').so_ky_hieu), 'the document number is searchable')

  // Independent of our geometry: where pdftotext says a word is, the rendered scan must have its ink.
  const dpi = 100
  const scan = await render(ocrFile, 1, dpi, dir)
  const s = dpi / 72
  const found = (await bboxWords(ocrFile, 1)).filter(w => [...w.text].length >= 3)
  // For each word, slide its pdftotext box up and down (one box height each way) to where it covers the most ink.
  // Aligned words need about the same small shift everywhere; a skew left in the layer makes the shift grow
  // across the page (measured: slope -0.04° and spread 1.7 px with the skew undone, -1.0° and 7.2 px without).
  const points: Array<[number, number]> = []
  for (const w of found) {
    const h = Math.round((w.yMax - w.yMin) * s)
    let best = -1
    let shift = 0
    for (let dy = -h; dy <= h; dy++) {
      const ink = darkPixels(scan, w.xMin * s, w.yMin * s + dy, w.xMax * s, w.yMax * s + dy, 140)
      if (ink > best) { best = ink; shift = dy }
    }
    points.push([(w.xMin + w.xMax) * s / 2, shift])
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  const mx = mean(points.map(p => p[0]))
  const my = mean(points.map(p => p[1]))
  const slope = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / points.reduce((a, [x]) => a + (x - mx) ** 2, 0)
  const spread = Math.sqrt(mean(points.map(p => (p[1] - my) ** 2)))
  const height = mean(found.map(w => (w.yMax - w.yMin) * s))
  t.ok(points.length > 40, `${points.length} words checked`)
  t.ok(Math.abs(Math.atan(slope) * 180 / Math.PI) < 0.4, `skew left between the text layer and the ink: ${(Math.atan(slope) * 180 / Math.PI).toFixed(2)}°`)
  t.ok(spread < 0.25 * height, `best shifts spread ${spread.toFixed(1)} px for words ${height.toFixed(1)} px tall`)
  t.ok(Math.abs(my) < 0.25 * height, `mean shift ${my.toFixed(1)} px`)
})
