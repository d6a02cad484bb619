/**
 * Test PDFs shaped like copiers' output, built here: JPEG pages (pdf-lib, the corpus scans as they are), single
 * images in other encodings (Flate from raw pixels, CCITT G4 taken from a libtiff-encoded TIFF), rotated and
 * turned pages, mixed-raster pages, born-digital text, encrypted (qpdf) and very long files.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { deflateSync } from 'node:zlib'
import { PDFDocument, StandardFonts, concatTransformationMatrix, degrees, drawObject, popGraphicsState, pushGraphicsState, type PDFPage } from 'pdf-lib'
import sharp from 'sharp'

const run = promisify(execFile)

export interface ImagePage {
  /** The image XObject's dictionary entries (Width, Height, Filter…) and its stream bytes. */
  dict: Record<string, unknown>
  data: Uint8Array
  /** Page size in points, and the /Rotate of the page. */
  widthPt: number
  heightPt: number
  rotate?: number
  /** Where the image's unit square goes; default: the whole page. */
  ctm?: [number, number, number, number, number, number]
  /** Raw content appended after the image (text, paths). */
  extra?: string
}

/** A page per JPEG, the image drawn over the whole page at `dpi` (the JPEG's bytes embedded as they are). */
export async function jpegPdf (jpegs: Buffer[], dpi: number[], rotate: number[] = []): Promise<Buffer> {
  const doc = await PDFDocument.create()
  for (const [i, jpeg] of jpegs.entries()) {
    const image = await doc.embedJpg(jpeg)
    const [w, h] = [image.width * 72 / dpi[i], image.height * 72 / dpi[i]]
    const page = doc.addPage([w, h])
    page.drawImage(image, { x: 0, y: 0, width: w, height: h })
    if (rotate[i]) page.setRotation(degrees(rotate[i]))
  }
  return Buffer.from(await doc.save())
}

/** Pages each drawing one image XObject given as raw dictionary + bytes (any filter). */
export async function imagePdf (pages: ImagePage[]): Promise<Buffer> {
  const doc = await PDFDocument.create()
  for (const spec of pages) addImagePage(doc, spec)
  return Buffer.from(await doc.save())
}

export function addImagePage (doc: PDFDocument, spec: ImagePage): PDFPage {
  const ref = doc.context.register(doc.context.stream(spec.data, spec.dict as any))
  const page = doc.addPage([spec.widthPt, spec.heightPt])
  const name = page.node.newXObject('Im', ref)
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(...(spec.ctm ?? [spec.widthPt, 0, 0, spec.heightPt, 0, 0])), drawObject(name), popGraphicsState())
  if (spec.extra) {
    const extra = doc.context.register(doc.context.stream(spec.extra))
    page.node.addContentStream(extra)
  }
  if (spec.rotate) page.setRotation(degrees(spec.rotate))
  return page
}

/** A Flate-compressed image of raw samples (1 = grey, 3 = RGB). */
export function flateImage (raw: Buffer, width: number, height: number, channels: 1 | 3): Pick<ImagePage, 'dict' | 'data'> {
  return {
    dict: { Type: 'XObject', Subtype: 'Image', Width: width, Height: height, ColorSpace: channels === 1 ? 'DeviceGray' : 'DeviceRGB', BitsPerComponent: 8, Filter: 'FlateDecode' },
    data: deflateSync(raw)
  }
}

/**
 * A CCITT Group 4 image, encoded by libtiff (through sharp) and lifted out of the TIFF: the whole image as one
 * tile, so the G4 data is a single stream, as in a copier's PDF. The size must be a multiple of 16.
 * libvips writes min-is-black, so the G4 runs are inverted relative to the fax convention: BlackIs1 true.
 */
export async function ccittImage (bilevel: Buffer, width: number, height: number): Promise<Pick<ImagePage, 'dict' | 'data'>> {
  const tif = await sharp(bilevel, { raw: { width, height, channels: 1 } }).toColourspace('b-w')
    .tiff({ compression: 'ccittfax4', bitdepth: 1, tile: true, tileWidth: width, tileHeight: height }).toBuffer()
  const u16 = (p: number): number => tif.readUInt16LE(p)
  const u32 = (p: number): number => tif.readUInt32LE(p)
  if (tif.toString('latin1', 0, 2) !== 'II') throw new Error('expected a little-endian TIFF')
  const ifd = u32(4)
  let offset = 0
  let count = 0
  for (let i = 0; i < u16(ifd); i++) {
    const e = ifd + 2 + i * 12
    const tag = u16(e)
    if (tag === 324 || tag === 325) {
      if (u32(e + 4) !== 1) throw new Error('expected one tile')
      if (tag === 324) offset = u32(e + 8)
      else count = u32(e + 8)
    }
    if (tag === 259 && u16(e + 8) !== 4) throw new Error('expected CCITT G4 compression')
  }
  return {
    dict: {
      Type: 'XObject', Subtype: 'Image', Width: width, Height: height, ColorSpace: 'DeviceGray', BitsPerComponent: 1,
      Filter: 'CCITTFaxDecode', DecodeParms: { K: -1, Columns: width, Rows: height, BlackIs1: true }
    },
    data: tif.subarray(offset, offset + count)
  }
}

