import t from 'tap'
import sharp from 'sharp'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { isAppError } from '../../appliance/src/errors/index.js'
import { DEFAULT_MAX_PIXELS, THUMBNAIL_WIDTH, closeImaging, inspectImage, preparePage } from '../../appliance/src/imaging/index.js'
import { corpusFile, makeTiff } from './helpers.js'

t.teardown(closeImaging)
const opts = { maxPixels: DEFAULT_MAX_PIXELS }

async function code (p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return isAppError(err) ? err.code : `not an AppError: ${String(err)}`
  }
}

/** Grey value below which the given fraction of the image's pixels lie. */
async function percentile (png: Buffer, fraction: number): Promise<number> {
  const { data } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
  const hist = new Array<number>(256).fill(0)
  for (const v of data) hist[v]++
  for (let v = 0, acc = 0; v < 256; v++) {
    acc += hist[v]
    if (acc >= data.length * fraction) return v
  }
  return 255
}

t.before(async () => {
  // The first call starts the analysis thread (under the test runner that includes compiling TypeScript).
  const started = performance.now()
  await preparePage(await sharp({ create: { width: 200, height: 200, channels: 3, background: '#fff' } }).png().toBuffer(), opts)
  t.comment(`first preparePage (cold start): ${(performance.now() - started).toFixed(0)} ms`)
})

t.test('a 300 dpi corpus page', async t => {
  const master = corpusFile('0010.jpg') // 300 dpi, skew 0.52, yellowed paper
  const p = await preparePage(master, opts)
  t.comment(`prepare 300 dpi page: ${p.ms} ms`)
  const meta = await sharp(p.ocrInput).metadata()
  t.match(meta, { format: 'png', channels: 1, width: 2481, height: 3507, density: 300 }, 'grey PNG, master size, density set')
  t.match(p, { width: 2481, height: 3507, dpi: 300, scale: 1 })
  t.ok(Math.abs(p.skewDeg - 0.52) <= 0.3, `skew ${p.skewDeg}`)
  t.ok(p.ms > 0 && p.ms < 5000, `${p.ms} ms`)
  const thumb = await sharp(p.thumbnail).metadata()
  t.match(thumb, { format: 'webp', width: THUMBNAIL_WIDTH, channels: 3 }, 'colour WebP thumbnail')
  t.ok(Math.abs(thumb.height - Math.round(THUMBNAIL_WIDTH * 3507 / 2481)) <= 1, 'page proportions kept')
  t.ok(p.thumbnail.length < 30_000, `thumbnail ${p.thumbnail.length} bytes`)

  // Contrast: yellowed paper becomes white, ink reaches black.
  const masterPaper = await sharp(master).extractChannel(1).raw().toBuffer().then(d => [...d.subarray(0, 50_000)].sort((a, b) => a - b)[25_000])
  t.ok(masterPaper < 245, `master paper (green channel) is not white: ${masterPaper}`)
  t.ok(await percentile(p.ocrInput, 0.5) >= 250, 'paper is white in the OCR input')
  t.ok(await percentile(p.ocrInput, 0.005) <= 5, 'the darkest ink is black')
})

t.test('a 200 dpi page is brought to 300 dpi', async t => {
  const p = await preparePage(corpusFile('0003.jpg'), opts)
  t.comment(`prepare 200 dpi page (with upscale): ${p.ms} ms`)
  t.match(p, { width: 2481, height: 3507, dpi: 300, scale: 1.5 })
  t.match(await sharp(p.ocrInput).metadata(), { width: 2481, height: 3507, density: 300 })
  const capped = await preparePage(corpusFile('0003.jpg'), { maxPixels: 1654 * 2338 * 2 })
  t.ok(capped.scale > 1 && capped.width * capped.height <= 1654 * 2338 * 2 * 1.01, `upscale stays under the pixel limit (scale ${capped.scale.toFixed(3)})`)
})

t.test('EXIF orientation is honoured', async t => {
  // The page stored lying on its side, with orientation 6 ("turn 90 deg clockwise to view").
  const sideways = await sharp(corpusFile('0003.jpg')).rotate(-90).jpeg({ quality: 90 }).withMetadata({ orientation: 6, density: 200 }).toBuffer()
  const info = await inspectImage(sideways, opts)
  t.match(info, { width: 2338, height: 1654 }, 'stored sideways')
  const p = await preparePage(sideways, opts)
  t.match(p, { width: 2481, height: 3507 }, 'prepared upright')
  t.ok(Math.abs(p.skewDeg - 1.46) <= 0.3, `skew still found: ${p.skewDeg}`)
})

