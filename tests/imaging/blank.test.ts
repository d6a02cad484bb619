import t from 'tap'
import { execFile } from 'node:child_process'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PDFDocument, rgb } from 'pdf-lib'
import sharp, { type Sharp } from 'sharp'
import { isAppError } from '../../appliance/src/errors/index.js'
import { analyseBlank, closeImaging, decodeSmallGrey, measureBlank } from '../../appliance/src/imaging/index.js'
import { fontkitForPdfLib, tinosFonts } from '../../appliance/src/fonts/index.js'
import { tempDir } from '../helpers/tmp.js'
import { corpusFile, corpusTruth } from './helpers.js'

t.teardown(closeImaging)
const run = promisify(execFile)

const A4 = { 300: { w: 2480, h: 3508 }, 200: { w: 1654, h: 2339 } } as const
type Dpi = keyof typeof A4
const mm = (v: number, dpi: Dpi): number => Math.round(v * dpi / 25.4)

function paper (dpi: Dpi, tone: { r: number, g: number, b: number }): Sharp {
  return sharp({ create: { width: A4[dpi].w, height: A4[dpi].h, channels: 3, background: tone } })
}

const WHITE = { r: 255, g: 255, b: 255 }
const OFF_WHITE = { r: 246, g: 243, b: 235 }
const YELLOWED = { r: 238, g: 229, b: 203 }

/** Adds uniform noise (amplitude in grey levels) to every channel, as a cheap sensor and paper texture. */
async function noisy (image: Buffer | Sharp, amplitude: number): Promise<Sharp> {
  const { data, info } = await (Buffer.isBuffer(image) ? sharp(image) : image as Sharp).raw().toBuffer({ resolveWithObject: true })
  let seed = 99991
  for (let i = 0; i < data.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
    data[i] = Math.max(0, Math.min(255, data[i] + ((seed >>> 24) - 128) * amplitude / 128))
  }
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
}

const svg = (dpi: Dpi, body: string): Buffer =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${A4[dpi].w}" height="${A4[dpi].h}">${body}</svg>`)

type Lines = Array<{ text: string, xMm: number, yMm: number, size: number }>

/** Every text page the tests use, by name: printed in Tinos by pdf-lib, rasterised by poppler (one run per dpi). */
const TEXT_PAGES: Record<string, { dpi: Dpi, lines: Lines }> = {
  numberTop: { dpi: 300, lines: [{ text: '- 2 -', xMm: 100, yMm: 14, size: 13 }] },
  numberBottom200: { dpi: 200, lines: [{ text: 'Trang 2', xMm: 95, yMm: 285, size: 12 }] },
  oneLine: { dpi: 300, lines: [{ text: 'Ghi chú: bản chính lưu tại hồ sơ số 12, hộp số 3.', xMm: 30, yMm: 140, size: 12 }] },
  oneLine200: { dpi: 200, lines: [{ text: 'Bản sao này gồm 02 trang.', xMm: 30, yMm: 60, size: 12 }] },
  note: { dpi: 300, lines: [{ text: 'Đã đối chiếu.', xMm: 120, yMm: 200, size: 11 }] },
  pencil: { dpi: 300, lines: [{ text: 'xem trang sau', xMm: 40, yMm: 100, size: 12 }] },
  footer: { dpi: 300, lines: [{ text: 'Trang 2', xMm: 95, yMm: 280, size: 12 }, { text: 'Nơi nhận: như trên', xMm: 30, yMm: 270, size: 11 }] }
}
const textPages = new Map<string, Buffer>()

