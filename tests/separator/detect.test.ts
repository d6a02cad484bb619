import t from 'tap'
import sharp from 'sharp'
import { isAppError } from '../../appliance/src/errors/index.js'
import { closeImaging, decodeSmallGrey } from '../../appliance/src/imaging/index.js'
import { closeSeparatorDetector, detectSeparator, encodeSeparator, probePage, renderSeparatorSheets } from '../../appliance/src/separator/index.js'
import { corpusFile, corpusTruth } from '../imaging/helpers.js'
import { tempDir } from '../helpers/tmp.js'
import { SHEETS, degrade, pageWithQr, rasterise, type Degradation } from './helpers.js'

t.teardown(async () => {
  await closeSeparatorDetector()
  await closeImaging()
})

const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]

let at300: Buffer[] = []
let at200: Buffer[] = []

t.before(async () => {
  const dir = await tempDir(t, 'sohoa-detect-')
  const pdf = await renderSeparatorSheets(SHEETS, { unitName: 'Thành phố Pleiku', language: 'vi' })
  at300 = await rasterise(pdf, 300, dir)
  at200 = await rasterise(pdf, 200, dir)
  // The first call starts the QR thread and loads zxing's wasm (under the test runner, TypeScript is compiled too).
  const started = performance.now()
  await detectSeparator(at300[0])
  t.comment(`first detectSeparator (cold start): ${(performance.now() - started).toFixed(0)} ms`)
})

t.test('sheets printed and scanned at 300 and 200 dpi read back exactly', async t => {
  for (const [dpi, images] of [[300, at300], [200, at200]] as const) {
    for (const [i, image] of images.entries()) t.same(await detectSeparator(image), SHEETS[i], `${dpi} dpi sheet ${i + 1}`)
  }
})

t.test('turned, blurred, noisy, faded and yellowed scans', async t => {
  const yellow = { r: 245, g: 230, b: 185 }
  const cases: Array<[string, Degradation, 'at300' | 'at200']> = [
    ['300 dpi, turned 3°, blur σ1.2, noise, q70', { dpi: 300, rotateDeg: 3, blurSigma: 1.2, noise: 12, quality: 70 }, 'at300'],
    ['300 dpi, turned -5°, blur σ2, noise, q60', { dpi: 300, rotateDeg: -5, blurSigma: 2, noise: 20, quality: 60 }, 'at300'],
    ['300 dpi, turned 8°, blur σ3, q40', { dpi: 300, rotateDeg: 8, blurSigma: 3, noise: 20, quality: 40 }, 'at300'],
    ['300 dpi, faded to 40 % on yellow paper, turned 1°', { dpi: 300, rotateDeg: 1, contrast: 0.4, paper: yellow, blurSigma: 1, quality: 70 }, 'at300'],
    ['200 dpi, turned -4°, blur σ1.5, noise, q60', { dpi: 200, rotateDeg: -4, blurSigma: 1.5, noise: 15, quality: 60 }, 'at200'],
    ['200 dpi, turned 2°, blur σ2.5, noise, q50', { dpi: 200, rotateDeg: 2, blurSigma: 2.5, noise: 20, quality: 50 }, 'at200'],
    ['200 dpi, faded to 35 % on yellow paper, turned -2°', { dpi: 200, rotateDeg: -2, contrast: 0.35, paper: yellow, blurSigma: 1.2, quality: 60 }, 'at200']
  ]
  // Sheet 2 carries the longest payload: the densest symbol (49 modules), the hardest to read.
  for (const [name, d, set] of cases) {
    const scan = await degrade((set === 'at300' ? at300 : at200)[1], d)
    t.same(await detectSeparator(scan), SHEETS[1], name)
  }
})

