/**
 * Blank page detection (the backs of duplex scans): is there anything on this page a person wrote or printed?
 *
 * Works on a small grey copy of the page (~100 dpi, see `decodeSmallGrey`): cheap to get from a JPEG (libjpeg
 * shrinks while decoding) and fine enough for a 0.3 mm pen stroke to keep most of its contrast.
 * - Paper tone: ink is measured against the local paper level (the median of ~8 mm blocks, the lightest of each
 *   block's neighbourhood), so yellowed paper, a grey scan and uneven lighting all read as paper.
 * - Scanner edges: a margin is ignored, and marks touching it are dropped (edge shadows, a dark backing showing
 *   past a skewed or dog-eared sheet, streaks from dirt on the feeder glass all run in from the edge).
 * - Bleed-through and noise: a mark must reach strong contrast somewhere (hysteresis: grown over weak contrast,
 *   seeded by strong); text showing through from the other side stays faint everywhere. Specks are dropped.
 * - Punch holes: filled round blobs of 4-9 mm near an edge are not ink.
 * - Page numbers: a single small mark (at most 20 x 6 mm) in the top or bottom band of the page still counts as
 *   blank; a signature, a stamp or a line of text anywhere does not.
 * The analysis itself is plain JavaScript over ~1 Mpx (a few ms; measured in tests/imaging/blank.test.ts).
 */
import sharp, { type SharpOptions } from 'sharp'
import { fromSharpError } from './sharp-errors.js'
import { plausibleDpi } from './prepare.js'
import { ensureConfigured } from './setup.js'

/** A small 8-bit grey copy of a page and its (possibly estimated) resolution. */
export interface SmallGrey {
  data: Uint8Array
  width: number
  height: number
  /** Pixels per inch of this copy. */
  dpi: number
  /** True when the file gave no believable resolution and `dpi` assumes an A4 page. */
  dpiAssumed: boolean
}

export interface BlankMeasure {
  blank: boolean
  /** Share of the page (inside the ignored margin) covered by marks that count as ink, 0-1. */
  inkRatio: number
}

export interface SmallGreyOptions {
  /** Resolution of the copy (default 100); a page scanned below it is not enlarged. */
  dpi?: number
  /** Page of a multi-page TIFF, from 0. */
  page?: number
  /** Pixel limit of the input (the appliance's maxPixels). */
  maxPixels?: number
}

export const SMALL_GREY_DPI = 100
/** Long side of A4 in inches: the assumption when a file does not say its resolution. */
const A4_LONG_INCHES = 297 / 25.4

/**
 * Decodes a JPEG/PNG/TIFF page into a small luminance copy (EXIF orientation applied, alpha over white).
 * Throws the imaging errors (IMAGE_UNDECODABLE, IMAGE_TRUNCATED, IMAGE_TOO_MANY_PIXELS).
 */
export async function decodeSmallGrey (image: Uint8Array, opts: SmallGreyOptions = {}): Promise<SmallGrey> {
  ensureConfigured()
  const target = opts.dpi ?? SMALL_GREY_DPI
  const input: SharpOptions = {
    failOn: 'error',
    autoOrient: true,
    ...(opts.maxPixels !== undefined ? { limitInputPixels: opts.maxPixels } : {}),
    ...(opts.page !== undefined ? { page: opts.page } : {})
  }
  try {
    const meta = await sharp(image, input).metadata()
    const swap = (meta.orientation ?? 1) >= 5 // EXIF 5-8: width and height trade places
    const width = swap ? meta.height : meta.width
    const height = swap ? meta.width : meta.height
    const fileDpi = plausibleDpi(meta.density ?? null, width, height)
    const dpi = fileDpi ?? Math.max(width, height) / A4_LONG_INCHES
    const scale = Math.min(1, target / dpi)
    let pipeline = sharp(image, input)
    if (meta.hasAlpha) pipeline = pipeline.flatten({ background: { r: 255, g: 255, b: 255 } })
    pipeline = pipeline.greyscale()
    // 'linear' averages the pixels it drops (fair to thin strokes and to noise) and, unlike the default lanczos3,
    // costs little on top of the decode.
    if (scale < 1) pipeline = pipeline.resize({ width: Math.max(1, Math.round(width * scale)), kernel: 'linear' })
    const { data, info } = await pipeline.toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
    if (info.channels !== 1) throw new Error(`grey decode gave ${info.channels} channels`)
    return { data, width: info.width, height: info.height, dpi: dpi * info.width / width, dpiAssumed: fileDpi === null }
  } catch (err) {
    throw fromSharpError(err, formatOf(image))
  }
}