/** A born-digital page: text in a standard font, no image at all. */
export async function textPdf (): Promise<Buffer> {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  const page = doc.addPage([595.28, 841.89])
  page.drawText('CONG HOA XA HOI CHU NGHIA VIET NAM', { x: 72, y: 760, size: 14, font })
  page.drawText('Giay chung nhan - a born-digital document', { x: 72, y: 730, size: 12, font })
  return Buffer.from(await doc.save())
}

/** The same file encrypted by qpdf (AES-256, with a user password, or only an owner password when `user` is ''). */
export async function encrypt (pdf: Buffer, user: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-pdf-'))
  try {
    await writeFile(join(dir, 'in.pdf'), pdf)
    await run('qpdf', ['--encrypt', user, 'owner-secret', '256', '--', join(dir, 'in.pdf'), join(dir, 'out.pdf')])
    return await readFile(join(dir, 'out.pdf'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * A PDF of `pages` pages written by hand (pdf-lib takes seconds for thousands of pages): every page draws the
 * same small JPEG over the whole page.
 */
export function manyPagesPdf (pages: number, jpeg: Buffer, jpegSize: [number, number]): Buffer {
  const parts: Buffer[] = []
  const offsets: number[] = []
  let length = 0
  const push = (b: Buffer | string): void => { const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b; parts.push(buf); length += buf.length }
  const object = (n: number, body: Buffer | string): void => { offsets[n] = length; push(`${n} 0 obj\n`); push(body); push('\nendobj\n') }
  push('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')
  const kids = Array.from({ length: pages }, (_, i) => `${i + 5} 0 R`).join(' ')
  object(1, '<< /Type /Catalog /Pages 2 0 R >>')
  object(2, `<< /Type /Pages /Count ${pages} /Kids [${kids}] >>`)
  object(3, Buffer.concat([Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${jpegSize[0]} /Height ${jpegSize[1]} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${jpeg.length} >>\nstream\n`, 'latin1'), jpeg, Buffer.from('\nendstream', 'latin1')]))
  const content = 'q 595 0 0 842 0 0 cm /Im0 Do Q'
  object(4, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`)
  for (let i = 0; i < pages; i++) object(i + 5, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 3 0 R >> >> /Contents 4 0 R >>')
  const xref = length
  const count = pages + 5
  push(`xref\n0 ${count}\n0000000000 65535 f \n`)
  for (let n = 1; n < count; n++) push(`${String(offsets[n]).padStart(10, '0')} 00000 n \n`)
  push(`trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`)
  return Buffer.concat(parts)
}

/** The page as poppler draws it (an independent reader), grey, at `dpi`. */
export async function popplerPage (pdf: Buffer, page: number, dpi: number): Promise<{ data: Buffer, width: number, height: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-pdf-'))
  try {
    await writeFile(join(dir, 'in.pdf'), pdf)
    await run('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), '-gray', '-png', '-singlefile', join(dir, 'in.pdf'), join(dir, 'out')])
    const { data, info } = await sharp(await readFile(join(dir, 'out.png'))).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The first image of a PDF as poppler's own decoders read it (`pdfimages`), and how it lists its encoding. */
export async function popplerImage (pdf: Buffer): Promise<{ data: Buffer, width: number, height: number, encoding: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sohoa-pdf-'))
  try {
    await writeFile(join(dir, 'in.pdf'), pdf)
    const { stdout } = await run('pdfimages', ['-list', join(dir, 'in.pdf')])
    const encoding = stdout.split('\n')[2]?.trim().split(/\s+/)[8] ?? ''
    await run('pdfimages', ['-png', '-f', '1', '-l', '1', join(dir, 'in.pdf'), join(dir, 'img')])
    const { data, info } = await sharp(await readFile(join(dir, 'img-000.png'))).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height, encoding }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Grey samples of an image as a viewer shows it (EXIF orientation applied), scaled to `size` when given. */
export async function shownGrey (image: Buffer, size?: { width: number, height: number }): Promise<{ data: Buffer, width: number, height: number }> {
  let pipeline = sharp(image, { autoOrient: true })
  if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' })
  const { data, info } = await pipeline.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

interface Grey { data: Buffer, width: number, height: number }

/**
 * Mean absolute difference of two grey images over their common area, 0-255. Sizes may differ by a pixel:
 * poppler rounds a page's size in pixels up, the scan's pixels are what they are.
 */
export function meanDifference (a: Grey, b: Grey): number {
  if (Math.abs(a.width - b.width) > 1 || Math.abs(a.height - b.height) > 1) return 255
  const [w, h] = [Math.min(a.width, b.width), Math.min(a.height, b.height)]
  let sum = 0
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sum += Math.abs(a.data[y * a.width + x] - b.data[y * b.width + x])
  return sum / (w * h)
}

