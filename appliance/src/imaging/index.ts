/**
 * Imaging: everything sohoa does to pixels before OCR.
 * - `inspectImage`: the cheap check at intake (format by signature, pixel limit and truncation from the file's
 *   structure; no pixel decoded).
 * - `splitPages`: one master per page (a multi-page TIFF becomes lossless PNGs).
 * - `openPdf`: a scanned PDF's pages as masters (a page's JPEG as is, other images decoded to lossless PNG, mixed
 *   pages rendered), planned and checked before anything is decoded, on a worker thread.
 * - `preparePage`: the OCR input (grey, deskewed, contrast-stretched, 300 dpi PNG) and a thumbnail.
 * All pixel work runs in sharp/libvips on libuv threads; the page analysis (skew) runs on a worker thread.
 * Skew sign: positive = content turned counter-clockwise (text lines rising to the right).
 */
import { stopAnalysisThread } from './analysis-thread.js'
import { stopPdfThread } from './pdf-thread.js'

export { inspectImage, type InspectOptions } from './inspect.js'
export { masterPages, splitPages } from './split.js'
export { isPdf } from './sniff.js'
export { MAX_PDF_PAGES, PdfDocument, openPdf, readPdfPages, type PdfOptions, type PdfPage } from './pdf.js'
export { preparePage, type PrepareOptions } from './prepare.js'
export { estimateSkew, type SkewEstimate, type SkewOptions } from './skew.js'
export { analyseBlank, decodeSmallGrey, measureBlank, SMALL_GREY_DPI, type BlankMeasure, type SmallGrey, type SmallGreyOptions } from './blank.js'
export { configureImaging, type ImagingSettings } from './setup.js'
export { DEFAULT_MAX_FILE_PIXELS, DEFAULT_MAX_PIXELS, OCR_TARGET_DPI, THUMBNAIL_WIDTH } from './limits.js'
export type { ImageFormat, ImageInfo, PageInfo, Prepared } from './types.js'

/** Stops the imaging threads (page analysis, PDF) at shutdown; the next use would start them again. */
export async function closeImaging (): Promise<void> {
  await Promise.all([stopAnalysisThread(), stopPdfThread()])
}