/** The format by signature, for the error's details only. */
function formatOf (image: Uint8Array): string | undefined {
  if (image[0] === 0xff && image[1] === 0xd8) return 'jpeg'
  if (image[0] === 0x89 && image[1] === 0x50) return 'png'
  if ((image[0] === 0x49 && image[1] === 0x49) || (image[0] === 0x4d && image[1] === 0x4d)) return 'tiff'
  return undefined
}

/** Whether a page is blank: from the file's bytes, or from a small grey copy already decoded. */
export async function measureBlank (image: Uint8Array | SmallGrey, opts: SmallGreyOptions = {}): Promise<BlankMeasure> {
  const grey = image instanceof Uint8Array ? await decodeSmallGrey(image, opts) : image
  return analyseBlank(grey)
}

/** Thresholds, in mm and grey levels, with their reasons. */
const RULES = {
  /** Ignored all round: scanner edge shadows, the feeder's dark backing, a page slightly off the scan window. */
  marginMm: 8,
  /** Block for the local paper level: several text lines tall, so a block of text still has paper around it. */
  blockMm: 8,
  /** Darker than the paper by this much: part of a mark (a 0.3 mm pencil line still reaches it at 100 dpi). */
  weak: 32,
  /** ...and somewhere by this much: a real mark. Bleed-through and scan noise at 100 dpi stay well below. */
  strong: 64,
  /** Smaller marks are dust or noise (a 12 pt letter is 0.5-1.5 mm² of ink). */
  speckMm2: 0.25,
  /** Punch holes (ISO 838: 6 mm, centred 12 mm in), with room for offset and shadow. */
  hole: { minMm: 4, maxMm: 9.5, maxAspect: 1.4, minFill: 0.55, nearEdgeMm: 28 },
  /** A page number: one small mark this size at most, within this distance of the top or bottom edge. */
  pageNumber: { maxWidthMm: 20, maxHeightMm: 6, bandMm: 45 }
} as const

interface Mark {
  area: number
  x0: number
  y0: number
  x1: number
  y1: number
}

/** The decision on a small grey copy. Pure; a few ms for a 100 dpi A4 page. */
export function analyseBlank (grey: SmallGrey): BlankMeasure {
  const { data, width, height } = grey
  const pxPerMm = grey.dpi / 25.4
  const margin = Math.min(Math.round(RULES.marginMm * pxPerMm), Math.floor(Math.min(width, height) / 4))
  const ix0 = margin
  const iy0 = margin
  const ix1 = width - margin // exclusive
  const iy1 = height - margin
  const innerArea = Math.max(1, (ix1 - ix0) * (iy1 - iy0))
  if (ix1 <= ix0 || iy1 <= iy0) return { blank: true, inkRatio: 0 }

  const paper = paperLevels(data, width, ix0, iy0, ix1, iy1, Math.max(4, Math.round(RULES.blockMm * pxPerMm)))
  const marks = findMarks(grey, ix0, iy0, ix1, iy1, paper, pxPerMm)

  let ink = 0
  for (const m of marks) ink += m.area
  const inkRatio = ink / innerArea
  if (marks.length === 0) return { blank: true, inkRatio }

  // Everything that is left fits in one small box near the top or bottom edge: a page number.
  const x0 = Math.min(...marks.map(m => m.x0))
  const x1 = Math.max(...marks.map(m => m.x1))
  const y0 = Math.min(...marks.map(m => m.y0))
  const y1 = Math.max(...marks.map(m => m.y1))
  const pn = RULES.pageNumber
  const small = (x1 - x0 + 1) <= pn.maxWidthMm * pxPerMm && (y1 - y0 + 1) <= pn.maxHeightMm * pxPerMm
  const band = pn.bandMm * pxPerMm
  const inBand = y1 < band || y0 > height - band
  return { blank: small && inBand, inkRatio }
}

interface PaperLevels {
  block: number
  cols: number
  level: Uint8Array
}

