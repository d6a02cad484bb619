/**
 * A PDF read as a scanner's output, with pdf-lib, before any pixel is decoded: refused when encrypted, when it
 * has too many pages or when a page carries no scanned image; otherwise one plan per page:
 * - `jpeg`: the page is one JPEG (DCTDecode) drawn straight: its bytes are the master, as the scanner made them;
 * - `decode`: the page is one image in another encoding (Flate, CCITT G4, JBIG2, JPX…): PDF.js decodes it;
 * - `render`: the page has several images (a copier's "compact" mixed-raster PDF) or visible text or drawing
 *   on top of its scan: PDF.js renders the whole page at the resolution of its finest image.
 * Every image's declared size is checked against the pixel limit here, so nothing oversized is ever decoded.
 */
import { inflateSync, constants as zlib } from 'node:zlib'
import { PDFArray, PDFBool, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, PDFRef, PDFStream, ParseSpeeds, decodePDFRawStream, type PDFObject, type PDFPageLeaf } from 'pdf-lib'
import { AppError, isAppError } from '../errors/index.js'
import { parseJpeg } from './jpeg.js'
import { checkPixels } from './limits.js'
import { ContentError, IDENTITY, readPageDrawing, type ImagePlacement, type Matrix, type XObjectLookup } from './pdf-content.js'
import { dpiOf, displayedSize, normaliseRotate, placementOf, type Box, type Placement } from './pdf-geometry.js'
import { exifOrientationOf, withOrientation } from './pdf-jpeg.js'

/**
 * A page counts as scanned when one image covers at least this share of it. A scan covers the whole sheet
 * (copiers place it edge to edge); a logo or a photo on a born-digital page rarely covers half of it.
 */
export const MIN_SCAN_COVERAGE = 0.5
/** Pages rendered (mixed raster, overlays) come out at the finest image's resolution, within these bounds. */
export const RENDER_DPI = { min: 300, max: 600 } as const
/** Decoded content streams of one page at most (a content-stream "zip bomb" stops here). */
const MAX_CONTENT_BYTES = 64 << 20

export type PagePlan =
  | { kind: 'jpeg', index: number, stream: PDFRawStream, width: number, height: number, dpi: number | null, orientation: number }
  | { kind: 'decode', index: number, width: number, height: number, dpi: number | null, orientation: number, renderDpi: number }
  | { kind: 'render', index: number, dpi: number, width: number, height: number }

export interface PdfPlan {
  pages: PagePlan[]
}

export interface PlanOptions {
  maxPixels: number
  maxPages: number
}

const N = {
  XObject: PDFName.of('XObject'), Subtype: PDFName.of('Subtype'), Image: PDFName.of('Image'), Form: PDFName.of('Form'),
  Width: PDFName.of('Width'), Height: PDFName.of('Height'), Matrix: PDFName.of('Matrix'), Resources: PDFName.of('Resources'),
  Filter: PDFName.of('Filter'), DecodeParms: PDFName.of('DecodeParms'), DCTDecode: PDFName.of('DCTDecode'),
  FlateDecode: PDFName.of('FlateDecode'), SMask: PDFName.of('SMask'), Mask: PDFName.of('Mask'), ImageMask: PDFName.of('ImageMask'),
  Decode: PDFName.of('Decode'), ColorTransform: PDFName.of('ColorTransform'), ColorSpace: PDFName.of('ColorSpace'),
  BitsPerComponent: PDFName.of('BitsPerComponent'), UserUnit: PDFName.of('UserUnit'), N: PDFName.of('N'),
  DeviceGray: PDFName.of('DeviceGray'), DeviceRGB: PDFName.of('DeviceRGB'), CalGray: PDFName.of('CalGray'), CalRGB: PDFName.of('CalRGB'),
  ICCBased: PDFName.of('ICCBased')
}

function unreadable (reason: string, page?: number): AppError {
  return new AppError('PDF_UNREADABLE', { reason, ...(page !== undefined ? { page } : {}) })
}

