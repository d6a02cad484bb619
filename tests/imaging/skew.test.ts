import t from 'tap'
import sharp from 'sharp'
import { DEFAULT_MAX_PIXELS, closeImaging, estimateSkew, preparePage } from '../../appliance/src/imaging/index.js'
import { otsuThreshold } from '../../appliance/src/imaging/skew.js'
import { corpusFile, corpusTruth } from './helpers.js'

t.teardown(closeImaging)
const opts = { maxPixels: DEFAULT_MAX_PIXELS }

/** A 150 dpi A4 page of Vietnamese text lines, as JPEG, its content turned counter-clockwise by `deg`. */
async function syntheticPage (deg: number): Promise<Buffer> {
  const lines: string[] = []
  for (let i = 0; i < 28; i++) {
    const x = i % 5 === 0 ? 260 : 130
    lines.push(`<text x="${x}" y="${160 + i * 50}" font-family="serif" font-size="22">Điều ${i}. Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015</text>`)
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1240" height="1754"><rect width="100%" height="100%" fill="#f4f1e6"/>${lines.join('')}</svg>`
  const page = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer()
  // sharp turns clockwise for positive angles, so -deg turns the content counter-clockwise by deg.
  return await sharp(page).rotate(-deg, { background: '#f4f1e6' }).jpeg({ quality: 80 }).withDensity(150).toBuffer()
}

/** Skew left in an image (e.g. the deskewed OCR input), measured on a 100 dpi copy. */
async function residualSkew (png: Buffer, dpi: number): Promise<number> {
  const meta = await sharp(png).metadata()
  const { data, info } = await sharp(png).resize({ width: Math.round(meta.width * 100 / dpi) }).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
  return estimateSkew(data, info.width, info.height).angleDeg
}

t.test('synthetic page turned by known angles: found, then corrected', async t => {
  for (const deg of [2.5, -1.2, 0.35, -4.5]) {
    const prepared = await preparePage(await syntheticPage(deg), opts)
    t.ok(Math.abs(prepared.skewDeg - deg) <= 0.15, `turned ${deg} deg, found ${prepared.skewDeg} deg`)
    const left = await residualSkew(prepared.ocrInput, prepared.dpi ?? 300)
    t.ok(Math.abs(left) <= 0.15, `after correction ${left} deg remain (a sign error would leave ${2 * deg})`)
  }
})

t.test('corpus: every page within 0.3 deg of the truth (sign convention = truth skew_deg)', async t => {
  const errors: number[] = []
  const ms: number[] = []
  for (const truth of corpusTruth()) {
    const prepared = await preparePage(corpusFile(truth.file), opts)
    const err = prepared.skewDeg - truth.skew_deg
    errors.push(Math.abs(err))
    ms.push(prepared.ms)
    t.ok(Math.abs(err) <= 0.3, `${truth.file}: truth ${truth.skew_deg}, found ${prepared.skewDeg}`)
  }
  const mae = errors.reduce((a, b) => a + b, 0) / errors.length
  t.comment(`skew on ${errors.length} corpus pages: MAE ${mae.toFixed(3)} deg, max ${Math.max(...errors).toFixed(3)} deg`)
  t.comment(`preparePage: mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(0)} ms, max ${Math.max(...ms)} ms per page`)
  t.ok(mae < 0.1, 'mean absolute error under 0.1 deg')
})

t.test('no line structure, no angle', async t => {
  t.same(estimateSkew(new Uint8Array(400 * 300).fill(250), 400, 300), { angleDeg: 0, points: 0 }, 'blank page')
  const dark = new Uint8Array(400 * 300).fill(10)
  for (let i = 0; i < dark.length; i += 7) dark[i] = 240
  t.equal(estimateSkew(dark, 400, 300).angleDeg, 0, 'mostly dark page (photo, inverted scan)')
  t.throws(() => estimateSkew(new Uint8Array(10), 400, 300), RangeError)
})

t.test('Otsu threshold splits two populations', async t => {
  const grey = new Uint8Array(1000)
  grey.fill(30, 0, 200)
  grey.fill(220, 200)
  const th = otsuThreshold(grey, grey.length)
  t.ok(th >= 30 && th < 220, `threshold ${th}`)
})
