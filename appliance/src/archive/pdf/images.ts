/**
 * A page master as a PDF image at its real size (100 % scale, its own dpi).
 *
 * - An RGB or grey JPEG goes in byte for byte (DCTDecode): no generation loss, no time. Its EXIF orientation is
 *   applied by the drawing matrix, not by re-encoding.
 * - Anything else (PNG from the scanners, TIFF, CMYK JPEG, WebP…) is re-encoded by sharp as a baseline JPEG,
 *   quality 90, 4:2:0; grey stays grey, colour becomes sRGB. Measured on a 300 dpi A4 colour page (2481 x 3507, a
 *   corpus scan with mild scanner-like noise added; 5.57 MB as PNG level 6): the JPEG is 0.67 MB, PSNR 41.8 dB
 *   against the PNG, and the page builds in ~230 ms (the JPEG encode is most of it) on this 2-vCPU VM. Keeping it
 *   lossless instead (the PNG's own Flate data with Predictor 15, no recompression) would cost no time but make
 *   the page 8x larger (5.6 MB; even a clean page is 1.3 MB against 0.26 MB). The lossless master stays in the file
 *   store and is listed in the archive log beside the PDF, so the PDF, the copy that is sent, replicated and kept
 *   twice, carries the visually lossless JPEG.
 */
import type { PDFDocument, PDFRef } from 'pdf-lib'
import sharp, { type Metadata } from 'sharp'
import { AppError } from '../../errors/index.js'

export const REENCODE_QUALITY = 90

export interface EmbeddedMaster {
  ref: PDFRef
  /** Size of the page, points. */
  widthPt: number
  heightPt: number
  /** Size of the master as seen (EXIF orientation applied), pixels. */
  widthPx: number
  heightPx: number
  /** `cm` operands that draw the image over the whole page. */
  matrix: [number, number, number, number, number, number]
  /** True when the master was re-encoded (not embedded as it is). */
  reencoded: boolean
}

function passesThrough (meta: Metadata): boolean {
  return meta.format === 'jpeg' &&
    ((meta.channels === 3 && meta.space === 'srgb') || (meta.channels === 1 && meta.space === 'b-w'))
}

async function reencode (bytes: Uint8Array, meta: Metadata): Promise<Buffer> {
  const grey = meta.space === 'b-w' || meta.space === 'grey16'
  let pipeline = sharp(bytes, { failOn: 'error', autoOrient: true })
  if (meta.hasAlpha) pipeline = pipeline.flatten({ background: { r: 255, g: 255, b: 255 } })
  pipeline = grey ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb')
  return await pipeline.jpeg({ quality: REENCODE_QUALITY, chromaSubsampling: '4:2:0' }).toBuffer()
}

/**
 * Where a point of the stored image lands on the page, for each EXIF orientation: (s, t) are the stored image's
 * relative coordinates (0..1, t downwards), the result is in the oriented image's pixels (y downwards).
 */
function orient (o: number, s: number, t: number, w: number, h: number): [number, number] {
  switch (o) {
    case 2: return [(1 - s) * w, t * h]
    case 3: return [(1 - s) * w, (1 - t) * h]
    case 4: return [s * w, (1 - t) * h]
    case 5: return [t * h, s * w]
    case 6: return [(1 - t) * h, s * w]
    case 7: return [(1 - t) * h, (1 - s) * w]
    case 8: return [t * h, (1 - s) * w]
    default: return [s * w, t * h]
  }
}

export async function embedMaster (doc: PDFDocument, bytes: Uint8Array, dpi: number, pageNumber: number): Promise<EmbeddedMaster> {
  let meta: Metadata
  try {
    meta = await sharp(bytes).metadata()
  } catch (err) {
    throw new AppError('IMAGE_UNDECODABLE', { page: pageNumber }, err)
  }
  if (!meta.width || !meta.height) throw new AppError('IMAGE_UNDECODABLE', { page: pageNumber })
  const direct = passesThrough(meta)
  let jpeg: Uint8Array
  try {
    jpeg = direct ? bytes : await reencode(bytes, meta)
  } catch (err) {
    throw new AppError('IMAGE_UNDECODABLE', { page: pageNumber }, err)
  }
  const orientation = direct ? (meta.orientation ?? 1) : 1
  const image = await doc.embedJpg(jpeg)
  const w = image.width
  const h = image.height
  const turned = orientation >= 5 && orientation <= 8
  const widthPx = turned ? h : w
  const heightPx = turned ? w : h
  const k = 72 / dpi
  const heightPt = heightPx * k
  // The image occupies the unit square; sample (0, 0) of the stored image is its top-left corner (u 0, v 1).
  const at = (u: number, v: number): [number, number] => {
    const [x, y] = orient(orientation, u, 1 - v, w, h)
    return [x * k, heightPt - y * k]
  }
  const [e, f] = at(0, 0)
  const [ux, uy] = at(1, 0)
  const [vx, vy] = at(0, 1)
  return {
    ref: image.ref,
    widthPt: widthPx * k,
    heightPt,
    widthPx,
    heightPx,
    matrix: [ux - e, uy - f, vx - e, vy - f, e, f],
    reencoded: !direct
  }
}