t.test('other inputs: alpha, CMYK, 16-bit, grey TIFF page', async t => {
  const base = corpusFile('0001.jpg')
  const alpha = await sharp(base).ensureAlpha(0).png().withDensity(200).toBuffer() // fully transparent
  const pa = await preparePage(alpha, opts)
  t.equal(await percentile(pa.ocrInput, 0.01), 255, 'transparent pixels are flattened onto white')

  const cmyk = await sharp(base).toColourspace('cmyk').jpeg().withDensity(200).toBuffer()
  t.equal((await sharp(cmyk).metadata()).space, 'cmyk')
  const pc = await preparePage(cmyk, opts)
  t.match(await sharp(pc.ocrInput).metadata(), { channels: 1, width: 2481 }, 'CMYK page prepared as grey')

  const deep = await sharp(base).toColourspace('rgb16').png().withDensity(200).toBuffer()
  t.equal((await sharp(deep).metadata()).depth, 'ushort')
  const pd = await preparePage(deep, opts)
  t.match(await sharp(pd.ocrInput).metadata(), { depth: 'uchar', channels: 1 }, '16-bit page becomes 8-bit grey')
  t.ok(await percentile(pd.ocrInput, 0.5) >= 250 && await percentile(pd.ocrInput, 0.005) <= 5, 'and keeps its contrast')

  const tiff = makeTiff([
    { width: 40, height: 40, dpi: 300, pixel: () => 255 },
    { width: 620, height: 877, dpi: 75, pixel: (x, y) => (y % 20 < 3 && x > 50 && x < 570 ? 0 : 255) }
  ]).bytes
  const pt = await preparePage(tiff, { ...opts, page: 1 })
  t.match(pt, { width: 1240, height: 1754, scale: 2, dpi: 150 }, 'page 1 of a TIFF; a 75 dpi page is doubled, not quadrupled')
  t.equal(await code(preparePage(tiff, { ...opts, page: 2 })), 'VALIDATION', 'no page 2')
})

t.test('a resolution that makes no sense is ignored', async t => {
  const claims72 = await sharp(corpusFile('0000.jpg')).jpeg({ quality: 85 }).withDensity(72).toBuffer()
  t.equal((await inspectImage(claims72, opts)).dpi, 72, 'inspect reports what the file says')
  const p = await preparePage(claims72, opts)
  t.match(p, { scale: 1, dpi: null, width: 2481 }, 'a 34-inch-wide "page" is not enlarged')
})

t.test('refusals', async t => {
  const jpeg = corpusFile('0001.jpg')
  t.equal(await code(preparePage(jpeg.subarray(0, jpeg.length - 5000), opts)), 'IMAGE_TRUNCATED')
  t.equal(await code(preparePage(jpeg, { maxPixels: 1_000_000 })), 'IMAGE_TOO_MANY_PIXELS')
  t.equal(await code(preparePage(Buffer.from('not an image'), opts)), 'UNSUPPORTED_MEDIA_TYPE')
  t.equal(await code(preparePage(jpeg, { maxPixels: 0 })), 'CONFIG_INVALID', 'a zero limit is refused, never read as "no limit"')
})

t.test('the event loop stays free while a page is prepared', async t => {
  const histogram = monitorEventLoopDelay({ resolution: 5 })
  histogram.enable()
  const before = performance.eventLoopUtilization()
  await preparePage(corpusFile('0015.jpg'), opts)
  const used = performance.eventLoopUtilization(before)
  histogram.disable()
  t.comment(`preparePage: this thread busy ${(used.utilization * 100).toFixed(1)} % (${used.active.toFixed(0)} ms); largest event-loop delay ${(histogram.max / 1e6).toFixed(1)} ms`)
  // The pixel work runs on libuv's pool: the loop is idle while it waits. Timer delays also measure how loaded the
  // machine is, so the test is how busy this thread was (image work on it would make it busy nearly all along).
  t.ok(used.utilization < 0.5, 'the event loop stayed mostly idle')
})