/** Loads the document and plans every page; throws the first reason to refuse it. */
export async function planPdf (bytes: Uint8Array, opts: PlanOptions): Promise<{ doc: PDFDocument, plan: PdfPlan }> {
  let doc: PDFDocument
  try {
    doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, parseSpeed: ParseSpeeds.Fastest, throwOnInvalidObject: false })
  } catch (err) {
    throw unreadable(err instanceof Error ? err.message.slice(0, 200) : 'parse failed')
  }
  if (doc.isEncrypted) throw new AppError('PDF_ENCRYPTED')
  const count = doc.getPageCount()
  if (count === 0) throw unreadable('no pages')
  if (count > opts.maxPages) throw new AppError('PDF_TOO_MANY_PAGES', { pages: count, maxPages: opts.maxPages })
  const pages = doc.getPages().map((page, index) => {
    try {
      return planPage(doc, page.node, index, opts.maxPixels)
    } catch (err) {
      if (isAppError(err)) throw err
      throw unreadable(err instanceof ContentError ? err.message : (err instanceof Error ? err.message.slice(0, 200) : 'page unreadable'), index + 1)
    }
  })
  return { doc, plan: { pages } }
}

interface FoundImage {
  placement: ImagePlacement
  where: Placement
  stream: PDFRawStream | null
  width: number
  height: number
  dpi: number | null
}

function planPage (doc: PDFDocument, node: PDFPageLeaf, index: number, maxPixels: number): PagePlan {
  const ctx = doc.context
  const page = index + 1
  const box = pageBox(ctx, node)
  const rotate = normaliseRotate(num(ctx, node.getInheritableAttribute(PDFName.of('Rotate'))) ?? 0)
  const userUnit = num(ctx, node.get(N.UserUnit)) ?? 1
  const drawing = readPageDrawing(contentOf(ctx, node.Contents()), node.Resources(), xobjectLookup(ctx))

  const images: FoundImage[] = drawing.images.map(placement => {
    const where = placementOf(placement.ctm, rotate, box, userUnit)
    const stream = placement.name === null ? null : imageStream(ctx, placement.resources, placement.name)
    const width = stream ? num(ctx, stream.dict.get(N.Width)) ?? 0 : 0
    const height = stream ? num(ctx, stream.dict.get(N.Height)) ?? 0 : 0
    if (stream && (!(width > 0) || !(height > 0))) throw unreadable('image without a size', page)
    // Declared sizes are checked before PDF.js ever decodes anything.
    if (stream) checkPixels(width, height, maxPixels, page)
    return { placement, where, stream, width, height, dpi: dpiOf(width, where.rowLengthPt) }
  })
  const main = images.reduce<FoundImage | undefined>((best, i) => (!best || i.where.coverage > best.where.coverage ? i : best), undefined)
  if (!main || main.where.coverage < MIN_SCAN_COVERAGE) throw new AppError('PDF_NO_IMAGES', { page })

  const alone = images.length === 1 && !drawing.otherMarks && main.stream !== null && main.where.axisAligned && !isTrue(ctx, main.stream.dict.get(N.ImageMask))
  if (alone && main.stream) {
    const { orientation } = main.where
    if (isPlainJpeg(ctx, main.stream, main.placement.resources)) {
      return { kind: 'jpeg', index, stream: main.stream, width: main.width, height: main.height, dpi: main.dpi, orientation }
    }
    // Should PDF.js see the page differently (it is the one that decodes), the page is rendered instead.
    const renderDpi = renderPlan(index, images, box, rotate, userUnit, maxPixels).dpi
    return { kind: 'decode', index, width: main.width, height: main.height, dpi: main.dpi, orientation, renderDpi }
  }
  return renderPlan(index, images, box, rotate, userUnit, maxPixels)
}

function renderPlan (index: number, images: FoundImage[], box: Box, rotate: number, userUnit: number, maxPixels: number): Extract<PagePlan, { kind: 'render' }> {
  const finest = images.reduce((max, i) => Math.max(max, i.dpi ?? 0), 0)
  let dpi = Math.min(RENDER_DPI.max, Math.max(RENDER_DPI.min, finest))
  const inches = [(box[2] - box[0]) * userUnit / 72, (box[3] - box[1]) * userUnit / 72]
  const fit = Math.sqrt(maxPixels / (inches[0] * inches[1] * dpi * dpi))
  if (fit < 1) dpi = Math.floor(dpi * fit)
  const [w, h] = [Math.max(1, Math.round(inches[0] * dpi)), Math.max(1, Math.round(inches[1] * dpi))]
  const [width, height] = rotate % 180 === 0 ? [w, h] : [h, w]
  return { kind: 'render', index, dpi, width, height }
}