/** Paper grey per block: the block's median, raised to the lightest median around it (text-filled blocks). */
function paperLevels (data: Uint8Array, width: number, x0: number, y0: number, x1: number, y1: number, block: number): PaperLevels {
  const cols = Math.ceil((x1 - x0) / block)
  const rows = Math.ceil((y1 - y0) / block)
  const median = new Uint8Array(cols * rows)
  const hist = new Uint32Array(256)
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      hist.fill(0)
      const xs = x0 + bx * block
      const ys = y0 + by * block
      const xe = Math.min(x1, xs + block)
      const ye = Math.min(y1, ys + block)
      for (let y = ys; y < ye; y++) {
        const row = y * width
        for (let x = xs; x < xe; x++) hist[data[row + x]]++
      }
      const half = ((xe - xs) * (ye - ys)) / 2
      let v = 0
      for (let acc = 0; v < 255; v++) {
        acc += hist[v]
        if (acc >= half) break
      }
      median[by * cols + bx] = v
    }
  }
  const level = new Uint8Array(cols * rows)
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      let best = 0
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const cx = bx + dx
          const cy = by + dy
          if (cx >= 0 && cy >= 0 && cx < cols && cy < rows) best = Math.max(best, median[cy * cols + cx])
        }
      }
      level[by * cols + bx] = best
    }
  }
  return { block, cols, level }
}

/** Connected marks (8-neighbour) inside the inner box that pass the rules. */
function findMarks (grey: SmallGrey, x0: number, y0: number, x1: number, y1: number, paper: PaperLevels, pxPerMm: number): Mark[] {
  const { data, width, height } = grey
  const w = x1 - x0
  const h = y1 - y0
  // 0 = paper, 1 = weak ink not yet visited, 2 = visited
  const state = new Uint8Array(w * h)
  const { block, cols, level } = paper
  const blockOfX = new Int32Array(w)
  for (let x = 0; x < w; x++) blockOfX[x] = Math.floor(x / block)
  for (let y = 0; y < h; y++) {
    const levelRow = Math.floor(y / block) * cols
    const src = (y + y0) * width + x0
    const dst = y * w
    for (let x = 0; x < w; x++) {
      if (level[levelRow + blockOfX[x]] - data[src + x] >= RULES.weak) state[dst + x] = 1
    }
  }

  const marks: Mark[] = []
  const speck = RULES.speckMm2 * pxPerMm * pxPerMm
  const stack: number[] = []
  for (let start = 0; start < state.length; start++) {
    if (state[start] !== 1) continue
    state[start] = 2
    stack.push(start)
    let area = 0
    let strong = false
    let edge = false
    let mx0 = w
    let my0 = h
    let mx1 = -1
    let my1 = -1
    while (stack.length > 0) {
      const i = stack.pop() as number
      const x = i % w
      const y = (i - x) / w
      area++
      if (x < mx0) mx0 = x
      if (x > mx1) mx1 = x
      if (y < my0) my0 = y
      if (y > my1) my1 = y
      if (x === 0 || y === 0 || x === w - 1 || y === h - 1) edge = true
      if (!strong && level[Math.floor(y / block) * cols + blockOfX[x]] - data[(y + y0) * width + x + x0] >= RULES.strong) strong = true
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy
        if (ny < 0 || ny >= h) continue
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx
          if (nx < 0 || nx >= w) continue
          const j = ny * w + nx
          if (state[j] === 1) {
            state[j] = 2
            stack.push(j)
          }
        }
      }
    }
    if (!strong || edge || area < speck) continue
    const mark = { area, x0: mx0 + x0, y0: my0 + y0, x1: mx1 + x0, y1: my1 + y0 }
    if (isPunchHole(mark, width, height, pxPerMm)) continue
    marks.push(mark)
  }
  return marks
}

/** A filled round blob of punch-hole size near an edge of the page (`pageHeight` in pixels). */
function isPunchHole (m: Mark, pageWidth: number, pageHeight: number, pxPerMm: number): boolean {
  const r = RULES.hole
  const bw = (m.x1 - m.x0 + 1) / pxPerMm
  const bh = (m.y1 - m.y0 + 1) / pxPerMm
  if (bw < r.minMm || bh < r.minMm || bw > r.maxMm || bh > r.maxMm) return false
  if (Math.max(bw, bh) / Math.min(bw, bh) > r.maxAspect) return false
  if (m.area / ((m.x1 - m.x0 + 1) * (m.y1 - m.y0 + 1)) < r.minFill) return false
  const cx = (m.x0 + m.x1) / 2 / pxPerMm
  const cy = (m.y0 + m.y1) / 2 / pxPerMm
  const near = r.nearEdgeMm
  return cx < near || cy < near || pageWidth / pxPerMm - cx < near || pageHeight / pxPerMm - cy < near
}
