/**
 * Makes one page ready for OCR: a single full decode (truncation fails it, EXIF orientation applied), skew and
 * contrast measured on a 100 dpi copy off the main thread, then the grey page turned straight, stretched to full
 * contrast, brought to 300 dpi when scanned below, and written as PNG; plus a small colour thumbnail.
 *
 * Choices, measured on the 24-page corpus with tesseract.js 7 (vie best_int, PSM 11):
 * - Grey = the red channel. Red seals and yellowed paper nearly vanish in it while black ink stays black:
 *   CER 0.91 % vs 2.02 % with luminance grey (8 pages at native resolution).
 * - 200 dpi pages are scaled to 300 dpi (OCR_TARGET_DPI): CER 0.23 % vs 0.91 %.
 * - The contrast stretch is linear between the 0.5 % darkest and 1 % lightest grey levels (sharp's normalise()
 *   does the same but cost 750 ms on a 300 dpi page; measuring on the small copy and applying linear() costs ~20 ms).
 */
import sharp, { type Sharp, type SharpOptions } from 'sharp'
import { AppError } from '../errors/index.js'
import type { PageAnalysis } from './analysis.js'
import { analyseOffThread } from './analysis-thread.js'
import { inspectImage } from './inspect.js'
import { ANALYSIS_DPI, MAX_UPSCALE, MIN_ROTATE_DEG, OCR_TARGET_DPI, PLAUSIBLE_LONG_SIDE_INCHES, THUMBNAIL_WIDTH } from './limits.js'
import { fromSharpError } from './sharp-errors.js'
import { ensureConfigured } from './setup.js'
import type { Prepared } from './types.js'

export interface PrepareOptions {
  maxPixels: number
  /** Page of a multi-page TIFF, from 0. */
  page?: number
}

interface Grey {
  data: Buffer
  width: number
  height: number
}

const WHITE = { r: 255, g: 255, b: 255 }

export async function preparePage (bytes: Buffer, opts: PrepareOptions): Promise<Prepared> {
  ensureConfigured()
  const started = performance.now()
  const info = await inspectImage(bytes, { maxPixels: opts.maxPixels })
  const page = opts.page ?? 0
  if (!Number.isInteger(page) || page < 0 || page >= info.pages) throw new AppError('VALIDATION', { page, pages: info.pages })
  const dims = info.pagesInfo?.[page] ?? info
  const masterDpi = plausibleDpi(dims.dpi, dims.width, dims.height)
  const input: SharpOptions = {
    // 'error', not just 'truncated': corrupt data inside a TIFF strip otherwise decodes to a blank page (see split.ts).
    failOn: 'error',
    limitInputPixels: opts.maxPixels,
    autoOrient: true,
    ...(info.format === 'tiff' ? { page } : {})
  }

  try {
    const grey = await decodeGrey(bytes, input)
    const analysis = await analyse(grey, masterDpi)
    const turn = Math.abs(analysis.skewDeg) >= MIN_ROTATE_DEG ? analysis.skewDeg : 0
    const scale = upscaleFactor(masterDpi, grey, opts.maxPixels)
    const ocr = await ocrInput(grey, analysis, turn, scale, masterDpi)
    const thumbnail = await makeThumbnail(bytes, input, turn)
    return {
      ocrInput: ocr.png,
      thumbnail,
      width: ocr.width,
      height: ocr.height,
      dpi: masterDpi === null ? null : Math.round(masterDpi * scale),
      skewDeg: analysis.skewDeg,
      scale,
      ms: Math.round(performance.now() - started)
    }
  } catch (err) {
    throw fromSharpError(err, info.format)
  }
}

/** The page as one 8-bit grey plane: the red channel of colour pages, luminance otherwise; alpha over white. */
async function decodeGrey (bytes: Buffer, input: SharpOptions): Promise<Grey> {
  const meta = await sharp(bytes, input).metadata()
  let pipeline = sharp(bytes, input)
  if (meta.hasAlpha) pipeline = pipeline.flatten({ background: WHITE })
  const rgb = meta.channels >= 3 && (meta.space === 'srgb' || meta.space === 'rgb' || meta.space === 'rgb16')
  // Not toColourspace('b-w') after extractChannel: sharp would then convert the whole colour image to luminance.
  pipeline = rgb ? pipeline.extractChannel(0) : pipeline.greyscale().toColourspace('b-w')
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  if (info.channels !== 1) throw new AppError('INTERNAL', { reason: `grey decode gave ${info.channels} channels` })
  return { data, width: info.width, height: info.height }
}

