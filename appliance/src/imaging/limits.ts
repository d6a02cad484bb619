/** Limits and fixed choices of the imaging module, each with its reason. */
import { AppError } from '../errors/index.js'

/**
 * Largest page accepted, in pixels (width x height, any page). 200 MP is ~2.9x a 600 dpi A3 page (7016 x 9921 =
 * 69.6 MP), so no real scan comes near it, while a decompression bomb (a small file claiming, say, 100000 x 100000)
 * is refused from its header. A 200 MP grey plane is 200 MB, which a 2-core appliance can still hold once.
 * It also stays under sharp's own default (0x3FFF squared = 268 MP).
 */
export const DEFAULT_MAX_PIXELS = 200_000_000

/**
 * Pixels of all pages of one file together. The page limit alone lets a few-MB TIFF of 2,000 blank 200 MP pages
 * (or a 1,000-page PDF) make the intake decode and encode for hours. 2 GP is ~230 A4 colour pages at 300 dpi
 * (8.7 MP each) or a 100-sheet duplex stack with room to spare; a larger job is split by the operator.
 */
export const DEFAULT_MAX_FILE_PIXELS = 2_000_000_000

/** Thumbnail width in pixels: enough for a page list and a review screen's strip. */
export const THUMBNAIL_WIDTH = 300

/**
 * Resolution the OCR input is brought up to. Measured on the corpus with tesseract.js 7 (vie best_int, PSM 11):
 * 200 dpi pages scaled to 300 dpi read at CER 0.23 % instead of 0.91 % (5 pages), for 5-30 % more OCR time
 * (0.65-0.8 s -> 0.85 s per page, one worker) and ~0.1 s more prepare time.
 */
export const OCR_TARGET_DPI = 300

/** Never enlarge more than this (a 100 dpi fax would otherwise become 9x the pixels for little gain). */
export const MAX_UPSCALE = 2

/** Skews smaller than this are left alone: turning the page would cost more than the error (< 1 px per 1000 px). */
export const MIN_ROTATE_DEG = 0.05

/** Resolution of the small copy the skew and contrast are measured on (corpus: MAE 0.024 deg at 100 dpi). */
export const ANALYSIS_DPI = 100

/**
 * A resolution is believed only if it makes the page a plausible sheet: longest side 2-20 inches (a receipt to
 * A3 with margin). Files often carry a default instead of the truth (72 dpi from software, or libvips' 1 px/mm
 * when unset); believing 72 dpi for a 300 dpi scan would double it for nothing.
 */
export const PLAUSIBLE_LONG_SIDE_INCHES = { min: 2, max: 20 } as const

/** Pages read from one TIFF at most; more is a malformed or hostile file, not a document. */
export const MAX_TIFF_PAGES = 2000

export function checkMaxPixels (maxPixels: number): void {
  // sharp reads 0/false as "no limit": a bad setting must never turn the guard off.
  if (!Number.isSafeInteger(maxPixels) || maxPixels <= 0) throw new AppError('CONFIG_INVALID', { setting: 'maxPixels', value: maxPixels })
}

export function checkPixels (width: number, height: number, maxPixels: number, page?: number): void {
  if (width * height > maxPixels) {
    throw new AppError('IMAGE_TOO_MANY_PIXELS', { width, height, maxPixels, ...(page !== undefined ? { page } : {}) })
  }
}

/** The total pixel budget of one file (all its pages); refused from the headers or the PDF's plan, before decoding. */
export function checkFilePixels (pages: ReadonlyArray<{ width: number, height: number }>, maxFilePixels: number | undefined): void {
  if (maxFilePixels === undefined) return
  const total = pages.reduce((sum, p) => sum + p.width * p.height, 0)
  if (total > maxFilePixels) throw new AppError('FILE_TOO_MANY_PIXELS', { pages: pages.length, totalPixels: total, maxFilePixels })
}
