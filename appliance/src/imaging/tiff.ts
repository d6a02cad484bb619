/**
 * TIFF structure, read without decoding pixels: the IFD chain (one IFD per page), each page's size and resolution,
 * and a check that every IFD and every strip/tile lies inside the file (a cut-off upload fails here, not in the
 * OCR step hours later). Classic TIFF and BigTIFF, either byte order. Also reads the TIFF block inside JPEG EXIF.
 */
import { AppError } from '../errors/index.js'
import { MAX_TIFF_PAGES, checkPixels } from './limits.js'
import type { PageInfo } from './types.js'

const TAG = {
  ImageWidth: 256,
  ImageLength: 257,
  StripOffsets: 273,
  Orientation: 274,
  StripByteCounts: 279,
  XResolution: 282,
  ResolutionUnit: 296,
  TileOffsets: 324,
  TileByteCounts: 325
} as const

/** Bytes per value of each TIFF field type (0 = unknown type: the entry is skipped). */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4, 0, 0, 8, 8, 8]
const RATIONAL = 5
const SRATIONAL = 10

interface Entry {
  type: number
  count: number
  /** Absolute position of the value (inline or pointed to). */
  at: number
}

interface Ifd {
  entries: Map<number, Entry>
  next: number
}

function truncated (reason: string): AppError {
  return new AppError('IMAGE_TRUNCATED', { format: 'tiff', reason })
}

function broken (reason: string): AppError {
  return new AppError('IMAGE_UNDECODABLE', { format: 'tiff', reason })
}

/** Reads a TIFF structure that starts at `base` and must end by `end` (offsets inside are relative to base). */
export class TiffReader {
  readonly little: boolean
  readonly big: boolean
  readonly firstIfd: number

  constructor (private readonly buf: Buffer, private readonly base = 0, private readonly end = buf.length) {
    if (end - base < 8) throw truncated('header')
    const order = buf.toString('latin1', base, base + 2)
    if (order !== 'II' && order !== 'MM') throw broken('byte order')
    this.little = order === 'II'
    const version = this.u16(2)
    if (version === 42) {
      this.big = false
      this.firstIfd = this.u32(4)
    } else if (version === 43) {
      if (end - base < 16) throw truncated('header')
      if (this.u16(4) !== 8 || this.u16(6) !== 0) throw broken('BigTIFF header')
      this.big = true
      this.firstIfd = this.u64(8)
    } else {
      throw broken('version')
    }
  }

  /** Reads the IFD at a relative offset; out-of-file parts mean the file was cut short. */
  readIfd (offset: number): Ifd {
    const headerSize = this.big ? 16 : 8
    if (offset < headerSize) throw broken('IFD offset inside the header')
    const countSize = this.big ? 8 : 2
    const entrySize = this.big ? 20 : 12
    const inline = this.big ? 8 : 4
    this.need(offset, countSize, 'IFD')
    const n = this.big ? this.u64(offset) : this.u16(offset)
    this.need(offset + countSize, n * entrySize + inline, 'IFD entries')
    const entries = new Map<number, Entry>()
    for (let i = 0; i < n; i++) {
      const e = offset + countSize + i * entrySize
      const tag = this.u16(e)
      const type = this.u16(e + 2)
      const count = this.big ? this.u64(e + 4) : this.u32(e + 4)
      const size = TYPE_SIZE[type] ?? 0
      if (size === 0) continue
      const valueField = e + (this.big ? 12 : 8)
      const bytes = size * count
      let at = valueField
      if (bytes > inline) {
        at = this.big ? this.u64(valueField) : this.u32(valueField)
        this.need(at, bytes, `values of tag ${tag}`)
      }
      entries.set(tag, { type, count, at })
    }
    const nextAt = offset + countSize + n * entrySize
    return { entries, next: this.big ? this.u64(nextAt) : this.u32(nextAt) }
  }

  /** Numeric values of a tag (rationals as num/den), or undefined when absent. */
  values (ifd: Ifd, tag: number): number[] | undefined {
    const e = ifd.entries.get(tag)
    if (!e) return undefined
    const out = new Array<number>(e.count)
    for (let i = 0; i < e.count; i++) out[i] = this.valueAt(e, i)
    return out
  }