async function renderTextPages (dir: string): Promise<void> {
  for (const dpi of [300, 200] as const) {
    const names = Object.keys(TEXT_PAGES).filter(n => TEXT_PAGES[n].dpi === dpi)
    const doc = await PDFDocument.create()
    doc.registerFontkit(fontkitForPdfLib)
    const font = await doc.embedFont((await tinosFonts()).regular, { subset: true })
    for (const name of names) {
      const page = doc.addPage([595.28, 841.89])
      for (const l of TEXT_PAGES[name].lines) page.drawText(l.text, { x: l.xMm * 72 / 25.4, y: 841.89 - l.yMm * 72 / 25.4, size: l.size, font, color: rgb(0.1, 0.1, 0.1) })
    }
    const base = join(dir, `text-${dpi}`)
    await writeFile(`${base}.pdf`, await doc.save())
    await run('pdftoppm', ['-r', String(dpi), '-jpeg', '-jpegopt', 'quality=92', `${base}.pdf`, base])
    const files = (await readdir(dir)).filter(f => f.startsWith(`text-${dpi}-`) && f.endsWith('.jpg')).sort()
    for (const [i, name] of names.entries()) textPages.set(name, await readFile(join(dir, files[i])))
  }
}

function textPage (name: keyof typeof TEXT_PAGES): Buffer {
  const page = textPages.get(name)
  if (!page) throw new Error(`text page ${name} not rendered`)
  return page
}

t.before(async () => { await renderTextPages(await tempDir(t, 'sohoa-blank-')) })

/** The mirror image of a corpus page at a fraction of its contrast, blurred: the other side showing through. */
async function bleedThrough (dpi: Dpi, file: string, contrast: number, tone: { r: number, g: number, b: number }): Promise<Sharp> {
  const { w, h } = A4[dpi]
  const ghost = await sharp(corpusFile(file)).resize(w, h, { fit: 'fill' }).flop().greyscale()
    .linear(contrast, 255 * (1 - contrast)).blur(2).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true })
  const toned = await paper(dpi, tone).composite([{ input: ghost.data, raw: { width: w, height: h, channels: ghost.info.channels }, blend: 'multiply' }]).raw().toBuffer()
  return sharp(toned, { raw: { width: w, height: h, channels: 3 } })
}

/** A composite made concrete (sharp cannot chain a composite into raw pixel work). */
async function flat (image: Sharp): Promise<Sharp> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true })
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
}

const jpeg = async (png: Buffer | Sharp, dpi: Dpi, quality = 75): Promise<Buffer> =>
  await (Buffer.isBuffer(png) ? sharp(png) : png as Sharp).jpeg({ quality }).withDensity(dpi).toBuffer()