/** A raw 1-channel image as sharp input (b-w, or sharp would write 3 channels back). */
function fromGrey (g: Grey): Sharp {
  return sharp(g.data, { raw: { width: g.width, height: g.height, channels: 1 } }).toColourspace('b-w')
}

async function analyse (grey: Grey, dpi: number | null): Promise<PageAnalysis> {
  // Unknown dpi: assume the common 300 (an A4 page is then ~830 px wide, as at 100 dpi).
  const width = Math.max(1, Math.min(grey.width, Math.round(grey.width * ANALYSIS_DPI / (dpi ?? 300))))
  const small = await fromGrey(grey).resize({ width }).raw().toBuffer({ resolveWithObject: true })
  try {
    return await analyseOffThread(small.data, small.info.width, small.info.height)
  } catch (err) {
    throw new AppError('INTERNAL', { reason: 'page analysis failed' }, err)
  }
}

/** The file's resolution if it describes a real sheet, else null (unknown). */
export function plausibleDpi (dpi: number | null, width: number, height: number): number | null {
  if (dpi === null) return null
  const longSide = Math.max(width, height) / dpi
  return longSide >= PLAUSIBLE_LONG_SIDE_INCHES.min && longSide <= PLAUSIBLE_LONG_SIDE_INCHES.max ? dpi : null
}

function upscaleFactor (dpi: number | null, grey: Grey, maxPixels: number): number {
  if (dpi === null || dpi >= OCR_TARGET_DPI) return 1
  const byPixels = Math.sqrt(maxPixels / (grey.width * grey.height))
  const scale = Math.min(OCR_TARGET_DPI / dpi, MAX_UPSCALE, byPixels)
  // Below 5 % the resampling blur costs more than the extra pixels give.
  return scale < 1.05 ? 1 : scale
}

async function ocrInput (grey: Grey, analysis: PageAnalysis, turn: number, scale: number, dpi: number | null): Promise<{ png: Buffer, width: number, height: number }> {
  let straight = grey
  if (turn !== 0) {
    // libvips turns about the centre onto a larger canvas; cropping the centre back to the master's size keeps the
    // geometry a pure rotation (only the page's corners, margin in practice, fall outside).
    const turned = await fromGrey(grey).rotate(turn, { background: WHITE }).raw().toBuffer({ resolveWithObject: true })
    const left = Math.floor((turned.info.width - grey.width) / 2)
    const top = Math.floor((turned.info.height - grey.height) / 2)
    const cropped = await fromGrey({ data: turned.data, width: turned.info.width, height: turned.info.height })
      .extract({ left, top, width: grey.width, height: grey.height }).raw().toBuffer()
    straight = { data: cropped, width: grey.width, height: grey.height }
  }
  const { black, white } = analysis.levels
  const gain = 255 / (white - black)
  let pipeline = fromGrey(straight).linear(gain, -black * gain)
  const width = Math.round(straight.width * scale)
  const height = Math.round(straight.height * scale)
  if (scale !== 1) pipeline = pipeline.resize({ width, height, kernel: 'cubic' })
  // Level 1: the PNG lives only until OCR reads it; higher levels cost time for no benefit here.
  pipeline = pipeline.png({ compressionLevel: 1, adaptiveFiltering: false })
  // Tesseract reads the density: without it, it guesses (and warns), which changes its layout analysis.
  if (dpi !== null) pipeline = pipeline.withDensity(Math.round(dpi * scale))
  return { png: await pipeline.toBuffer(), width, height }
}

async function makeThumbnail (bytes: Buffer, input: SharpOptions, turn: number): Promise<Buffer> {
  // JPEG shrinks on load, so this second decode is cheap for the usual scan.
  const small = sharp(bytes, input).flatten({ background: WHITE }).resize({ width: THUMBNAIL_WIDTH }).toColourspace('srgb')
  if (turn === 0) return await small.webp({ quality: 75 }).toBuffer()
  const { data, info } = await small.raw().toBuffer({ resolveWithObject: true })
  const turned = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .rotate(turn, { background: WHITE }).raw().toBuffer({ resolveWithObject: true })
  return await sharp(turned.data, { raw: { width: turned.info.width, height: turned.info.height, channels: turned.info.channels } })
    .extract({
      left: Math.floor((turned.info.width - info.width) / 2),
      top: Math.floor((turned.info.height - info.height) / 2),
      width: info.width,
      height: info.height
    })
    .webp({ quality: 75 }).toBuffer()
}