t.test('PNG (as SANE delivers) and TIFF pages, and a page of a multi-page TIFF', async t => {
  const png = await sharp(at300[0]).png().withDensity(300).toBuffer()
  t.same(await detectSeparator(png), SHEETS[0], 'PNG')
  const tiff = await sharp(at200[1]).tiff({ compression: 'lzw' }).withDensity(200).toBuffer()
  t.same(await detectSeparator(tiff), SHEETS[1], 'TIFF')
  const dir = await tempDir(t, 'sohoa-detect-')
  const pdf = await renderSeparatorSheets([SHEETS[2]], { language: 'vi' })
  const [sheet] = await rasterise(pdf, 200, dir)
  const doc = await sharp(corpusFile('0001.jpg')).resize(1654, 2339, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer()
  const sep = await sharp(sheet).resize(1654, 2339, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer()
  const multi = await sharp(Buffer.concat([doc, sep]), { raw: { width: 1654, height: 2339 * 2, channels: 1, pageHeight: 2339 } })
    .toColourspace('b-w').tiff({ compression: 'lzw' }).toBuffer()
  t.equal(await detectSeparator(multi, { page: 0 }), null, 'TIFF page 1: a document')
  t.same(await detectSeparator(multi, { page: 1 }), SHEETS[2], 'TIFF page 2: the sheet')
})

t.test('document pages give null: every corpus page, and pages with other QR codes', async t => {
  for (const { file } of corpusTruth()) t.equal(await detectSeparator(corpusFile(file)), null, file)
  const doc300 = corpusFile('0000.jpg')
  const doc200 = corpusFile('0001.jpg')
  const foreign = [
    'https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?ma=000.00.21.H21-230505-0001',
    'SOHOA1|u=622|b=3|b=4', // looks like a sheet, is not one
    'SOHOA2|u=622|b=3|f=12', // a format this build does not know
    'sohoa1|u=622|b=3|f=12'
  ]
  for (const text of foreign) {
    const page = await pageWithQr(doc300, text, 300)
    t.equal(await detectSeparator(page), null, `300 dpi page with QR ${JSON.stringify(text)}`)
  }
  t.equal(await detectSeparator(await pageWithQr(doc200, foreign[0], 200)), null, '200 dpi page with a verification QR')
  // The foreign code is really there and readable: the null above is the parser's refusal, not a miss.
  const verify = await pageWithQr(doc300, encodeSeparator(SHEETS[0]), 300)
  t.same(await detectSeparator(verify), SHEETS[0], 'the same small code carrying a separator text is found')
})

t.test('a sheet that also carries another QR code is still found', async t => {
  const both = await pageWithQr(at300[1], 'https://dichvucong.gov.vn/verify?id=12345', 300)
  t.same(await detectSeparator(both), SHEETS[1])
})

t.test('a small grey copy decoded once serves both checks', async t => {
  const grey = await decodeSmallGrey(at300[0])
  t.ok(grey.dpi > 95 && grey.dpi < 105, `copy at ${grey.dpi.toFixed(1)} dpi`)
  t.same(await detectSeparator(grey), SHEETS[0])
  t.same(await probePage(at300[0]), { separator: SHEETS[0], blank: false, inkRatio: (await probePage(grey)).inkRatio })
  const doc = await probePage(corpusFile('0005.jpg'))
  t.equal(doc.separator, null)
  t.equal(doc.blank, false)
  const blank = await probePage(await sharp({ create: { width: 2480, height: 3508, channels: 3, background: '#f4f1e8' } }).jpeg().withDensity(300).toBuffer())
  t.same(blank, { separator: null, blank: true, inkRatio: 0 })
})

t.test('undecodable input is an imaging error', async t => {
  const err = await detectSeparator(Buffer.from('not an image at all')).catch((e: unknown) => e)
  t.ok(isAppError(err) && err.code === 'IMAGE_UNDECODABLE', String(err))
  const jpeg = at300[0]
  const cut = await detectSeparator(jpeg.subarray(0, Math.floor(jpeg.length / 2))).catch((e: unknown) => e)
  t.ok(isAppError(cut) && cut.code === 'IMAGE_TRUNCATED', String(cut))
})

t.test('cost per page (runs on every scanned page)', async t => {
  const doc300 = corpusFile('0000.jpg')
  const doc200 = corpusFile('0001.jpg')
  const docPng = await sharp(doc300).png().withDensity(300).toBuffer()
  const sepPng = await sharp(at300[1]).png().withDensity(300).toBuffer()
  const pages: Array<[string, Buffer, boolean]> = [
    ['document page, 300 dpi JPEG', doc300, false], ['document page, 200 dpi JPEG', doc200, false], ['document page, 300 dpi PNG', docPng, false],
    ['separator page, 300 dpi JPEG', at300[1], true], ['separator page, 200 dpi JPEG', at200[1], true], ['separator page, 300 dpi PNG', sepPng, true]
  ]
  for (const [name, bytes, isSheet] of pages) {
    const detect: number[] = []
    const probe: number[] = []
    for (let i = 0; i < 3; i++) {
      let started = performance.now()
      const found = await detectSeparator(bytes)
      detect.push(performance.now() - started)
      t.equal(found !== null, isSheet)
      started = performance.now()
      await probePage(bytes)
      probe.push(performance.now() - started)
    }
    t.comment(`${name}: detectSeparator median ${median(detect).toFixed(0)} ms, probePage (separator + blank, one decode) median ${median(probe).toFixed(0)} ms`)
  }
})