t.test('blank pages: plain, toned, noisy, bleed-through, scanner edges, punch holes, a page number', async t => {
  const cases: Array<[string, () => Promise<Buffer>]> = [
    ['plain white, 300 dpi', async () => await jpeg(paper(300, WHITE), 300)],
    ['yellowed paper with noise, q60', async () => await jpeg(await noisy(paper(300, YELLOWED), 20), 300, 60)],
    ['bleed-through of a full page at 16 % contrast', async () => await jpeg(await noisy(await bleedThrough(300, '0000.jpg', 0.16, OFF_WHITE), 8), 300, 70)],
    ['bleed-through at 25 % contrast on yellowed paper, 200 dpi', async () => await jpeg(await bleedThrough(200, '0008.jpg', 0.25, YELLOWED), 200, 70)],
    ['dark scanner edges: a black band with shadow, a bottom band, a dog-ear', async () => {
      const edges = svg(300, `<defs><linearGradient id="g" x1="0" x2="1"><stop offset="0" stop-color="#000" stop-opacity="0.85"/><stop offset="1" stop-color="#000" stop-opacity="0"/></linearGradient></defs>
        <rect x="0" y="0" width="${mm(5, 300)}" height="${A4[300].h}" fill="#111"/>
        <rect x="${mm(5, 300)}" y="0" width="${mm(6, 300)}" height="${A4[300].h}" fill="url(#g)"/>
        <rect x="0" y="${A4[300].h - mm(3, 300)}" width="${A4[300].w}" height="${mm(3, 300)}" fill="#222"/>
        <polygon points="${A4[300].w},0 ${A4[300].w},${mm(40, 300)} ${A4[300].w - mm(14, 300)},0" fill="#151515"/>`)
      return await jpeg(await noisy(await flat(paper(300, OFF_WHITE).composite([{ input: edges }])), 6), 300)
    }],
    ['a page wider than the scanner window: dark all round, 200 dpi PNG', async () => {
      const frame = svg(200, `<rect x="0" y="0" width="${A4[200].w}" height="${A4[200].h}" fill="none" stroke="#0c0c0c" stroke-width="${mm(7, 200)}"/>`)
      return await paper(200, OFF_WHITE).composite([{ input: frame }]).greyscale().png().withDensity(200).toBuffer()
    }],
    ['two punch holes (dark backing) and a page number at the top', async () => {
      const holes = svg(300, [-40, 40].map(dy => `<circle cx="${mm(12, 300)}" cy="${A4[300].h / 2 + mm(dy, 300)}" r="${mm(3, 300)}" fill="#1a1a1a"/>`).join(''))
      const numbered = textPage('numberTop')
      return await jpeg(await noisy(await flat(sharp(numbered).composite([{ input: holes }])), 6), 300)
    }],
    ['punch holes 2 mm further in than the standard, white paper', async () => {
      const holes = svg(300, [-40, 40].map(dy => `<circle cx="${mm(14, 300)}" cy="${A4[300].h / 2 + mm(dy, 300)}" r="${mm(3.25, 300)}" fill="#202020"/>`).join(''))
      return await jpeg(paper(300, WHITE).composite([{ input: holes }]), 300, 80)
    }],
    ['a page number at the bottom, 200 dpi, noisy', async () => {
      const numbered = textPage('numberBottom200')
      return await jpeg(await noisy(numbered, 10), 200, 70)
    }]
  ]
  const ink: string[] = []
  for (const [name, make] of cases) {
    const result = await measureBlank(await make())
    t.equal(result.blank, true, name)
    t.ok(result.inkRatio >= 0 && result.inkRatio < 0.001, `${name}: ink ratio ${result.inkRatio.toExponential(2)}`)
    ink.push(result.inkRatio.toExponential(1))
  }
  t.comment(`ink ratio of the blank pages: ${ink.join(', ')}`)
})

t.test('sparse real pages are not blank', async t => {
  const signature = (dpi: Dpi): Buffer => {
    const x = mm(120, dpi)
    const y = mm(220, dpi)
    const k = dpi / 300
    const path = `M ${x} ${y} c ${40 * k} ${-120 * k} ${90 * k} ${-150 * k} ${120 * k} ${-60 * k} s ${30 * k} ${140 * k} ${90 * k} ${40 * k} ` +
      `s ${60 * k} ${-160 * k} ${120 * k} ${-40 * k} m ${-330 * k} ${80 * k} c ${150 * k} ${-30 * k} ${300 * k} ${-30 * k} ${380 * k} ${-10 * k}`
    return svg(dpi, `<path d="${path}" stroke="#1c2f8a" stroke-width="${mm(0.4, dpi)}" fill="none" stroke-linecap="round"/>`)
  }
  const cases: Array<[string, () => Promise<Buffer>]> = [
    ['one line of text', async () => await jpeg(await noisy(textPage('oneLine'), 6), 300)],
    ['one line of text, 200 dpi on yellowed paper', async () => {
      const text = textPage('oneLine200')
      return await jpeg(sharp(text).composite([{ input: await paper(200, YELLOWED).png().toBuffer(), blend: 'multiply' }]), 200, 65)
    }],
    ['a two-word note', async () => await jpeg(textPage('note'), 300)],
    ['a signature only (blue ballpoint)', async () => await jpeg(paper(300, OFF_WHITE).composite([{ input: signature(300) }]), 300)],
    ['a signature only, 200 dpi', async () => await jpeg(paper(200, WHITE).composite([{ input: signature(200) }]), 200, 70)],
    ['a light pencil note', async () => await jpeg(sharp(textPage('pencil')).linear(0.45, 255 * 0.55), 300)],
    ['a red seal only', async () => {
      const seal = svg(300, `<circle cx="1240" cy="1754" r="${mm(20, 300)}" stroke="#d02020" stroke-width="${mm(1, 300)}" fill="none"/>` +
        `<circle cx="1240" cy="1754" r="${mm(14, 300)}" stroke="#d02020" stroke-width="${mm(0.6, 300)}" fill="none"/>`)
      return await jpeg(paper(300, WHITE).composite([{ input: seal }]), 300, 80)
    }],
    ['a page number and a short line in the footer band', async () =>
      await jpeg(textPage('footer'), 300)]
  ]
  for (const [name, make] of cases) {
    const result = await measureBlank(await make())
    t.equal(result.blank, false, `${name}: ink ratio ${result.inkRatio.toExponential(2)}`)
    t.ok(result.inkRatio > 0, `${name}: some ink counted`)
  }
})