/** The JPEG a `jpeg` plan stands for, checked whole; EXIF says how it is turned and its resolution when needed. */
export function jpegOf (plan: Extract<PagePlan, { kind: 'jpeg' }>, maxPixels: number): { bytes: Buffer, width: number, height: number, dpi: number | null } {
  const raw = plan.stream.contents
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.length)
  let frame
  try {
    frame = parseJpeg(bytes, maxPixels)
  } catch (err) {
    if (isAppError(err) && err.code === 'IMAGE_TOO_MANY_PIXELS') throw new AppError('IMAGE_TOO_MANY_PIXELS', { ...err.details, page: plan.index + 1 })
    throw unreadable(isAppError(err) ? `image data: ${String(err.details?.reason ?? err.code)}` : 'image data', plan.index + 1)
  }
  // The JPEG's own size wins over the dictionary's (they differ only in a broken file); the resolution scales with it.
  const dpi = plan.dpi === null ? null : Math.round(plan.dpi * frame.width / plan.width)
  // The JPEG stays byte for byte unless a reader would get it wrong: turned (the page's /Rotate or matrix), an EXIF
  // Orientation of its own (a PDF viewer ignores it, libvips would not), or a resolution of its own that is missing
  // or not the one it is printed at (copiers write 72 or 96 dpi, or none; the OCR step scales by it).
  const fine = plan.orientation === 1 && exifOrientationOf(bytes) === 1 &&
    (dpi === null || (frame.dpi !== null && Math.abs(frame.dpi - dpi) <= dpi * 0.01))
  const out = fine ? bytes : withOrientation(bytes, plan.orientation, dpi)
  return { bytes: out, width: frame.width, height: frame.height, dpi }
}

/** Size of a plan's master as shown (for the record): JPEG masters keep their stored size, like any JPEG. */
export function shownSize (plan: PagePlan): [number, number] {
  return plan.kind === 'decode' ? displayedSize(plan.orientation, plan.width, plan.height) : [plan.width, plan.height]
}

/**
 * A JPEG that means the same inside and outside the PDF: the only filter, no decode array, mask or colour
 * transform override, and a grey or RGB colour space. CMYK (often stored inverted by PDF producers), Lab,
 * indexed and the like are decoded by PDF.js instead.
 */
function isPlainJpeg (ctx: PDFDocument['context'], stream: PDFRawStream, resources: unknown): boolean {
  const dict = stream.dict
  const filter = ctx.lookup(dict.get(N.Filter))
  const filters = filter instanceof PDFArray ? filter.asArray().map(f => ctx.lookup(f)) : [filter]
  if (filters.length !== 1 || filters[0] !== N.DCTDecode) return false
  if (dict.has(N.SMask) || dict.has(N.Mask) || isTrue(ctx, dict.get(N.ImageMask))) return false
  const decode = ctx.lookup(dict.get(N.Decode))
  if (decode instanceof PDFArray && decode.asArray().some((v, i) => num(ctx, v) !== i % 2)) return false
  const parms = ctx.lookup(dict.get(N.DecodeParms))
  if (parms instanceof PDFDict && parms.has(N.ColorTransform)) return false
  if ((num(ctx, dict.get(N.BitsPerComponent)) ?? 8) !== 8) return false
  const components = colourComponents(ctx, dict.get(N.ColorSpace), resources)
  return components === 1 || components === 3
}

function colourComponents (ctx: PDFDocument['context'], value: PDFObject | undefined, resources: unknown, depth = 0): number | null {
  const cs = ctx.lookup(value)
  if (cs === N.DeviceGray || cs === N.CalGray) return 1
  if (cs === N.DeviceRGB || cs === N.CalRGB) return 3
  if (cs instanceof PDFName && depth === 0 && resources instanceof PDFDict) {
    // A named colour space from the resources' /ColorSpace dictionary.
    const named = ctx.lookup(resources.get(N.ColorSpace))
    return named instanceof PDFDict ? colourComponents(ctx, named.get(cs), resources, depth + 1) : null
  }
  if (cs instanceof PDFArray && cs.size() >= 1) {
    const family = ctx.lookup(cs.get(0))
    if (family === N.CalGray) return 1
    if (family === N.CalRGB) return 3
    if (family === N.ICCBased) {
      const profile = ctx.lookup(cs.get(1))
      return profile instanceof PDFStream ? num(ctx, profile.dict.get(N.N)) ?? null : null
    }
  }
  return null
}

