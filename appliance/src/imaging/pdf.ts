/**
 * Scanned PDFs ("scan to PDF" on office copiers) as intake sees them: one master image per page, with its real
 * resolution, exactly as a multi-page TIFF gives one per page.
 * - A page that is one JPEG keeps the JPEG's bytes (no re-encoding; an EXIF Orientation is added only when the
 *   page shows it turned).
 * - A page that is one image in another encoding (Flate, CCITT G4, JBIG2, JPX, CMYK JPEG) is decoded by PDF.js
 *   and stored as a lossless PNG (bilevel pages as 1-bit PNGs).
 * - A page with several images (mixed-raster "compact PDF") or with visible text or drawing over its scan is
 *   rendered whole by PDF.js at its finest image's resolution (300-600 dpi) and stored as PNG.
 * - A page without a scanned image (a born-digital PDF) is refused: sohoa digitizes paper, and a born-digital
 *   document belongs in the archive as the file it is, not as pictures of it.
 * The resolution is the image's pixels over the length it is drawn at on the page. All PDF work runs on one
 * worker thread (pdf-thread.ts); sharp encodes PNGs on libuv's threads; the caller's event loop stays free.
 */
import { createHash } from 'node:crypto'
import { setImmediate as nextTurn } from 'node:timers/promises'
import sharp from 'sharp'
import { AppError } from '../errors/index.js'
import { checkFilePixels, checkMaxPixels } from './limits.js'
import { withoutChunks } from './png.js'
import { ensureConfigured } from './setup.js'
import { isPdf } from './sniff.js'
import { closeInThread, openInThread, pageInThread } from './pdf-thread.js'
import type { PageMethod, PageResult } from './pdf-worker.js'

/**
 * Pages read from one PDF at most. An ADF stack of 500 sheets scanned on both sides is 1,000 pages, far more
 * than one administrative result; beyond that a file is a mistake or hostile, and its intake would hold the
 * copier's connection for many minutes.
 */
export const MAX_PDF_PAGES = 1000

/** Where the trailer must be: a PDF ends with `%%EOF`, give or take a few bytes of padding. */
const TRAILER_WINDOW = 1024

export interface PdfOptions {
  /** Largest width x height of any image in the file, and of any rendered page. */
  maxPixels: number
  maxPages?: number
  /** Pixels of all pages together, as planned (see DEFAULT_MAX_FILE_PIXELS); unset: no total budget. */
  maxFilePixels?: number
}

export interface PdfPage {
  /** The master: a JPEG as it was in the PDF, or a lossless PNG. */
  bytes: Buffer
  /** Its SHA-256, computed off the caller's thread (for the file store). */
  sha256: string
  mime: 'image/jpeg' | 'image/png'
  /** Pixels as stored in `bytes` (a JPEG's EXIF orientation not applied, as for any JPEG). */
  width: number
  height: number
  dpi: number | null
  method: PageMethod
}

export class PdfDocument {
  private closed = false

  constructor (
    private readonly doc: number,
    /** SHA-256 of the whole file as received. */
    readonly sha256: string,
    readonly pageCount: number,
    /** How many pages each method makes: `jpeg` (kept as is), `decoded`, `rendered`. */
    readonly methods: Readonly<Record<PageMethod, number>>
  ) {}

  /** The pages in order, one at a time (a 300-page file never holds 300 decoded pages). */
  async * pages (): AsyncGenerator<PdfPage> {
    for (let index = 0; index < this.pageCount; index++) {
      if (this.closed) throw new AppError('INTERNAL', { reason: 'PDF document closed' })
      yield await toPage(await pageInThread(this.doc, index))
    }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await closeInThread(this.doc)
  }
}

/**
 * Checks a PDF and plans its pages: not a PDF, cut short, encrypted, too many pages, a page without a scan, an
 * image over the pixel limit, or a structure neither pdf-lib nor the content walk can read: refused here, before
 * anything is decoded or stored. Close the returned document when done.
 */
export async function openPdf (bytes: Buffer, opts: PdfOptions): Promise<PdfDocument> {
  checkMaxPixels(opts.maxPixels)
  if (bytes.length === 0) throw new AppError('EMPTY_BODY')
  if (!isPdf(bytes)) throw new AppError('UNSUPPORTED_MEDIA_TYPE')
  const tail = bytes.subarray(Math.max(0, bytes.length - TRAILER_WINDOW)).toString('latin1')
  if (!tail.includes('%%EOF')) throw new AppError('PDF_TRUNCATED')
  const opened = await openInThread(bytes, opts.maxPixels, opts.maxPages ?? MAX_PDF_PAGES)
  const doc = new PdfDocument(opened.doc, opened.sha256, opened.pages, opened.methods)
  try {
    checkFilePixels(opened.sizes, opts.maxFilePixels)
  } catch (err) {
    await doc.close()
    throw err
  }
  return doc
}

/** Every page of a PDF at once (for callers that want an array; intake streams them). */
export async function readPdfPages (bytes: Buffer, opts: PdfOptions): Promise<PdfPage[]> {
  const doc = await openPdf(bytes, opts)
  try {
    const out: PdfPage[] = []
    for await (const page of doc.pages()) out.push(page)
    return out
  } finally {
    await doc.close()
  }
}

async function toPage (result: PageResult): Promise<PdfPage> {
  const { width, height, dpi, method } = result
  if (result.kind === 'file') return { bytes: Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.length), sha256: result.sha256, mime: result.mime, width, height, dpi, method }
  ensureConfigured()
  const { channels } = result
  const raw = Buffer.from(result.data.buffer, result.data.byteOffset, result.data.length)
  let image = sharp(raw, { raw: { width, height, channels }, limitInputPixels: width * height })
  // Transparency on a scan is rare; shown on white paper, it is white.
  if (channels === 4) image = image.flatten({ background: '#ffffff' })
  image = image.toColourspace(channels === 1 ? 'b-w' : 'srgb').png({ compressionLevel: 6 })
  // libvips writes 1 px/mm when it has no resolution; a page without one must not gain one.
  const bytes = dpi !== null ? await image.withDensity(dpi).toBuffer() : withoutChunks(await image.toBuffer(), ['pHYs'])
  return { bytes, sha256: await sha256Async(bytes), mime: 'image/png', width, height, dpi, method }
}

/** SHA-256 in 1 MB steps with a turn of the event loop between them (a colour page's PNG is 10 MB or more). */
async function sha256Async (bytes: Buffer): Promise<string> {
  const hash = createHash('sha256')
  for (let at = 0; at < bytes.length; at += 1 << 20) {
    hash.update(bytes.subarray(at, at + (1 << 20)))
    await nextTurn()
  }
  return hash.digest('hex')
}