t.test('no corpus page is blank', async t => {
  const ratios: number[] = []
  for (const { file } of corpusTruth()) {
    const result = await measureBlank(corpusFile(file))
    t.equal(result.blank, false, file)
    ratios.push(result.inkRatio)
  }
  t.ok(Math.min(...ratios) > 0.01, 'a printed page has percents of ink')
  t.comment(`corpus ink ratio ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)}`)
})

t.test('the small copy: ~100 dpi, resolution from the file or assumed A4, orientation applied', async t => {
  const g300 = await decodeSmallGrey(corpusFile('0000.jpg'))
  t.ok(Math.abs(g300.dpi - 100) < 1 && !g300.dpiAssumed, `300 dpi file: ${g300.width}x${g300.height} at ${g300.dpi.toFixed(1)} dpi`)
  const g200 = await decodeSmallGrey(corpusFile('0001.jpg'))
  t.ok(Math.abs(g200.dpi - 100) < 1 && g200.width === 827, `200 dpi file: ${g200.width}x${g200.height}`)
  // No resolution in the file: an A4 page is assumed, and the copy is still ~100 dpi.
  const { data, info } = await sharp(corpusFile('0000.jpg')).raw().toBuffer({ resolveWithObject: true })
  const bare = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } }).png().toBuffer()
  const gBare = await decodeSmallGrey(bare)
  t.ok(gBare.dpiAssumed && Math.abs(gBare.dpi - 100) < 2, `no density: ${gBare.dpi.toFixed(1)} dpi assumed`)
  // EXIF orientation 6 (turned 90°): the copy comes upright, portrait.
  const turned = await sharp(corpusFile('0001.jpg')).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer()
  const gTurned = await decodeSmallGrey(turned)
  t.same([gTurned.width, gTurned.height, Math.round(gTurned.dpi)], [827, 1169, 100], 'EXIF orientation 6: upright, 100 dpi')
  // A page scanned below 100 dpi is not enlarged.
  const low = await sharp(corpusFile('0001.jpg')).resize({ width: 600 }).withDensity(72).jpeg().toBuffer()
  const gLow = await decodeSmallGrey(low)
  t.equal(gLow.width, 600)
  const err = await measureBlank(Buffer.from('not an image at all')).catch((e: unknown) => e)
  t.ok(isAppError(err) && err.code === 'IMAGE_UNDECODABLE', String(err))
})

t.test('cost per page', async t => {
  const pages: Array<[string, Buffer]> = [
    ['blank 300 dpi JPEG', await jpeg(await noisy(paper(300, YELLOWED), 12), 300, 70)],
    ['document 300 dpi JPEG', corpusFile('0000.jpg')],
    ['document 200 dpi JPEG', corpusFile('0001.jpg')]
  ]
  for (const [name, bytes] of pages) {
    const decode: number[] = []
    const analyse: number[] = []
    for (let i = 0; i < 5; i++) {
      let started = performance.now()
      const grey = await decodeSmallGrey(bytes)
      decode.push(performance.now() - started)
      started = performance.now()
      analyseBlank(grey)
      analyse.push(performance.now() - started)
    }
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[2]
    t.comment(`${name}: decode to 100 dpi grey ${median(decode).toFixed(0)} ms, analysis ${median(analyse).toFixed(1)} ms (medians of 5)`)
    t.ok(median(analyse) < 100)
  }
})