function xobjectLookup (ctx: PDFDocument['context']): XObjectLookup {
  return (resources, name) => {
    const stream = xobject(ctx, resources, name)
    if (!stream) return null
    const subtype = ctx.lookup(stream.dict.get(N.Subtype))
    if (subtype === N.Image) return { type: 'image' }
    if (subtype !== N.Form) return null
    const matrix = ctx.lookup(stream.dict.get(N.Matrix))
    const m = matrix instanceof PDFArray && matrix.size() === 6 ? matrix.asArray().map(v => num(ctx, v) ?? 0) as Matrix : IDENTITY
    const own = ctx.lookup(stream.dict.get(N.Resources))
    return { type: 'form', content: decodeStream(stream), matrix: m, resources: own instanceof PDFDict ? own : resources }
  }
}

function xobject (ctx: PDFDocument['context'], resources: unknown, name: string): PDFRawStream | null {
  if (!(resources instanceof PDFDict)) return null
  const xobjects = ctx.lookup(resources.get(N.XObject))
  if (!(xobjects instanceof PDFDict)) return null
  const found = ctx.lookup(xobjects.get(PDFName.of(name)))
  return found instanceof PDFRawStream ? found : null
}

function imageStream (ctx: PDFDocument['context'], resources: unknown, name: string): PDFRawStream | null {
  const stream = xobject(ctx, resources, name)
  return stream && ctx.lookup(stream.dict.get(N.Subtype)) === N.Image ? stream : null
}

/** The page's content streams, decoded and joined (a page may split its content over several streams). */
function contentOf (ctx: PDFDocument['context'], contents: PDFObject | undefined): Uint8Array {
  const value = ctx.lookup(contents)
  const streams = value instanceof PDFArray ? value.asArray().map(v => ctx.lookup(v)) : [value]
  const parts: Uint8Array[] = []
  let total = 0
  for (const s of streams) {
    if (!(s instanceof PDFRawStream)) continue
    const bytes = decodeStream(s)
    total += bytes.length + 1
    if (total > MAX_CONTENT_BYTES) throw new ContentError('page content too large')
    parts.push(bytes, new Uint8Array([0x0a]))
  }
  return Buffer.concat(parts)
}

function decodeStream (stream: PDFRawStream): Uint8Array {
  const filter = stream.dict.context.lookup(stream.dict.get(N.Filter))
  if (filter === undefined) return stream.contents
  if (filter === N.FlateDecode && !stream.dict.has(N.DecodeParms)) {
    // zlib with a ceiling (pdf-lib's own inflater has none); a missing checksum at the end is tolerated, as viewers do.
    try {
      return inflateSync(stream.contents, { maxOutputLength: MAX_CONTENT_BYTES, finishFlush: zlib.Z_SYNC_FLUSH })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ContentError('page content too large')
      throw new ContentError('content stream cannot be inflated')
    }
  }
  return decodePDFRawStream(stream).decode()
}

/** CropBox clipped to the MediaBox (both inherited), normalised so x0 < x1 and y0 < y1. */
function pageBox (ctx: PDFDocument['context'], node: PDFPageLeaf): Box {
  const media = boxOf(ctx, node.getInheritableAttribute(PDFName.of('MediaBox'))) ?? [0, 0, 612, 792]
  const crop = boxOf(ctx, node.getInheritableAttribute(PDFName.of('CropBox')))
  if (!crop) return media
  const clipped: Box = [Math.max(crop[0], media[0]), Math.max(crop[1], media[1]), Math.min(crop[2], media[2]), Math.min(crop[3], media[3])]
  return clipped[2] > clipped[0] && clipped[3] > clipped[1] ? clipped : media
}

function boxOf (ctx: PDFDocument['context'], value: PDFObject | undefined): Box | null {
  const arr = ctx.lookup(value)
  if (!(arr instanceof PDFArray) || arr.size() !== 4) return null
  const [x0, y0, x1, y1] = arr.asArray().map(v => num(ctx, v) ?? NaN)
  if (![x0, y0, x1, y1].every(Number.isFinite)) return null
  const box: Box = [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)]
  return box[2] > box[0] && box[3] > box[1] ? box : null
}

function num (ctx: PDFDocument['context'], value: PDFObject | PDFRef | undefined): number | undefined {
  const v = ctx.lookup(value)
  return v instanceof PDFNumber ? v.asNumber() : undefined
}

function isTrue (ctx: PDFDocument['context'], value: PDFObject | undefined): boolean {
  const v = ctx.lookup(value)
  return v instanceof PDFBool && v.asBoolean()
}