  first (ifd: Ifd, tag: number): number | undefined {
    const e = ifd.entries.get(tag)
    return e && e.count > 0 ? this.valueAt(e, 0) : undefined
  }

  /** Dots per inch from XResolution and ResolutionUnit (2 = inch, the default; 3 = cm; 1 = no unit). */
  dpi (ifd: Ifd): number | null {
    const x = this.first(ifd, TAG.XResolution)
    const unit = this.first(ifd, TAG.ResolutionUnit) ?? 2
    if (x === undefined || !Number.isFinite(x) || x <= 0) return null
    const dpi = unit === 2 ? x : unit === 3 ? x * 2.54 : null
    return dpi === null || dpi > 100_000 ? null : Math.round(dpi)
  }

  orientation (ifd: Ifd): number | undefined {
    return this.first(ifd, TAG.Orientation)
  }

  private valueAt (e: Entry, i: number): number {
    const size = TYPE_SIZE[e.type]
    const p = e.at + i * size
    if (e.type === RATIONAL || e.type === SRATIONAL) {
      const den = this.u32(p + 4)
      return den === 0 ? 0 : this.u32(p) / den
    }
    if (size === 1) {
      this.need(p, 1, 'field')
      return this.buf[this.base + p]
    }
    return size === 2 ? this.u16(p) : size === 4 ? this.u32(p) : this.u64(p)
  }

  private need (offset: number, length: number, what: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || this.base + offset + length > this.end) {
      throw truncated(`${what} beyond the end of the file`)
    }
  }

  private u16 (p: number): number {
    this.need(p, 2, 'field')
    return this.little ? this.buf.readUInt16LE(this.base + p) : this.buf.readUInt16BE(this.base + p)
  }

  private u32 (p: number): number {
    this.need(p, 4, 'field')
    return this.little ? this.buf.readUInt32LE(this.base + p) : this.buf.readUInt32BE(this.base + p)
  }

  private u64 (p: number): number {
    this.need(p, 8, 'field')
    const v = this.little ? this.buf.readBigUInt64LE(this.base + p) : this.buf.readBigUInt64BE(this.base + p)
    // Beyond 2^53 no offset can be inside a Buffer anyway; make it fail the bounds check.
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v)
  }
}

/**
 * Every page of a TIFF: sizes and resolutions, pixel limit enforced from the headers alone, then every strip or
 * tile checked to lie inside the file.
 */
export function parseTiff (buf: Buffer, maxPixels: number): PageInfo[] {
  const r = new TiffReader(buf)
  const ifds: Ifd[] = []
  const seen = new Set<number>()
  for (let off = r.firstIfd; off !== 0;) {
    if (seen.has(off)) throw broken('IFD chain loops')
    if (ifds.length >= MAX_TIFF_PAGES) throw broken(`more than ${MAX_TIFF_PAGES} pages`)
    seen.add(off)
    const ifd = r.readIfd(off)
    ifds.push(ifd)
    off = ifd.next
  }
  if (ifds.length === 0) throw broken('no image directory')

  const pages = ifds.map((ifd, page): PageInfo => {
    const width = r.first(ifd, TAG.ImageWidth)
    const height = r.first(ifd, TAG.ImageLength)
    if (!width || !height) throw broken(`page ${page} has no size`)
    return { width, height, dpi: r.dpi(ifd) }
  })
  // All sizes first: a bomb is refused as such even when its data is also missing.
  pages.forEach((p, i) => checkPixels(p.width, p.height, maxPixels, pages.length > 1 ? i : undefined))

  ifds.forEach((ifd, page) => {
    const tiled = ifd.entries.has(TAG.TileOffsets)
    const offsets = r.values(ifd, tiled ? TAG.TileOffsets : TAG.StripOffsets)
    const counts = r.values(ifd, tiled ? TAG.TileByteCounts : TAG.StripByteCounts)
    if (!offsets || offsets.length === 0) throw broken(`page ${page} has no image data`)
    if (counts && counts.length !== offsets.length) throw broken(`page ${page}: offsets and byte counts differ in number`)
    for (let i = 0; i < offsets.length; i++) {
      // Without byte counts (allowed for old uncompressed files) at least the start must be inside.
      const end = offsets[i] + (counts ? counts[i] : 1)
      if (end > buf.length) throw truncated(`page ${page}: image data beyond the end of the file`)
    }
  })
  return pages
}
