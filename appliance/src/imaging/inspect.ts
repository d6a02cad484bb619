/**
 * The cheap check run before a page is acknowledged: format by signature, size and resolution from the headers,
 * the pixel limit enforced before anything is allocated, truncation found by walking the file's structure, and
 * libvips asked to read the header too (so what passes here is something the prepare step can open).
 * No pixel is decoded: about a millisecond for a 2 MB JPEG.
 */
import sharp, { type Metadata } from 'sharp'
import { AppError } from '../errors/index.js'
import { parseJpeg } from './jpeg.js'
import { checkFilePixels, checkMaxPixels } from './limits.js'
import { parsePng } from './png.js'
import { fromSharpError } from './sharp-errors.js'
import { MIME, sniffFormat } from './sniff.js'
import { parseTiff } from './tiff.js'
import type { ImageInfo, PageInfo } from './types.js'

export interface InspectOptions {
  /** Largest width x height accepted on any page (see DEFAULT_MAX_PIXELS). */
  maxPixels: number
  /** Pixels of all pages together (see DEFAULT_MAX_FILE_PIXELS); unset: no total budget. */
  maxFilePixels?: number
}

export async function inspectImage (bytes: Buffer, opts: InspectOptions): Promise<ImageInfo> {
  checkMaxPixels(opts.maxPixels)
  if (bytes.length === 0) throw new AppError('EMPTY_BODY')
  const format = sniffFormat(bytes)
  if (format === null) throw new AppError('UNSUPPORTED_MEDIA_TYPE')

  let pages: PageInfo[]
  if (format === 'jpeg') pages = [parseJpeg(bytes, opts.maxPixels)]
  else if (format === 'png') pages = [parsePng(bytes, opts.maxPixels)]
  else pages = parseTiff(bytes, opts.maxPixels)
  checkFilePixels(pages, opts.maxFilePixels)

  // Second opinion from the decoder that will do the work (header only; it applies the same pixel limit).
  let meta: Metadata
  try {
    meta = await sharp(bytes, { limitInputPixels: opts.maxPixels }).metadata()
  } catch (err) {
    throw fromSharpError(err, format)
  }
  if (meta.format !== format) throw new AppError('IMAGE_UNDECODABLE', { format, reason: `decoder reads it as ${meta.format}` })

  const first = pages[0]
  return {
    format,
    mime: MIME[format],
    pages: pages.length,
    width: first.width,
    height: first.height,
    dpi: first.dpi,
    ...(format === 'tiff' ? { pagesInfo: pages } : {})
  }
}
