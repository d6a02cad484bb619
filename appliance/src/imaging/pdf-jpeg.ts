/**
 * A JPEG taken out of a PDF is kept byte for byte. Only when a reader would otherwise get it wrong (the page shows
 * it turned, or its own resolution is missing or wrong) does it get an EXIF block (Orientation, and the resolution
 * measured on the page): the compressed image data is never touched, and every reader sohoa uses (libvips with
 * autoOrient, the archival PDF builder, browsers) turns it the way the PDF viewer did. A viewer ignores EXIF inside
 * a PDF, so an EXIF Orientation the scanner wrote there is replaced as well.
 */
import { TiffReader } from './tiff.js'

const SOI = 0xd8
const APP0 = 0xe0
const APP1 = 0xe1
const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1')
const ORIENTATION_TAG = 274

interface Segment { marker: number, start: number, end: number }

/** The marker segments before the first frame or table segment (where APPn and COM live). */
function headerSegments (jpeg: Uint8Array): Segment[] {
  const out: Segment[] = []
  let pos = 2
  while (pos + 4 <= jpeg.length && jpeg[pos] === 0xff) {
    const marker = jpeg[pos + 1]
    if (!((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe)) break
    const end = pos + 2 + ((jpeg[pos + 2] << 8) | jpeg[pos + 3])
    if (end > jpeg.length) break
    out.push({ marker, start: pos, end })
    pos = end
  }
  return out
}

function isExif (jpeg: Uint8Array, s: Segment): boolean {
  return s.marker === APP1 && s.end - s.start >= 10 && Buffer.from(jpeg.buffer, jpeg.byteOffset + s.start + 4, 6).equals(EXIF_HEADER)
}

/** The EXIF Orientation the JPEG carries, or 1 when it has none (or unreadable EXIF, which libvips ignores too). */
export function exifOrientationOf (jpeg: Uint8Array): number {
  const buf = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.length)
  for (const s of headerSegments(jpeg)) {
    if (!isExif(jpeg, s)) continue
    try {
      const r = new TiffReader(buf, s.start + 10, s.end)
      const o = r.orientation(r.readIfd(r.firstIfd))
      return o !== undefined && o >= 1 && o <= 8 ? o : 1
    } catch {
      return 1
    }
  }
  return 1
}

/** The same JPEG with its EXIF blocks replaced by one holding `orientation` (and the resolution, when known). */
export function withOrientation (jpeg: Uint8Array, orientation: number, dpi: number | null): Buffer {
  const segments = headerSegments(jpeg)
  // JFIF wants its APP0 first: the new block goes after it.
  const jfif = segments[0]?.marker === APP0 ? segments[0] : undefined
  const insertAt = jfif ? jfif.end : 2
  const parts: Uint8Array[] = [jpeg.subarray(0, insertAt), exifSegment(orientation, dpi)]
  let pos = insertAt
  for (const s of segments) {
    if (s.start < insertAt || !isExif(jpeg, s)) continue
    parts.push(jpeg.subarray(pos, s.start))
    pos = s.end
  }
  parts.push(jpeg.subarray(pos))
  return Buffer.concat(parts)
}

/** APP1 "Exif" with a little-endian TIFF block: IFD0 = Orientation [, XResolution, YResolution, ResolutionUnit]. */
function exifSegment (orientation: number, dpi: number | null): Buffer {
  const entries = dpi ? 4 : 1
  const ifdSize = 2 + entries * 12 + 4
  const tiff = Buffer.alloc(8 + ifdSize + (dpi ? 16 : 0))
  tiff.write('II', 0, 'latin1')
  tiff.writeUInt16LE(42, 2)
  tiff.writeUInt32LE(8, 4)
  tiff.writeUInt16LE(entries, 8)
  let e = 10
  const short = (tag: number, value: number): void => {
    tiff.writeUInt16LE(tag, e); tiff.writeUInt16LE(3, e + 2); tiff.writeUInt32LE(1, e + 4); tiff.writeUInt16LE(value, e + 8); e += 12
  }
  const rational = (tag: number, at: number, value: number): void => {
    tiff.writeUInt16LE(tag, e); tiff.writeUInt16LE(5, e + 2); tiff.writeUInt32LE(1, e + 4); tiff.writeUInt32LE(at, e + 8); e += 12
    tiff.writeUInt32LE(value, at); tiff.writeUInt32LE(1, at + 4)
  }
  short(ORIENTATION_TAG, orientation)
  if (dpi) {
    const values = 8 + ifdSize
    rational(282, values, dpi)
    rational(283, values + 8, dpi)
    short(296, 2) // inches
  }
  // next-IFD offset stays 0
  const header = Buffer.alloc(4)
  header[0] = 0xff
  header[1] = APP1
  header.writeUInt16BE(2 + EXIF_HEADER.length + tiff.length, 2)
  return Buffer.concat([header, EXIF_HEADER, tiff])
}
